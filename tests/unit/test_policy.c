// SPDX-License-Identifier: MIT
/* pivot.conf: defaults, strict parsing with line numbers, tightening. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "pivot/boot/cmdline.h"
#include "pivot/boot/policy.h"
#include "pivot/boot/policy_cmdline.h"
#include "capture.h"

#define HEX_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int parse(struct pivot_policy *p, const char *text)
{
	return pivot_policy_parse(p, "pivot.conf", text, strlen(text));
}

/* Parses text that must be refused and returns the one line logged. */
static const char *refused_len(const char *text, size_t len)
{
	struct pivot_policy p;
	const char *log;
	int r;

	capture_start();
	r = pivot_policy_parse(&p, "pivot.conf", text, len);
	log = capture_end();
	if (r != -EINVAL)
		fail_msg("\"%s\" was not refused (result %d)", text, r);
	assert_int_equal(count_lines(log), 1);
	return log;
}

static const char *refused(const char *text)
{
	return refused_len(text, strlen(text));
}

static void assert_defaults(const struct pivot_policy *p)
{
	assert_int_equal(p->image, PIVOT_IMAGE_REQUIRED);
	assert_string_equal(p->store, "/composefs");
	assert_string_equal(p->state, "/state");
	assert_int_equal(p->verity, PIVOT_VERITY_REQUIRE);
	assert_int_equal(p->etc, PIVOT_ETC_TRANSIENT);
	assert_int_equal(p->etc_keep.n, 1);
	assert_string_equal(p->etc_keep.entry[0], "hostname");
	assert_int_equal(p->var, PIVOT_VAR_BIND);
	assert_int_equal(p->signature, PIVOT_SIGNATURE_REQUIRED);
	assert_string_equal(p->trust, "/etc/cfsboot/trust.d");
	assert_string_equal(p->revoked, "/etc/cfsboot/revoked.list");
	assert_int_equal(p->min_version, 0);
	assert_false(p->check_clock);
	assert_int_equal(p->tpm, PIVOT_TPM_IF_PRESENT);
	assert_string_equal(p->tpm_device, "auto");
	assert_int_equal(p->pcr, 15);
	assert_int_equal(p->tpm_wait, 2);
	assert_int_equal(p->floor, PIVOT_FLOOR_NEED_IF_PRESENT);
	assert_int_equal(p->root_wait, 30);
	assert_int_equal(p->on_failure, PIVOT_ON_FAILURE_HALT);
	assert_string_equal(p->init, "/sbin/init");
}

static void assert_policy_equal(const struct pivot_policy *a, const struct pivot_policy *b)
{
	assert_int_equal(a->image, b->image);
	assert_string_equal(a->store, b->store);
	assert_string_equal(a->state, b->state);
	assert_int_equal(a->verity, b->verity);
	assert_int_equal(a->etc, b->etc);
	assert_int_equal(a->etc_keep.n, b->etc_keep.n);
	for (size_t i = 0; i < a->etc_keep.n; i++)
		assert_string_equal(a->etc_keep.entry[i], b->etc_keep.entry[i]);
	assert_int_equal(a->var, b->var);
	assert_int_equal(a->image_config, b->image_config);
	assert_int_equal(a->signature, b->signature);
	assert_string_equal(a->trust, b->trust);
	assert_string_equal(a->revoked, b->revoked);
	assert_int_equal(a->min_version, b->min_version);
	assert_int_equal(a->check_clock, b->check_clock);
	assert_int_equal(a->tpm, b->tpm);
	assert_string_equal(a->tpm_device, b->tpm_device);
	assert_int_equal(a->pcr, b->pcr);
	assert_int_equal(a->tpm_wait, b->tpm_wait);
	assert_int_equal(a->floor, b->floor);
	assert_int_equal(a->root_wait, b->root_wait);
	assert_int_equal(a->on_failure, b->on_failure);
	assert_string_equal(a->init, b->init);
}

static const char every_key[] =
	"# a policy that changes every key\n"
	"\n"
	"image = optional\n"
	"store = /sysroot-store/cfs\n"
	"state=/var-state\n"
	"  verity\t=\tboot-check  \n"
	"etc = overlay\r\n"
	"var = none\n"
	"image-config = no\n"
	"signature = optional\n"
	"trust = /etc/keys\n"
	"revoked = /etc/keys/revoked\n"
	"   # indented comment\n"
	"min-version = 18446744073709551615\n"
	"check-clock = yes\n"
	"tpm = required\n"
	"tpm-device = swtpm:host=127.0.0.1,port=2321\n"
	"pcr = 14\n"
	"tpm-wait = 600\n"
	"floor = required\n"
	"root-wait = 3600\n"
	"init = /usr/lib/systemd/systemd\n"
	"on-failure = reboot\n"
	"signer-ca = spki:" HEX_A ",spki:" HEX_A "\n"
	"etc-keep =  ssh/ssh_host_*_key\thostname  "; /* no final newline */

