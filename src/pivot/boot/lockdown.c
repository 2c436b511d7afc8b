// SPDX-License-Identifier: MIT
/*
 * Each reader of the kernel command line splits it its own way: the kernel
 * and systemd honour quotes (systemd single quotes and backslashes too),
 * dracut's shell splits at blanks and ignores quotes.  A word hidden from
 * one reader inside another's quoted value must still be found, so the
 * words are looked for in the union of those views: every run of
 * non-blank bytes, with quotes and backslashes dropped.  That can refuse
 * a word nobody would have acted on, never miss one somebody would.
 */
#include "pivot/boot/lockdown.h"

#include <stdlib.h>
#include <string.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "pivot/boot/cmdline.h"
#include "pivot/boot/errors.h"
#include "pivot/boot/policy.h"
#include "pivot/boot/readtext.h"
#include "pivot/verify/measure.h"

int pivot_lockdown_no_image(const struct pivot_policy *p, bool pid1)
{
	if (p->image == PIVOT_IMAGE_REQUIRED)
		return log_errno(-EPERM, "the kernel command line names no image (composefs.digest=), "
				 "and the policy requires one (image = required): the physical root "
				 "is not booted unverified (add composefs.digest=<digest> to the boot "
				 "entry)");
	if (pid1)
		return log_errno(-EPERM, "the kernel command line names no image (composefs.digest=), "
				 "and this initramfs boots nothing else (add composefs.digest= to the "
				 "boot entry)");
	log_info("the kernel command line names no composefs image, and the policy allows that "
		 "(image = optional): nothing to do, the physical root boots as it is");
	return 0;
}

enum word_kind {
	WORD_ANY,       /* refused with any value, or none */
	WORD_TRUE,      /* refused unless its value is false to every reader */
	WORD_BARE,      /* refused without a value (with one it is another setting) */
	WORD_INIT,      /* refused unless its value is PIVOT_LOCKDOWN_INIT */
};

/* dracut (dracut-lib.sh, 99base/init.sh) and systemd 252 (PID 1 and
 * systemd-debug-generator in the initrd); the deprecated spellings dracut
 * still reads are listed as well. */
static const struct {
	const char *key;
	enum word_kind kind;
	const char *why;
} forbidden[] = {
	{ "rd.break",               WORD_ANY,  "stops the boot with a shell at one of dracut's break points" },
	{ "rdbreak",                WORD_ANY,  "stops the boot with a shell at one of dracut's break points" },
	{ "rd.shell",               WORD_TRUE, "gives a shell when a step of the boot fails" },
	{ "rdshell",                WORD_ANY,  "gives a shell when a step of the boot fails" },
	{ "rd.cmdline",             WORD_ANY,  "reads more words from the console, which nothing checks" },
	{ "rd.systemd.unit",        WORD_ANY,  "starts another target than the boot that runs cfs-pivot" },
	{ "rd.systemd.mask",        WORD_ANY,  "masks units, such as the one that runs cfs-pivot" },
	{ "rd.systemd.wants",       WORD_ANY,  "starts units of its choice, such as a shell" },
	{ "rd.systemd.run",         WORD_ANY,  "runs a command of its choice" },
	{ "rd.systemd.debug_shell", WORD_TRUE, "gives a root shell on a virtual console" },
	{ "systemd.confirm_spawn",  WORD_TRUE, "lets the console skip cfs-pivot or start a shell" },
	{ "systemd.crash_shell",    WORD_TRUE, "gives a root shell should systemd crash" },
	{ "rd.emergency",           WORD_BARE, "starts the emergency target instead of the boot" },
	{ "rd.rescue",              WORD_BARE, "starts the rescue target instead of the boot" },
	{ "init",                   WORD_INIT, "starts another program than " PIVOT_LOCKDOWN_INIT " as init" },
	{ "real_init",              WORD_INIT, "starts another program than " PIVOT_LOCKDOWN_INIT " as init" },
	{ "rd.distroinit",          WORD_INIT, "starts another program than " PIVOT_LOCKDOWN_INIT " as init" },
};

/* The kernel's blanks (cmdline.c) and the shell's are the same set. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
	       (unsigned char)c == 0xa0;
}

/* False to dracut's getargbool (0, no, off) and so to systemd's too. */
static bool is_false(const char *v)
{
	return v && (strcmp(v, "0") == 0 || strcmp(v, "no") == 0 || strcmp(v, "off") == 0);
}

static int refuse(const char *key, const char *value, const char *why)
{
	/* The word as the message shows it, at most 200 bytes; the logger
	 * escapes its control bytes (lib/base/escape.h). */
	char shown[201];

	snprintf(shown, sizeof(shown), "%s%s%s", key, value ? "=" : "", value ? value : "");
	return log_errno(-EPERM, "refusing \"%s\" on the kernel command line: it %s, which the "
			 "policy forbids when it requires an image (image = required; remove the "
			 "word from the boot entry)", shown, why);
}

