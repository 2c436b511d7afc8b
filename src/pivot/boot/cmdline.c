// SPDX-License-Identifier: MIT
/*
 * Words are split exactly as the kernel's next_arg() splits them, so that
 * cfs-pivot sees the same words the kernel and init see: a double quote
 * toggles grouping wherever it appears, and the kernel strips only a quote
 * opening the word or the value together with a quote closing the word.
 * There are no escapes.  Parsing stops at a lone "--", after which the
 * words are init's arguments.
 */
#include "pivot/boot/cmdline.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/log.h"
#include "lib/base/parse.h"
#include "pivot/boot/readtext.h"
#include "lib/base/util.h"

/* The kernel's isspace(): ASCII white space, and 0xA0, which its Latin-1
 * ctype table also counts as a space. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
	       (unsigned char)c == 0xa0;
}

/*
 * Splits the next word off *pos in place: *key is the word up to its first
 * '=', *value what follows (NULL without '=').  Returns false at the end.
 */
static bool next_word(char **pos, char **key, char **value)
{
	char *s = *pos, *equals = NULL;
	bool in_quote = false, quoted = false;
	size_t i;

	while (is_space(*s))
		s++;
	if (!*s)
		return false;
	if (*s == '"') {
		s++;
		in_quote = quoted = true;
	}
	for (i = 0; s[i]; i++) {
		if (is_space(s[i]) && !in_quote)
			break;
		if (!equals && s[i] == '=')
			equals = s + i;
		if (s[i] == '"')
			in_quote = !in_quote;
	}
	*pos = s[i] ? s + i + 1 : s + i;
	s[i] = '\0';

	*key = s;
	*value = NULL;
	if (equals) {
		*equals = '\0';
		*value = equals + 1;
		if (**value == '"') {
			(*value)++;
			if (s[i - 1] == '"')
				s[i - 1] = '\0';
		}
	}
	if (quoted && i > 0 && s[i - 1] == '"')
		s[i - 1] = '\0';
	return true;
}

/* Parameter names compare as the kernel and systemd compare them: '-' and
 * '_' are the same character. */
static bool key_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '_' ? '-' : *a, y = *b == '_' ? '-' : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

bool pivot_cmdline_key_eq(const char *a, const char *b)
{
	return key_eq(a, b);
}

static const char *strempty(const char *s)
{
	return s ? s : "";
}

static int on_digest(struct pivot_cmdline *c, const char *key, const char *value)
{
	struct pivot_digest d;
	bool optional;
	int r;

	value = strempty(value);
	r = pivot_digest_parse(key, value, &d, &optional);
	if (r < 0)
		return r;
	if (optional && !c->optional_key)
		c->optional_key = key;

	if (!c->have_digest) {
		c->have_digest = true;
		c->digest = d;
		c->digest_key = key;
		c->digest_value = value;
		return 0;
	}
	/* Saying the same thing twice, in any spelling, is not ambiguous. */
	if (d.alg != c->digest.alg)
		return log_errno(-EINVAL, "refusing \"%s=%s\": a %s digest, but \"%s=%s\" gives a %s digest "
				 "(name the image once)", key, value, cfs_hash_name(d.alg),
				 c->digest_key, c->digest_value, cfs_hash_name(c->digest.alg));
	if (!pivot_digest_equal(&d, &c->digest))
		return log_errno(-EINVAL, "refusing \"%s=%s\": it names a different image than \"%s=%s\" "
				 "(name the image once)", key, value, c->digest_key, c->digest_value);
	return 0;
}

/* A value of one of the tightenable settings, or -EINVAL. */
static int parse_level(const char *key, const char *value, int (*from_string)(const char *s),
		       const char *choices)
{
	int v = from_string(strempty(value));

	if (v < 0)
		return log_errno(-EINVAL, "refusing \"%s=%s\": not a value of %s (write %s)",
				 key, strempty(value), key, choices);
	return v;
}

static int on_verity(struct pivot_cmdline *c, const char *key, const char *value)
{
	int v = parse_level(key, value, pivot_verity_from_string,
			    "require, boot-check or insecure-dev");

	if (v < 0)
		return v;
	if (!c->have_verity || (enum pivot_verity)v > c->verity)
		c->verity = (enum pivot_verity)v;
	c->have_verity = true;
	return 0;
}

static int on_signature(struct pivot_cmdline *c, const char *key, const char *value)
{
	int v = parse_level(key, value, pivot_signature_from_string, "required, optional or off");

	if (v < 0)
		return v;
	if (!c->have_signature || (enum pivot_signature)v > c->signature)
		c->signature = (enum pivot_signature)v;
	c->have_signature = true;
	return 0;
}

static int on_tpm(struct pivot_cmdline *c, const char *key, const char *value)
{
	int v = parse_level(key, value, pivot_tpm_from_string, "required, if-present or off");

	if (v < 0)
		return v;
	if (!c->have_tpm || (enum pivot_tpm)v > c->tpm)
		c->tpm = (enum pivot_tpm)v;
	c->have_tpm = true;
	return 0;
}

static int on_min_version(struct pivot_cmdline *c, const char *key, const char *value)
{
	uint64_t v;

	if (cfs_parse_u64(strempty(value), &v) < 0)
		return log_errno(-EINVAL, "refusing \"%s=%s\": not an unsigned decimal number "
				 "(write %s=N, 0 <= N < 2^64)", key, strempty(value), key);
	if (!c->have_min_version || v > c->min_version)
		c->min_version = v;
	c->have_min_version = true;
	return 0;
}