static void assert_every_key(const struct pivot_policy *p)
{
	assert_int_equal(p->image, PIVOT_IMAGE_OPTIONAL);
	assert_true(p->image_set);
	assert_string_equal(p->store, "/sysroot-store/cfs");
	assert_string_equal(p->state, "/var-state");
	assert_int_equal(p->verity, PIVOT_VERITY_BOOT_CHECK);
	assert_int_equal(p->etc, PIVOT_ETC_OVERLAY);
	assert_int_equal(p->etc_keep.n, 2);
	assert_string_equal(p->etc_keep.entry[0], "ssh/ssh_host_*_key");
	assert_string_equal(p->etc_keep.entry[1], "hostname");
	assert_int_equal(p->var, PIVOT_VAR_NONE);
	assert_false(p->image_config);
	assert_int_equal(p->signature, PIVOT_SIGNATURE_OPTIONAL);
	assert_string_equal(p->trust, "/etc/keys");
	assert_string_equal(p->revoked, "/etc/keys/revoked");
	assert_int_equal(p->min_version, UINT64_MAX);
	assert_true(p->check_clock);
	assert_int_equal(p->tpm, PIVOT_TPM_REQUIRED);
	assert_string_equal(p->tpm_device, "swtpm:host=127.0.0.1,port=2321");
	assert_int_equal(p->pcr, 14);
	assert_int_equal(p->tpm_wait, 600);
	assert_int_equal(p->floor, PIVOT_FLOOR_NEED_REQUIRED);
	assert_int_equal(p->root_wait, 3600);
	assert_int_equal(p->on_failure, PIVOT_ON_FAILURE_REBOOT);
	assert_string_equal(p->init, "/usr/lib/systemd/systemd");
	assert_string_equal(p->signer_ca, "spki:" HEX_A ",spki:" HEX_A);
}

static void test_defaults(void **state)
{
	struct pivot_policy p;

	(void)state;
	pivot_policy_defaults(&p);
	assert_defaults(&p);
	/* An empty file, or only comments, is the defaults. */
	assert_int_equal(parse(&p, ""), 0);
	assert_defaults(&p);
	assert_int_equal(parse(&p, "# nothing\n\n   \n\t\n"), 0);
	assert_defaults(&p);
}

static void test_every_key(void **state)
{
	struct pivot_policy p;

	(void)state;
	assert_int_equal(parse(&p, every_key), 0);
	assert_every_key(&p);
}

/* A parse starts from the defaults, not from what p held before. */
static void test_parse_resets(void **state)
{
	struct pivot_policy p;

	(void)state;
	assert_int_equal(parse(&p, every_key), 0);
	assert_int_equal(parse(&p, "pcr = 7\n"), 0);
	assert_int_equal(p.pcr, 7);
	p.pcr = 15;
	assert_defaults(&p);
}

/* What --check prints reads back to the same policy. */
static void test_print_round_trip(void **state)
{
	struct pivot_policy p, back;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(parse(&p, every_key), 0);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(pivot_policy_print(&p, f), 0);
	fclose(f);
	assert_contains(text, "image = optional\n");
	assert_contains(text, "store = /sysroot-store/cfs\n");
	assert_contains(text, "verity = boot-check\n");
	assert_contains(text, "check-clock = yes\n");
	assert_contains(text, "min-version = 18446744073709551615\n");
	assert_int_equal(pivot_policy_parse(&back, "printed", text, len), 0);
	assert_policy_equal(&p, &back);
	free(text);

	pivot_policy_defaults(&p);
	text = NULL;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(pivot_policy_print(&p, f), 0);
	fclose(f);
	assert_string_equal(text,
			    "image = required\n"
			    "store = /composefs\n"
			    "state = /state\n"
			    "verity = require\n"
			    "etc = transient\n"
			    "var = bind\n"
			    "image-config = yes\n"
			    "signature = required\n"
			    "trust = /etc/cfsboot/trust.d\n"
			    "revoked = /etc/cfsboot/revoked.list\n"
			    "min-version = 0\n"
			    "check-clock = no\n"
			    "tpm = if-present\n"
			    "tpm-device = auto\n"
			    "pcr = 15\n"
			    "tpm-wait = 2\n"
			    "floor = if-present\n"
			    "root-wait = 30\n"
			    "on-failure = halt\n"
			    "etc-keep = hostname\n"
			    "init = /sbin/init\n"
			    "signer-ca = any\n");
	free(text);
}

