// SPDX-License-Identifier: MIT
/*
 * pivot.conf is read strictly: a line cfs-pivot does not understand could
 * be a setting someone believes is in force, so it refuses the boot with
 * the file, the line, what is wrong and what to write instead, rather than
 * guessing.  One table describes every key: its type, its field, and its
 * allowed values; parsing, printing and messages all come from it.
 */
#include "lib/policy/pivot_conf.h"

#include <assert.h>
#include <stdarg.h>
#include <string.h>

#include "lib/base/log.h"
#include "lib/base/parse.h"
#include "lib/base/util.h"
#include "lib/trust/sig_pins.h"

static const char *const verity_names[_PIVOT_VERITY_MAX] = {
	[PIVOT_VERITY_REQUIRE] = "require",
	[PIVOT_VERITY_BOOT_CHECK] = "boot-check",
	[PIVOT_VERITY_INSECURE_DEV] = "insecure-dev",
};
static const char *const signature_names[_PIVOT_SIGNATURE_MAX] = {
	[PIVOT_SIGNATURE_REQUIRED] = "required",
	[PIVOT_SIGNATURE_OPTIONAL] = "optional",
	[PIVOT_SIGNATURE_OFF] = "off",
};
static const char *const tpm_names[_PIVOT_TPM_MAX] = {
	[PIVOT_TPM_REQUIRED] = "required",
	[PIVOT_TPM_IF_PRESENT] = "if-present",
	[PIVOT_TPM_OFF] = "off",
};
static const char *const floor_names[_PIVOT_FLOOR_NEED_MAX] = {
	[PIVOT_FLOOR_NEED_IF_PRESENT] = "if-present",
	[PIVOT_FLOOR_NEED_REQUIRED] = "required",
};
static const char *const etc_names[_PIVOT_ETC_MAX] = {
	[PIVOT_ETC_OVERLAY] = "overlay",
	[PIVOT_ETC_BIND] = "bind",
	[PIVOT_ETC_TRANSIENT] = "transient",
	[PIVOT_ETC_NONE] = "none",
};
static const char *const var_names[_PIVOT_VAR_MAX] = {
	[PIVOT_VAR_BIND] = "bind",
	[PIVOT_VAR_NONE] = "none",
};
static const char *const image_names[_PIVOT_IMAGE_MAX] = {
	[PIVOT_IMAGE_REQUIRED] = "required",
	[PIVOT_IMAGE_OPTIONAL] = "optional",
};
static const char *const on_failure_names[_PIVOT_ON_FAILURE_MAX] = {
	[PIVOT_ON_FAILURE_HALT] = "halt",
	[PIVOT_ON_FAILURE_REBOOT] = "reboot",
};
static const char *const bool_names[] = { "no", "yes" };

/* The table stores enum fields through an unsigned int pointer. */
static_assert(sizeof(enum pivot_verity) == sizeof(unsigned int), "enum size");
static_assert(sizeof(enum pivot_signature) == sizeof(unsigned int), "enum size");
static_assert(sizeof(enum pivot_tpm) == sizeof(unsigned int), "enum size");
static_assert(sizeof(enum pivot_floor_need) == sizeof(unsigned int), "enum size");
static_assert(sizeof(enum pivot_etc) == sizeof(unsigned int), "enum size");
static_assert(sizeof(enum pivot_var) == sizeof(unsigned int), "enum size");
static_assert(sizeof(enum pivot_image) == sizeof(unsigned int), "enum size");
static_assert(sizeof(enum pivot_on_failure) == sizeof(unsigned int), "enum size");

static int lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -EINVAL;
}

#define NAMES_FUNCS(type, names)                                          \
	const char *pivot_##type##_to_string(enum pivot_##type v)         \
	{                                                                 \
		return (size_t)v < ARRAY_SIZE(names) ? names[v] : NULL;   \
	}                                                                 \
	int pivot_##type##_from_string(const char *s)                     \
	{                                                                 \
		return lookup(names, ARRAY_SIZE(names), s);               \
	}
NAMES_FUNCS(verity, verity_names)
NAMES_FUNCS(signature, signature_names)
NAMES_FUNCS(tpm, tpm_names)
NAMES_FUNCS(image, image_names)
NAMES_FUNCS(etc, etc_names)
NAMES_FUNCS(var, var_names)