/* 0, or the refusal of key[=value] (value NULL without '='). */
static int check_word(const char *key, const char *value)
{
	for (size_t i = 0; i < ARRAY_SIZE(forbidden); i++) {
		bool refused;

		if (!pivot_cmdline_key_eq(key, forbidden[i].key))
			continue;
		switch (forbidden[i].kind) {
		case WORD_ANY:
			refused = true;
			break;
		case WORD_TRUE:
			refused = !is_false(value);
			break;
		case WORD_BARE:
			refused = !value;
			break;
		case WORD_INIT:
		default:
			refused = !value || strcmp(value, PIVOT_LOCKDOWN_INIT) != 0;
			break;
		}
		if (refused)
			return refuse(key, value, forbidden[i].why);
	}
	return 0;
}

int pivot_lockdown_words(const struct pivot_policy *p, const struct pivot_cmdline *c,
			 const char *text)
{
	_cleanup_free_ char *buf = NULL;
	char *pos;
	int r;

	if (p->image != PIVOT_IMAGE_REQUIRED)
		return 0;
	buf = strdup(text);
	if (!buf)
		return log_oom();
	for (pos = buf; *pos;) {
		char *word, *end, *eq;
		size_t n = 0;

		while (is_blank(*pos))
			pos++;
		if (!*pos)
			break;
		word = pos;
		while (*pos && !is_blank(*pos))
			pos++;
		end = pos;
		if (*pos)
			pos++;
		for (char *s = word; s < end; s++)
			if (*s != '"' && *s != '\'' && *s != '\\')
				word[n++] = *s;
		word[n] = '\0';
		eq = strchr(word, '=');
		if (eq)
			*eq = '\0';
		r = check_word(word, eq ? eq + 1 : NULL);
		if (r < 0)
			return r;
	}
	/* init= as the kernel reads it, should quotes have grouped blanks
	 * into its value. */
	if (c->init && strcmp(c->init, PIVOT_LOCKDOWN_INIT) != 0)
		return refuse("init", c->init, "starts another program than " PIVOT_LOCKDOWN_INIT " as init");
	return 0;
}

/* A refused command line marks PCR 15 as a refused boot does
 * (docs/measurement.md): the power-off that follows might fail, and what
 * ran then must not find the PCR where the public words reach a booted
 * image's value.  p is NULL when the policy was not read yet: after a
 * command line refused, the policy is read for its TPM keys; a policy
 * that cannot be read marks nothing here (cfs-pivot's boot would mark
 * the default TPM), so that no TPM the policy does not name is touched.
 * As in a boot, the refusal's line is said again after the TPM's. */
static int refuse_measured(const struct pivot_policy *p, const char *config_path, int code,
			   const char *log_path)
{
	struct pivot_status_tpm st = {};
	struct pivot_policy read;
	char message[1024];

	snprintf(message, sizeof(message), "%s", cfs_log_last_error());
	if (!p) {
		if (code != PIVOT_EXIT_CMDLINE || pivot_policy_load(&read, config_path) < 0)
			return code;
		p = &read;
	}
	if (pivot_measure_exit(p, NULL, pivot_exit_name(code), (uint64_t)p->tpm_wait * 1000000,
			       log_path, &st) != 0)
		log_error("%s", message);
	return code;
}

int pivot_lockdown_check(const char *cmdline_path, const char *config_path, const char *log_path)
{
	_cleanup_free_ char *text = NULL;
	struct pivot_cmdline c;
	struct pivot_policy p;
	size_t len;
	int r;

	cfs_log_open_kmsg();
	/* Parsed as the boot parses it, so that what the boot would refuse
	 * (a malformed digest, a NUL byte) stops the initramfs here already;
	 * then read again as text for the word scan. */
	r = pivot_cmdline_load(&c, cmdline_path);
	if (r >= 0)
		r = pivot_read_text(cmdline_path, PIVOT_CMDLINE_MAX, &text, &len);
	if (r < 0) {
		pivot_cmdline_done(&c);
		return refuse_measured(NULL, config_path,
				       r == -ENOMEM ? PIVOT_EXIT_INTERNAL : PIVOT_EXIT_CMDLINE, log_path);
	}
	if (c.debug)
		cfs_log_set_level(LOG_DEBUG);
	r = pivot_policy_load(&p, config_path);
	if (r < 0) {
		pivot_cmdline_done(&c);
		return r == -ENOMEM ? PIVOT_EXIT_INTERNAL : PIVOT_EXIT_POLICY;
	}
	r = pivot_lockdown_words(&p, &c, text);
	pivot_cmdline_done(&c);
	if (r < 0)
		return refuse_measured(&p, config_path,
				       r == -ENOMEM ? PIVOT_EXIT_INTERNAL : PIVOT_EXIT_CMDLINE, log_path);
	log_debug("the kernel command line holds no word the policy forbids (image = %s)",
		  pivot_image_to_string(p.image));
	return PIVOT_EXIT_OK;
}