/* etc-keep: the list's rules, each refusal naming the entry. */
static void test_etc_keep(void **state)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{ "etc-keep = hostname ../shadow\n",
		  "pivot.conf:1: etc-keep: \"../shadow\" is not a relative path below /etc without "
		  "\"\", \".\" or \"..\" components (write none, or names below /etc separated by "
		  "spaces, such as etc-keep = hostname)" },
		{ "etc-keep = /etc/hostname\n", "etc-keep: \"/etc/hostname\" is not a relative path" },
		{ "etc-keep = ssh//key\n", "etc-keep: \"ssh//key\" is not a relative path" },
		{ "etc-keep = ssh/./key\n", "etc-keep: \"ssh/./key\" is not a relative path" },
		{ "etc-keep = hostname machine-id hostname\n", "etc-keep: \"hostname\" is listed twice" },
		{ "etc-keep = ssh*/key\n",
		  "etc-keep: \"ssh*/key\" has a pattern in a directory's name (only the last component "
		  "may have * or ?)" },
		{ "etc-keep = ssh/key[12]\n", "etc-keep: \"ssh/key[12]\" has [, ] or \\" },
		{ "etc-keep = none hostname\n", "etc-keep: \"none\" is none, which stands alone" },
		{ "etc-keep = hostname none\n", "etc-keep: \"none\" is none, which stands alone" },
		{ "etc-keep = caf\xc3\xa9\n", "has a character that is not printable ASCII" },
		{ "etc-keep = a b c d e f g h i j k l m n o p q\n",
		  "etc-keep: \"q\" is one entry too many (etc-keep holds at most 16)" },
		{ "etc-keep =\n", "etc-keep has no value (write etc-keep = VALUE; the default is "
		  "etc-keep = hostname)" },
	};
	char long_entry[200], text[300], out[64];
	struct pivot_keep_list l;
	const char *why, *bad;
	struct pivot_policy p;
	size_t bad_len;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_contains(refused(cases[i].text), cases[i].message);

	memset(long_entry, 'a', 128);
	long_entry[128] = '\0';
	snprintf(text, sizeof(text), "etc-keep = %s\n", long_entry);
	assert_contains(refused(text), "is longer than 127 bytes");
	long_entry[127] = '\0';
	snprintf(text, sizeof(text), "etc-keep = %s\n", long_entry);
	assert_int_equal(parse(&p, text), 0);
	assert_int_equal(p.etc_keep.n, 1);
	assert_int_equal(strlen(p.etc_keep.entry[0]), 127);

	/* Sixteen entries fit; none is the empty list. */
	assert_int_equal(parse(&p, "etc-keep = a b c d e f g h i j k l m n o p\n"), 0);
	assert_int_equal(p.etc_keep.n, 16);
	assert_string_equal(p.etc_keep.entry[15], "p");
	assert_int_equal(parse(&p, "etc-keep = none\n"), 0);
	assert_int_equal(p.etc_keep.n, 0);
	pivot_keep_format(&p.etc_keep, out, sizeof(out));
	assert_string_equal(out, "none");

	/* Directly: blanks alone are no list, and the entry is named. */
	assert_int_equal(pivot_keep_parse(" \t ", &l, &why, &bad, &bad_len), -EINVAL);
	assert_string_equal(why, "is empty (write etc-keep = none for no file)");
	assert_null(bad);
	assert_int_equal(pivot_keep_parse("hostname x/../y", &l, &why, &bad, &bad_len), -EINVAL);
	assert_int_equal(bad_len, 6);
	assert_memory_equal(bad, "x/../y", 6);
	assert_int_equal(pivot_keep_parse("ssh/ssh_host_*  machine-id", &l, &why, &bad, &bad_len), 0);
	assert_int_equal(l.n, 2);
	assert_true(pivot_keep_is_pattern(l.entry[0]));
	assert_false(pivot_keep_is_pattern(l.entry[1]));
	pivot_keep_format(&l, out, sizeof(out));
	assert_string_equal(out, "ssh/ssh_host_* machine-id");
}