void pivot_policy_defaults(struct pivot_policy *p)
{
	*p = (struct pivot_policy){
		.image = PIVOT_IMAGE_REQUIRED,
		.store = "/composefs",
		.state = "/state",
		.verity = PIVOT_VERITY_REQUIRE,
		.etc = PIVOT_ETC_TRANSIENT,
		.etc_keep = { .n = 1, .entry = { "hostname" } },
		.var = PIVOT_VAR_BIND,
		.image_config = true,
		.signature = PIVOT_SIGNATURE_REQUIRED,
		.trust = "/etc/cfsboot/trust.d",
		.revoked = "/etc/cfsboot/revoked.list",
		.min_version = 0,
		.check_clock = false,
		.tpm = PIVOT_TPM_IF_PRESENT,
		.tpm_device = "auto",
		.pcr = 15,
		.tpm_wait = 2,
		.floor = PIVOT_FLOOR_NEED_IF_PRESENT,
		.root_wait = 30,
		.on_failure = PIVOT_ON_FAILURE_HALT,
		.init = PIVOT_INIT_DEFAULT,
		.signer_ca = "any",
	};
}

enum key_type {
	KEY_PATH,        /* absolute, normalised */
	KEY_ENUM,        /* one of names[] */
	KEY_BOOL,        /* no | yes, stored as bool */
	KEY_UINT,        /* unsigned int in [min, max] */
	KEY_U64,         /* any unsigned 64-bit number */
	KEY_TPM_DEVICE,  /* auto | a device path | swtpm:... */
	KEY_KEEP,        /* none | names below /etc (keeplist.h) */
	KEY_PCR,         /* a PCR that only a reboot resets (pcr_problem) */
	KEY_PINS,        /* any | spki:<hex>, ... (cfs_sig_pins_parse) */
};

struct policy_key {
	const char *name;
	enum key_type type;
	size_t offset;
	const char *const *names;
	size_t n_names;
	unsigned int min, max;
};

#define FIELD(f) .offset = offsetof(struct pivot_policy, f)
#define CHOICES(n) .names = (n), .n_names = ARRAY_SIZE(n)

/* In the order of docs/policy.md and of --check's output. */
static const struct policy_key policy_keys[] = {
	{ "image",       KEY_ENUM,       FIELD(image), CHOICES(image_names) },
	{ "store",       KEY_PATH,       FIELD(store) },
	{ "state",       KEY_PATH,       FIELD(state) },
	{ "verity",      KEY_ENUM,       FIELD(verity), CHOICES(verity_names) },
	{ "etc",         KEY_ENUM,       FIELD(etc), CHOICES(etc_names) },
	{ "var",         KEY_ENUM,       FIELD(var), CHOICES(var_names) },
	{ "image-config", KEY_BOOL,      FIELD(image_config), CHOICES(bool_names) },
	{ "signature",   KEY_ENUM,       FIELD(signature), CHOICES(signature_names) },
	{ "trust",       KEY_PATH,       FIELD(trust) },
	{ "revoked",     KEY_PATH,       FIELD(revoked) },
	{ "min-version", KEY_U64,        FIELD(min_version) },
	{ "check-clock", KEY_BOOL,       FIELD(check_clock), CHOICES(bool_names) },
	{ "tpm",         KEY_ENUM,       FIELD(tpm), CHOICES(tpm_names) },
	{ "tpm-device",  KEY_TPM_DEVICE, FIELD(tpm_device) },
	{ "pcr",         KEY_PCR,        FIELD(pcr) },
	{ "tpm-wait",    KEY_UINT,       FIELD(tpm_wait), .min = 0, .max = 600 },
	{ "floor",       KEY_ENUM,       FIELD(floor), CHOICES(floor_names) },
	{ "root-wait",   KEY_UINT,       FIELD(root_wait), .min = 1, .max = 3600 },
	{ "on-failure",  KEY_ENUM,       FIELD(on_failure), CHOICES(on_failure_names) },
	{ "etc-keep",    KEY_KEEP,       FIELD(etc_keep) },
	{ "init",        KEY_PATH,       FIELD(init) },
	{ "signer-ca",   KEY_PINS,       FIELD(signer_ca) },
};
#define N_KEYS ARRAY_SIZE(policy_keys)