static int on_debug(struct pivot_cmdline *c, const char *key, const char *value)
{
	(void)key, (void)value;
	c->debug = true;
	return 0;
}

/* root=, rootfstype=, rootflags=, init=: the last word wins, as in the
 * kernel; the field is found by its offset in struct pivot_cmdline. */
#define ROOT_WORD(name) { #name, offsetof(struct pivot_cmdline, name) }
static const struct {
	const char *key;
	size_t offset;
} root_words[] = {
	ROOT_WORD(root), ROOT_WORD(rootfstype), ROOT_WORD(rootflags), ROOT_WORD(init),
};

static bool on_root_word(struct pivot_cmdline *c, const char *key, const char *value)
{
	for (size_t i = 0; i < sizeof(root_words) / sizeof(root_words[0]); i++)
		if (key_eq(key, root_words[i].key)) {
			/* Not every reader of init= takes the last one. */
			if (key_eq(key, "init") && c->init && strcmp(c->init, value) != 0)
				c->init_other = c->init;
			*(const char **)((char *)c + root_words[i].offset) = value;
			return true;
		}
	return false;
}

/* Words of the kernel that take no value: with one they are not that word,
 * and the kernel ignores them too. */
static bool on_flag(struct pivot_cmdline *c, const char *key)
{
	if (key_eq(key, "ro") || key_eq(key, "rw")) {
		c->have_ro = true;
		c->ro = key_eq(key, "ro");
		return true;
	}
	if (key_eq(key, "rootwait")) {
		c->rootwait = true;
		return true;
	}
	return false;
}

/* Our own words.  takes_value false: the bare word only. */
static const struct {
	const char *key;
	bool takes_value;
	int (*handle)(struct pivot_cmdline *c, const char *key, const char *value);
} pivot_words[] = {
	{ "composefs.digest",    true,  on_digest },
	{ "composefs",           true,  on_digest },   /* composefs-rs */
	{ "cfsboot.verity",      true,  on_verity },
	{ "cfsboot.signature",   true,  on_signature },
	{ "cfsboot.tpm",         true,  on_tpm },
	{ "cfsboot.min-version", true,  on_min_version },
	{ "cfsboot.debug",       false, on_debug },
};

static int handle_word(struct pivot_cmdline *c, const char *key, const char *value)
{
	for (size_t i = 0; i < sizeof(pivot_words) / sizeof(pivot_words[0]); i++)
		if (key_eq(key, pivot_words[i].key) && (pivot_words[i].takes_value || !value))
			return pivot_words[i].handle(c, key, value);

	if (value ? on_root_word(c, key, value) : on_flag(c, key))
		return 0;

	/* The line is shared with the kernel and every other program, so
	 * unknown words are theirs.  One in our namespace is most likely a
	 * typo of a word meant to tighten the policy: say so. */
	if (strncmp(key, "cfsboot.", strlen("cfsboot.")) == 0)
		log_warning("ignoring \"%s%s%s\": cfs-pivot knows no such word (docs/cmdline.md lists them)",
			    key, value ? "=" : "", strempty(value));
	return 0;
}

int pivot_cmdline_parse(struct pivot_cmdline *c, const char *text)
{
	char *pos, *key, *value;
	int r;

	memset(c, 0, sizeof(*c));
	c->buf = strdup(text);
	if (!c->buf)
		return log_oom();

	pos = c->buf;
	while (next_word(&pos, &key, &value)) {
		if (!value && strcmp(key, "--") == 0)
			break;
		r = handle_word(c, key, value);
		if (r < 0)
			return r;
	}
	return c->have_digest ? 1 : 0;
}

int pivot_cmdline_load(struct pivot_cmdline *c, const char *path)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	memset(c, 0, sizeof(*c));
	r = pivot_read_text(path, PIVOT_CMDLINE_MAX, &text, &len);
	if (r == -ENOENT)
		return log_errno(r, "cannot open %s: %m", path);
	if (r < 0)
		return r;
	if (strlen(text) != len)
		return log_errno(-EINVAL, "%s contains a NUL byte, which no kernel command line does", path);
	return pivot_cmdline_parse(c, text);
}

void pivot_cmdline_done(struct pivot_cmdline *c)
{
	free(c->buf);
	c->buf = NULL;
}

int pivot_cmdline_check_init(const struct pivot_cmdline *c, const struct pivot_policy *p,
			     bool pid1)
{
	if (c->init_other)
		return log_errno(-EINVAL, "refusing init=%s and init=%s: the command line names two "
				 "inits, and the policy allows one, init = %s (remove init= from "
				 "the boot entry)", c->init_other, c->init, p->init);
	if (c->init && strcmp(c->init, p->init) != 0)
		return log_errno(-EINVAL, "refusing init=%s: the policy runs init = %s, and any other "
				 "program could start unverified code as PID 1 (remove init= from "
				 "the boot entry, or set init in pivot.conf)", c->init, p->init);
	/* Without an image named, nothing boots through cfs-pivot. */
	if (!c->init && !pid1 && c->have_digest && strcmp(p->init, PIVOT_INIT_DEFAULT) != 0)
		return log_errno(-EINVAL, "the policy's init is %s, but the command line has no "
				 "init=, so the initramfs would start its own choice, %s or the "
				 "image's systemd (add init=%s to the boot entry)", p->init,
				 PIVOT_INIT_DEFAULT, p->init);
	return 0;
}