static void test_errors_name_the_line(void **state)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{ "verity = require\n\n# c\nverty = require\n",
		  "pivot.conf:4: unknown key \"verty\" (the keys are image, store, state, verity, etc, var, image-config, "
		  "signature, trust, revoked, min-version, check-clock, tpm, tpm-device, pcr, "
		  "tpm-wait, floor, root-wait, on-failure, etc-keep, init, signer-ca)" },
		{ "Verity = require\n", "pivot.conf:1: unknown key \"Verity\"" },
		{ "\n = require\n", "pivot.conf:2: unknown key \"\"" },
		{ "verity = require\n# c\nverity = boot-check\n",
		  "pivot.conf:3: verity is set again; line 1 set it already (set each key once)" },
		{ "pcr = 15\npcr = 15\n", "pivot.conf:2: pcr is set again; line 1 set it already" },
		{ "store = /composefs\nverity require\n",
		  "pivot.conf:2: no \"=\" in \"verity require\" (write key = value; # starts a comment)" },
		{ "verity = sometimes\n",
		  "pivot.conf:1: verity = \"sometimes\" is not a valid value "
		  "(write insecure-dev, boot-check or require)" },
		{ "verity = require # strict\n",
		  "pivot.conf:1: verity = \"require # strict\" is not a valid value" },
		{ "\n\netc = tmpfs\n", "pivot.conf:3: etc = \"tmpfs\" is not a valid value "
		  "(write overlay, bind, transient or none)" },
		{ "var = overlay\n", "(write bind or none)" },
		{ "signature = REQUIRED\n", "(write off, optional or required)" },
		{ "tpm = yes\n", "(write off, if-present or required)" },
		{ "on-failure = poweroff\n", "(write halt or reboot)" },
		{ "signer-ca = spki:00\n", "pivot.conf:1: signer-ca = \"spki:00\" does not name issuing "
		  "CAs (write any, or up to 8 spki:<64 lowercase hex digits> separated by commas)" },
		{ "signer-ca = any, spki:" HEX_A "\n", "signer-ca = \"any, spki:" },
		{ "signer-ca = spki:" HEX_A " spki:" HEX_A "\n", "does not name issuing CAs" },
		{ "signer-ca = SPKI:" HEX_A "\n", "does not name issuing CAs" },
		{ "image = yes\n", "pivot.conf:1: image = \"yes\" is not a valid value (write optional or required)" },
		{ "image = required\nimage = optional\n", "pivot.conf:2: image is set again; line 1 set it already" },
		{ "check-clock = true\n", "pivot.conf:1: check-clock = \"true\" is not a valid value (write no or yes)" },
		{ "store =\n", "pivot.conf:1: store has no value (write store = VALUE; the default is store = /composefs)" },
		{ "pcr = \t \n", "pivot.conf:1: pcr has no value (write pcr = VALUE; the default is pcr = 15)" },
		{ "pcr = 24\n", "pivot.conf:1: pcr = 24 is not a PCR (a TPM 2.0 has PCRs 0 to 23) "
		  "(write a PCR from 8 to 15; the default is 15)" },
		{ "pcr = 16\n", "pivot.conf:1: pcr = 16 is the debug PCR, which any process may reset" },
		{ "pcr = 23\n", "pcr = 23 is the application PCR, which any process may reset" },
		{ "pcr = 17\n", "pcr = 17 belongs to the dynamic root of trust" },
		{ "pcr = 22\n", "pcr = 22 belongs to the dynamic root of trust" },
		{ "pcr = -1\n", "pcr = \"-1\" is not a number (write a PCR from 8 to 15" },
		{ "pcr = 0x0f\n", "pcr = \"0x0f\" is not a number" },
		{ "pcr = 99999999999999999999\n", "is not a number" },
		{ "init = sbin/init\n", "pivot.conf:1: init = \"sbin/init\" is not an absolute path "
		  "(write an absolute path without \".\", \"..\" or \"//\", such as /sbin/init)" },
		{ "init = /sysroot/../evil\n", "has a \".\" or \"..\" component" },
		{ "root-wait = 0\n", "root-wait = \"0\" is not a number from 1 to 3600" },
		{ "tpm-wait = 601\n", "pivot.conf:1: tpm-wait = \"601\" is not a number from 0 to 600 (write one)" },
		{ "tpm-wait = 2s\n", "tpm-wait = \"2s\" is not a number from 0 to 600" },
		{ "floor = yes\n", "pivot.conf:1: floor = \"yes\" is not a valid value (write if-present or required)" },
		{ "floor = off\n", "(write if-present or required)" },
		{ "# the floor without its TPM\ntpm = off\nfloor = required\n",
		  "pivot.conf:3: floor = required needs the TPM's anti-rollback counter, but tpm = off "
		  "never opens the TPM (set tpm = if-present or required)" },
		{ "floor = required\ntpm = off\n", "pivot.conf:1: floor = required needs the TPM" },
		{ "root-wait = 3601\n", "root-wait = \"3601\" is not a number from 1 to 3600" },
		{ "min-version = 18446744073709551616\n",
		  "pivot.conf:1: min-version = \"18446744073709551616\" is not an unsigned decimal number "
		  "(write a number from 0 to 18446744073709551615)" },
		{ "min-version = 1.5\n", "min-version = \"1.5\" is not an unsigned decimal number" },
		{ "min-version = 1 2\n", "min-version = \"1 2\" is not an unsigned decimal number" },
		{ "store = composefs\n",
		  "pivot.conf:1: store = \"composefs\" is not an absolute path (write an absolute path "
		  "without \".\", \"..\" or \"//\", such as /composefs)" },
		{ "state = /a/../b\n", "state = \"/a/../b\" has a \".\" or \"..\" component" },
		{ "state = /..\n", "has a \".\" or \"..\" component" },
		{ "trust = /etc/./keys\n", "trust = \"/etc/./keys\" has a \".\" or \"..\" component" },
		{ "trust = /etc//keys\n", "has an empty component (\"//\" or a trailing \"/\")" },
		{ "revoked = /etc/keys/\n", "has an empty component" },
		{ "store = //composefs\n", "has an empty component" },
		{ "tpm-device = tpm0\n",
		  "pivot.conf:1: tpm-device = \"tpm0\" is not a TPM device (write auto, a device path "
		  "such as /dev/tpmrm0, swtpm:host=HOST,port=PORT or swtpm:path=SOCKET)" },
		{ "tpm-device = /dev/../tpm0\n", "is not a TPM device" },
		{ "tpm-device = swtpm:\n", "is not a TPM device" },
		{ "tpm-device = swtpm:host=,port=2321\n", "is not a TPM device" },
		{ "tpm-device = swtpm:host=h,port=0\n", "is not a TPM device" },
		{ "tpm-device = swtpm:host=h,port=65535\n", "is not a TPM device" },
		{ "tpm-device = swtpm:host=h,port=\n", "is not a TPM device" },
		{ "tpm-device = swtpm:host=a b,port=1\n", "is not a TPM device" },
		{ "tpm-device = swtpm:path=run/swtpm\n", "is not a TPM device" },
		{ "tpm-device = AUTO\n", "is not a TPM device" },
		{ "# ok\nstore = /a\x1b[0m\n", "pivot.conf:2: control character 0x1b in column 11 (remove it)" },
		{ "store = /a\rb\n", "pivot.conf:1: control character 0x0d in column 11" },
		{ "store = /a\x7f\n", "control character 0x7f in column 11" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_contains(refused(cases[i].text), cases[i].message);
}