static void *field(struct pivot_policy *p, const struct policy_key *k)
{
	return (char *)p + k->offset;
}

static const void *cfield(const struct pivot_policy *p, const struct policy_key *k)
{
	return (const char *)p + k->offset;
}

/* The value of k in p as pivot.conf writes it. */
static void format_value(const struct pivot_policy *p, const struct policy_key *k,
			 char *out, size_t size)
{
	const void *f = cfield(p, k);

	switch (k->type) {
	case KEY_PATH:
	case KEY_TPM_DEVICE:
	case KEY_PINS:
		snprintf(out, size, "%s", (const char *)f);
		break;
	case KEY_ENUM:
		snprintf(out, size, "%s", k->names[*(const unsigned int *)f]);
		break;
	case KEY_BOOL:
		snprintf(out, size, "%s", k->names[*(const bool *)f]);
		break;
	case KEY_UINT:
	case KEY_PCR:
		snprintf(out, size, "%u", *(const unsigned int *)f);
		break;
	case KEY_U64:
		snprintf(out, size, "%llu", (unsigned long long)*(const uint64_t *)f);
		break;
	case KEY_KEEP:
		pivot_keep_format(f, out, size);
		break;
	}
}

/* "a, b or c" */
static void format_choices(const char *const *names, size_t n, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s",
					 i == 0 ? "" : i + 1 == n ? " or " : ", ", names[i]);
}

/* Why path is not absolute and normalised, or NULL when it is.  Paths are
 * used beneath the physical root, so "..", "." and "//" are refused rather
 * than resolved. */
static const char *path_problem(const char *path)
{
	const char *c = path;

	if (path[0] != '/')
		return "is not an absolute path";
	if (strcmp(path, "/") == 0)
		return NULL;
	while (*c == '/') {
		const char *end = strchrnul(c + 1, '/');
		size_t len = (size_t)(end - c - 1);

		if (len == 0)
			return "has an empty component (\"//\" or a trailing \"/\")";
		if ((len == 1 && c[1] == '.') || (len == 2 && c[1] == '.' && c[2] == '.'))
			return "has a \".\" or \"..\" component";
		c = end;
	}
	return NULL;
}

/* swtpm:host=H,port=P or swtpm:path=SOCKET, the configuration string of
 * the tpm2-tss swtpm TCTI (which also uses port P+1). */
static bool swtpm_valid(const char *conf)
{
	const char *port;
	uint64_t v;

	if (strncmp(conf, "path=", 5) == 0)
		return !path_problem(conf + 5);
	if (strncmp(conf, "host=", 5) != 0)
		return false;
	port = strstr(conf, ",port=");
	if (!port || port == conf + 5)
		return false;
	for (const char *h = conf + 5; h < port; h++)
		if (*h == ' ' || *h == '\t')
			return false;
	return cfs_parse_u64(port + 6, &v) == 0 && v >= 1 && v <= 65534;
}

/*
 * Why a PCR cannot hold the measurement, or NULL.  A PCR that a process
 * can reset without a reboot cannot prove anything about the boot, and
 * one the OS cannot extend would refuse every boot (docs/measurement.md).
 */
static const char *pcr_problem(uint64_t pcr)
{
	if (pcr > 23)
		return "is not a PCR (a TPM 2.0 has PCRs 0 to 23)";
	if (pcr == 16)
		return "is the debug PCR, which any process may reset";
	if (pcr == 23)
		return "is the application PCR, which any process may reset";
	if (pcr >= 17)
		return "belongs to the dynamic root of trust: a late launch resets it and the OS "
		       "cannot extend it";
	return NULL;
}

struct line_ctx {
	const char *file;
	unsigned int line;
};

__attribute__((format(printf, 2, 3)))
static int line_error(const struct line_ctx *ctx, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return log_errno(-EINVAL, "%s:%u: %s", ctx->file, ctx->line, msg);
}