static void test_nul_byte(void **state)
{
	static const char text[] = "verity = require\nstore = /a\0b\n";

	(void)state;
	assert_contains(refused_len(text, sizeof(text) - 1),
			"pivot.conf:2: control character 0x00 in column 11");
}

static void test_line_length(void **state)
{
	char text[2 * PIVOT_POLICY_LINE_MAX + 16], *p = text;
	struct pivot_policy pol;

	(void)state;
	/* The longest allowed line, a path that fills it, then one too long. */
	p += sprintf(p, "# first\nstore = /");
	memset(p, 'x', PIVOT_POLICY_LINE_MAX - strlen("store = /"));
	p += PIVOT_POLICY_LINE_MAX - strlen("store = /");
	*p++ = '\n';
	*p = '\0';
	assert_int_equal(parse(&pol, text), 0);
	assert_int_equal(strlen(pol.store), PIVOT_POLICY_LINE_MAX - strlen("store = "));

	p[-1] = 'x';
	*p++ = '\n';
	*p = '\0';
	assert_contains(refused(text), "pivot.conf:2: the line is longer than 1023 bytes (shorten it)");

	/* Without spaces around '=' the line fits, but "store = VALUE", as
	 * --check prints it, would not: refused, so printing always reads back. */
	p = text;
	p += sprintf(p, "store=/");
	memset(p, 'x', PIVOT_POLICY_LINE_MAX - strlen("store=/"));
	p += PIVOT_POLICY_LINE_MAX - strlen("store=/");
	*p = '\0';
	assert_contains(refused(text), "pivot.conf:1: the value of store is longer than 1015 bytes (shorten it)");
}

static void test_accepted_values(void **state)
{
	static const char *const ok[] = {
		"store = /\n",
		"tpm-device = /dev/tpm0\n",
		"tpm-device = swtpm:path=/run/swtpm/sock\n",
		"tpm-device = swtpm:host=localhost,port=65534\n",
		"pcr = 0\n",
		"pcr = 007\n",
		"pcr = 8\n",
		"pcr = 15\n",
		"init = /usr/lib/systemd/systemd\n",
		"root-wait = 1\n",
		"tpm-wait = 0\n",
		"floor = required\ntpm = required\n",
		"floor = if-present\ntpm = off\n",
		"store = /a b/c\n",            /* spaces are part of a path */
		"store = /caf\xc3\xa9\n",      /* so are non-ASCII bytes */
	};
	struct pivot_policy p;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (parse(&p, ok[i]) != 0)
			fail_msg("\"%s\" was refused", ok[i]);
	assert_int_equal(parse(&p, "store = /a b/c\n"), 0);
	assert_string_equal(p.store, "/a b/c");
	assert_int_equal(parse(&p, "pcr = 007\n"), 0);
	assert_int_equal(p.pcr, 7);
}

/* A PCR of the firmware's is allowed, with a line that says what it costs;
 * one of the operating system's says nothing. */