static int set_value(struct pivot_policy *p, const struct policy_key *k, const char *value,
		     const struct line_ctx *ctx)
{
	char choices[256], example[PIVOT_POLICY_VALUE_SIZE];
	struct pivot_policy defaults;
	struct cfs_sig_pins pins;
	const char *why, *bad;
	size_t bad_len;
	uint64_t v;
	int i;

	switch (k->type) {
	case KEY_PATH:
		why = path_problem(value);
		if (why) {
			pivot_policy_defaults(&defaults);
			format_value(&defaults, k, example, sizeof(example));
			return line_error(ctx, "%s = \"%s\" %s (write an absolute path without "
					  "\".\", \"..\" or \"//\", such as %s)",
					  k->name, value, why, example);
		}
		snprintf(field(p, k), PIVOT_POLICY_VALUE_SIZE, "%s", value);
		return 0;
	case KEY_TPM_DEVICE:
		if (strcmp(value, "auto") != 0 &&
		    (value[0] == '/' ? path_problem(value) != NULL :
		     strncmp(value, "swtpm:", 6) != 0 || !swtpm_valid(value + 6)))
			return line_error(ctx, "%s = \"%s\" is not a TPM device (write auto, a device "
					  "path such as /dev/tpmrm0, swtpm:host=HOST,port=PORT or "
					  "swtpm:path=SOCKET)", k->name, value);
		snprintf(field(p, k), PIVOT_POLICY_VALUE_SIZE, "%s", value);
		return 0;
	case KEY_PINS:
		if (cfs_sig_pins_parse(value, &pins) < 0)
			return line_error(ctx, "%s = \"%s\" does not name issuing CAs (write %s)",
					  k->name, value, CFS_SIG_PINS_SYNTAX);
		snprintf(field(p, k), PIVOT_POLICY_VALUE_SIZE, "%s", value);
		return 0;
	case KEY_ENUM:
	case KEY_BOOL:
		i = lookup(k->names, k->n_names, value);
		if (i < 0) {
			format_choices(k->names, k->n_names, choices, sizeof(choices));
			return line_error(ctx, "%s = \"%s\" is not a valid value (write %s)",
					  k->name, value, choices);
		}
		if (k->type == KEY_BOOL)
			*(bool *)field(p, k) = i;
		else
			*(unsigned int *)field(p, k) = (unsigned int)i;
		return 0;
	case KEY_UINT:
		if (cfs_parse_u64(value, &v) < 0 || v < k->min || v > k->max)
			return line_error(ctx, "%s = \"%s\" is not a number from %u to %u (write one)",
					  k->name, value, k->min, k->max);
		*(unsigned int *)field(p, k) = (unsigned int)v;
		return 0;
	case KEY_PCR:
		if (cfs_parse_u64(value, &v) < 0)
			return line_error(ctx, "%s = \"%s\" is not a number (write a PCR from 8 to 15; "
					  "the default is 15)", k->name, value);
		why = pcr_problem(v);
		if (why)
			return line_error(ctx, "%s = %s %s (write a PCR from 8 to 15; the default is 15)",
					  k->name, value, why);
		/* Allowed: the measurement is still sound, only unusual. */
		if (v < 8)
			log_warning("%s:%u: pcr = %llu is a PCR of the firmware's measurements (0 to 7): "
				    "policies sealed to the firmware's values break; PCRs 8 to 15 are "
				    "the operating system's", ctx->file, ctx->line, (unsigned long long)v);
		*(unsigned int *)field(p, k) = (unsigned int)v;
		return 0;
	case KEY_U64:
		if (cfs_parse_u64(value, &v) < 0)
			return line_error(ctx, "%s = \"%s\" is not an unsigned decimal number "
					  "(write a number from 0 to 18446744073709551615)", k->name, value);
		*(uint64_t *)field(p, k) = v;
		return 0;
	case KEY_KEEP:
		if (pivot_keep_parse(value, field(p, k), &why, &bad, &bad_len) == 0)
			return 0;
		pivot_policy_defaults(&defaults);
		format_value(&defaults, k, example, sizeof(example));
		if (bad)
			return line_error(ctx, "%s: \"%.*s\" %s (write none, or names below /etc "
					  "separated by spaces, such as %s = %s)", k->name,
					  (int)bad_len, bad, why, k->name, example);
		return line_error(ctx, "%s = \"%s\" %s", k->name, value, why);
	}
	return line_error(ctx, "internal error: key %s has no type", k->name);
}

static const struct policy_key *find_key(const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(policy_keys[i].name, name) == 0)
			return &policy_keys[i];
	return NULL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Strips blanks from both ends of s, in place. */