static void test_firmware_pcr_warns(void **state)
{
	struct pivot_policy p;
	const char *log;

	(void)state;
	capture_start();
	assert_int_equal(parse(&p, "# x\npcr = 7\n"), 0);
	log = capture_end();
	assert_int_equal(p.pcr, 7);
	assert_int_equal(count_lines(log), 1);
	assert_contains(log, "pivot.conf:2: pcr = 7 is a PCR of the firmware's measurements (0 to 7)");
	capture_start();
	assert_int_equal(parse(&p, "pcr = 8\n"), 0);
	log = capture_end();
	assert_int_equal(count_lines(log), 0);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_load(void **state)
{
	char dir[] = "/tmp/test_policy.XXXXXX", path[64];
	struct pivot_policy p;
	const char *log;
	int r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pivot.conf", dir);

	/* Missing: the defaults, silently; image is decided by the default
	 * trust directory of this machine (test_image_default). */
	capture_start();
	r = pivot_policy_load(&p, path);
	log = capture_end();
	assert_int_equal(r, 0);
	assert_string_equal(log, "");
	assert_false(p.image_set);
	p.image = PIVOT_IMAGE_REQUIRED;
	assert_defaults(&p);

	write_file(path, every_key);
	assert_int_equal(pivot_policy_load(&p, path), 0);
	assert_every_key(&p);

	/* Messages name the file as given. */
	write_file(path, "verity = require\nverity = require\n");
	capture_start();
	r = pivot_policy_load(&p, path);
	log = capture_end();
	assert_int_equal(r, -EINVAL);
	assert_contains(log, path);
	assert_contains(log, "pivot.conf:2: verity is set again");
	assert_int_equal(unlink(path), 0);

	/* Not a file: refused, not taken for missing. */
	assert_int_equal(mkdir(path, 0755), 0);
	capture_start();
	r = pivot_policy_load(&p, path);
	log = capture_end();
	assert_int_equal(r, -EISDIR);
	assert_contains(log, "cannot read");
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* Without an image line, image is required exactly when the trust
 * directory has an entry that is not hidden, or cannot be read. */
static void test_image_default(void **state)
{
	char dir[] = "/tmp/test_policy.XXXXXX", path[64], trust[64], anchor[80], hidden[80];
	char conf[256];
	struct pivot_policy p;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pivot.conf", dir);
	snprintf(trust, sizeof(trust), "%s/trust.d", dir);
	snprintf(anchor, sizeof(anchor), "%s/root.pem", trust);
	snprintf(hidden, sizeof(hidden), "%s/.keep", trust);
	snprintf(conf, sizeof(conf), "trust = %s\n", trust);
	write_file(path, conf);

	/* No directory, an empty one, one with a hidden file only: none. */
	assert_int_equal(pivot_policy_load(&p, path), 0);
	assert_int_equal(p.image, PIVOT_IMAGE_OPTIONAL);
	assert_false(p.image_set);
	assert_int_equal(mkdir(trust, 0755), 0);
	assert_int_equal(pivot_policy_load(&p, path), 0);
	assert_int_equal(p.image, PIVOT_IMAGE_OPTIONAL);
	write_file(hidden, "");
	assert_int_equal(pivot_policy_load(&p, path), 0);
	assert_int_equal(p.image, PIVOT_IMAGE_OPTIONAL);

	/* An anchor (whatever it holds: the signature check judges it). */
	write_file(anchor, "not even a certificate\n");
	assert_int_equal(pivot_policy_load(&p, path), 0);
	assert_int_equal(p.image, PIVOT_IMAGE_REQUIRED);

	/* The policy's own line wins, both ways. */
	snprintf(conf, sizeof(conf), "trust = %s\nimage = optional\n", trust);
	write_file(path, conf);
	assert_int_equal(pivot_policy_load(&p, path), 0);
	assert_int_equal(p.image, PIVOT_IMAGE_OPTIONAL);
	assert_true(p.image_set);
	assert_int_equal(unlink(anchor), 0);
	assert_int_equal(unlink(hidden), 0);
	assert_int_equal(rmdir(trust), 0);
	snprintf(conf, sizeof(conf), "trust = %s\nimage = required\n", trust);
	write_file(path, conf);
	assert_int_equal(pivot_policy_load(&p, path), 0);
	assert_int_equal(p.image, PIVOT_IMAGE_REQUIRED);

	/* A trust path that cannot be listed (a file): the stricter reading. */
	write_file(trust, "");
	snprintf(conf, sizeof(conf), "trust = %s\n", trust);
	write_file(path, conf);
	assert_int_equal(pivot_policy_load(&p, path), 0);
	assert_int_equal(p.image, PIVOT_IMAGE_REQUIRED);

	/* A parse alone (no initramfs to look into) keeps the stricter one. */
	assert_int_equal(parse(&p, conf), 0);
	assert_int_equal(p.image, PIVOT_IMAGE_REQUIRED);

	assert_int_equal(unlink(trust), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* Every (policy, command line) pair: the result is the stricter, and a
 * weaker word is named in a warning. */
static void test_tighten_verity(void **state)
{
	(void)state;
	for (int pol = 0; pol < _PIVOT_VERITY_MAX; pol++)
		for (int req = 0; req < _PIVOT_VERITY_MAX; req++) {
			struct pivot_policy p;
			struct pivot_cmdline c = { .have_verity = true, .verity = req };
			const char *log;
			char word[64];

			pivot_policy_defaults(&p);
			p.verity = pol;
			capture_start();
			pivot_policy_apply_cmdline(&p, &c);
			log = capture_end();
			assert_int_equal(p.verity, req > pol ? req : pol);
			snprintf(word, sizeof(word), "ignoring cfsboot.verity=%s:", pivot_verity_to_string(req));
			if (req < pol)
				assert_contains(log, word);
			else
				assert_null(strstr(log, "ignoring"));
		}
}

static void test_tighten_signature(void **state)
{
	(void)state;
	for (int pol = 0; pol < _PIVOT_SIGNATURE_MAX; pol++)
		for (int req = 0; req < _PIVOT_SIGNATURE_MAX; req++) {
			struct pivot_policy p;
			struct pivot_cmdline c = { .have_signature = true, .signature = req };
			const char *log;
			char word[64];

			pivot_policy_defaults(&p);
			p.signature = pol;
			capture_start();
			pivot_policy_apply_cmdline(&p, &c);
			log = capture_end();
			assert_int_equal(p.signature, req > pol ? req : pol);
			snprintf(word, sizeof(word), "ignoring cfsboot.signature=%s:",
				 pivot_signature_to_string(req));
			if (req < pol)
				assert_contains(log, word);
			else
				assert_null(strstr(log, "ignoring"));
		}
}

static void test_tighten_tpm(void **state)
{
	(void)state;
	for (int pol = 0; pol < _PIVOT_TPM_MAX; pol++)
		for (int req = 0; req < _PIVOT_TPM_MAX; req++) {
			struct pivot_policy p;
			struct pivot_cmdline c = { .have_tpm = true, .tpm = req };
			const char *log;
			char word[64];

			pivot_policy_defaults(&p);
			p.tpm = pol;
			capture_start();
			pivot_policy_apply_cmdline(&p, &c);
			log = capture_end();
			assert_int_equal(p.tpm, req > pol ? req : pol);
			snprintf(word, sizeof(word), "ignoring cfsboot.tpm=%s:", pivot_tpm_to_string(req));
			if (req < pol)
				assert_contains(log, word);
			else
				assert_null(strstr(log, "ignoring"));
		}
}

static void test_tighten_min_version(void **state)
{
	static const uint64_t values[] = { 0, 1, 41, 42, 43, UINT64_MAX };

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		for (size_t j = 0; j < sizeof(values) / sizeof(values[0]); j++) {
			struct pivot_policy p;
			struct pivot_cmdline c = { .have_min_version = true, .min_version = values[j] };
			const char *log;

			pivot_policy_defaults(&p);
			p.min_version = values[i];
			capture_start();
			pivot_policy_apply_cmdline(&p, &c);
			log = capture_end();
			assert_int_equal(p.min_version, values[j] > values[i] ? values[j] : values[i]);
			if (values[j] < values[i])
				assert_contains(log, "ignoring cfsboot.min-version=");
			else
				assert_null(strstr(log, "ignoring"));
		}
}

/* Words absent from the command line leave the policy alone. */
static void test_nothing_to_apply(void **state)
{
	struct pivot_policy p, before;
	struct pivot_cmdline c = { 0 };

	(void)state;
	assert_int_equal(parse(&p, every_key), 0);
	before = p;
	pivot_policy_apply_cmdline(&p, &c);
	assert_policy_equal(&p, &before);
}

/* End to end: the '?' of composefs-rs and weaker words change nothing. */
static void test_cmdline_cannot_weaken(void **state)
{
	struct pivot_policy p;
	struct pivot_cmdline c;
	const char *log;

	(void)state;
	pivot_policy_defaults(&p);
	assert_int_equal(pivot_cmdline_parse(&c, "composefs=?" HEX_A " cfsboot.verity=insecure-dev "
					     "cfsboot.signature=off cfsboot.tpm=required"), 1);
	capture_start();
	pivot_policy_apply_cmdline(&p, &c);
	log = capture_end();
	pivot_cmdline_done(&c);

	assert_int_equal(p.verity, PIVOT_VERITY_REQUIRE);
	assert_int_equal(p.signature, PIVOT_SIGNATURE_REQUIRED);
	assert_int_equal(p.tpm, PIVOT_TPM_REQUIRED);
	assert_contains(log, "ignoring cfsboot.verity=insecure-dev: the policy says verity = require");
	assert_contains(log, "ignoring cfsboot.signature=off: the policy says signature = required");
	assert_contains(log, "cfsboot.tpm=required tightens tpm = if-present");
	assert_contains(log, "ignoring the leading '?' of composefs=");
	assert_contains(log, "(verity = require stays in force)");

	/* Even a policy that allows insecure-dev is not relaxed further by
	 * '?': the warning says which mode stays. */
	assert_int_equal(parse(&p, "verity = insecure-dev\n"), 0);
	assert_int_equal(pivot_cmdline_parse(&c, "composefs.digest=?" HEX_A), 1);
	capture_start();
	pivot_policy_apply_cmdline(&p, &c);
	log = capture_end();
	pivot_cmdline_done(&c);
	assert_int_equal(p.verity, PIVOT_VERITY_INSECURE_DEV);
	assert_contains(log, "ignoring the leading '?' of composefs.digest=");
	assert_int_equal(count_lines(log), 1);
}

static void test_value_names(void **state)
{
	(void)state;
	for (int v = 0; v < _PIVOT_VERITY_MAX; v++)
		assert_int_equal(pivot_verity_from_string(pivot_verity_to_string(v)), v);
	for (int v = 0; v < _PIVOT_SIGNATURE_MAX; v++)
		assert_int_equal(pivot_signature_from_string(pivot_signature_to_string(v)), v);
	for (int v = 0; v < _PIVOT_TPM_MAX; v++)
		assert_int_equal(pivot_tpm_from_string(pivot_tpm_to_string(v)), v);
	for (int v = 0; v < _PIVOT_IMAGE_MAX; v++)
		assert_int_equal(pivot_image_from_string(pivot_image_to_string(v)), v);
	assert_int_equal(pivot_verity_from_string(""), -EINVAL);
	assert_null(pivot_verity_to_string(_PIVOT_VERITY_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_etc_keep),
		cmocka_unit_test(test_parse_resets),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_accepted_values),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_image_default),
		cmocka_unit_test(test_tighten_verity),
		cmocka_unit_test(test_tighten_signature),
		cmocka_unit_test(test_tighten_tpm),
		cmocka_unit_test(test_tighten_min_version),
		cmocka_unit_test(test_nothing_to_apply),
		cmocka_unit_test(test_cmdline_cannot_weaken),
		cmocka_unit_test(test_value_names),
		cmocka_unit_test(test_firmware_pcr_warns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