static char *strip(char *s)
{
	size_t len;

	while (is_blank(*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_blank(s[len - 1]))
		s[--len] = '\0';
	return s;
}

/* seen[i] is the line that set key i, or 0. */
static int parse_line(struct pivot_policy *p, const struct line_ctx *ctx, const char *text,
		      size_t len, unsigned int *seen)
{
	char buf[PIVOT_POLICY_LINE_MAX + 1], key_list[512], *line, *eq, *key, *value;
	const struct policy_key *k;
	size_t i;

	if (len > PIVOT_POLICY_LINE_MAX)
		return line_error(ctx, "the line is longer than %d bytes (shorten it)",
				  PIVOT_POLICY_LINE_MAX);
	/* Control characters (a NUL, an escape sequence) have no place in
	 * any value; a '\r' only ends lines of a file written on Windows. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c < 0x20 && c != '\t' && !(c == '\r' && i + 1 == len)) || c == 0x7f)
			return line_error(ctx, "control character 0x%02x in column %zu (remove it)",
					  c, i + 1);
	}
	memcpy(buf, text, len);
	buf[len] = '\0';

	line = strip(buf);
	if (!*line || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (!eq)
		return line_error(ctx, "no \"=\" in \"%s\" (write key = value; # starts a comment)",
				  line);
	*eq = '\0';
	key = strip(line);
	value = strip(eq + 1);

	k = find_key(key);
	if (!k) {
		size_t used = 0;

		for (i = 0; i < N_KEYS && used < sizeof(key_list); i++)
			used += (size_t)snprintf(key_list + used, sizeof(key_list) - used, "%s%s",
						 i ? ", " : "", policy_keys[i].name);
		return line_error(ctx, "unknown key \"%s\" (the keys are %s)", key, key_list);
	}
	i = (size_t)(k - policy_keys);
	if (seen[i])
		return line_error(ctx, "%s is set again; line %u set it already (set each key once)",
				  k->name, seen[i]);
	if (!*value) {
		struct pivot_policy defaults;

		pivot_policy_defaults(&defaults);
		format_value(&defaults, k, buf, sizeof(buf));
		return line_error(ctx, "%s has no value (write %s = VALUE; the default is %s = %s)",
				  k->name, k->name, k->name, buf);
	}
	/* What --check prints, "key = value", must be a line this parser
	 * reads back; "key=value" may be a few bytes shorter. */
	if (strlen(k->name) + 3 + strlen(value) > PIVOT_POLICY_LINE_MAX)
		return line_error(ctx, "the value of %s is longer than %zu bytes (shorten it)",
				  k->name, PIVOT_POLICY_LINE_MAX - strlen(k->name) - 3);
	seen[i] = ctx->line;
	return set_value(p, k, value, ctx);
}

int pivot_policy_parse(struct pivot_policy *p, const char *name, const char *text, size_t len)
{
	unsigned int seen[N_KEYS] = { 0 };
	struct line_ctx ctx = { .file = name, .line = 0 };
	size_t pos = 0;
	int r;

	pivot_policy_defaults(p);
	while (pos < len) {
		const char *start = text + pos, *nl = memchr(start, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - start) : len - pos;

		ctx.line++;
		r = parse_line(p, &ctx, start, line_len, seen);
		if (r < 0)
			return r;
		pos += line_len + (nl ? 1 : 0);
	}
	p->image_set = seen[find_key("image") - policy_keys] != 0;
	/* The floor lives in the TPM, which tpm = off never opens. */
	if (p->floor == PIVOT_FLOOR_NEED_REQUIRED && p->tpm == PIVOT_TPM_OFF) {
		ctx.line = seen[find_key("floor") - policy_keys];
		return line_error(&ctx, "floor = required needs the TPM's anti-rollback counter, "
				  "but tpm = off never opens the TPM (set tpm = if-present or required)");
	}
	return 0;
}

int pivot_policy_print(const struct pivot_policy *p, FILE *f)
{
	char value[PIVOT_POLICY_VALUE_SIZE];

	for (size_t i = 0; i < N_KEYS; i++) {
		format_value(p, &policy_keys[i], value, sizeof(value));
		fprintf(f, "%s = %s\n", policy_keys[i].name, value);
	}
	return ferror(f) ? -EIO : 0;
}
