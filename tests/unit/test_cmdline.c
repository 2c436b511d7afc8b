// SPDX-License-Identifier: MIT
/* The kernel command line: splitting, digest words, policy words. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "pivot/boot/cmdline.h"
#include "pivot/boot/policy.h"
#include "pivot/boot/readtext.h"
#include "capture.h"

#define HEX_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX_A_UPPER "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define HEX_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define HEX_512 HEX_A HEX_B
#define D_A "composefs.digest=" HEX_A

/* Parses text, keeping what was logged in *log. */
static int parse_logged(struct pivot_cmdline *c, const char *text, const char **log)
{
	int r;

	capture_start();
	r = pivot_cmdline_parse(c, text);
	*log = capture_end();
	return r;
}

/* Parses text that must be refused; returns the one line logged. */
static const char *refused(const char *text)
{
	struct pivot_cmdline c;
	const char *log;
	int r = parse_logged(&c, text, &log);

	pivot_cmdline_done(&c);
	if (r != -EINVAL)
		fail_msg("\"%s\" was not refused (result %d)", text, r);
	assert_int_equal(count_lines(log), 1);
	return log;
}

static void assert_digest(const struct pivot_cmdline *c, enum cfs_hash_alg alg, const char *hex)
{
	char got[PIVOT_DIGEST_HEX_MAX];

	assert_true(c->have_digest);
	assert_int_equal(c->digest.alg, alg);
	pivot_digest_hex(&c->digest, got);
	assert_string_equal(got, hex);
}

static void test_no_digest(void **state)
{
	struct pivot_cmdline c;

	(void)state;
	assert_int_equal(pivot_cmdline_parse(&c, ""), 0);
	pivot_cmdline_done(&c);
	assert_int_equal(pivot_cmdline_parse(&c, "\n"), 0);
	pivot_cmdline_done(&c);
	assert_int_equal(pivot_cmdline_parse(&c, "BOOT_IMAGE=/vmlinuz quiet splash foo=bar "
					     "composefsx=1 xcomposefs=2 composefs.other=3\n"), 0);
	assert_false(c.have_digest);
	assert_null(c.root);
	assert_false(c.have_verity);
	pivot_cmdline_done(&c);
}

static void test_digest_spellings(void **state)
{
	static const struct {
		const char *line;
		enum cfs_hash_alg alg;
		const char *hex;
	} cases[] = {
		{ "composefs.digest=" HEX_A, CFS_HASH_SHA256, HEX_A },
		{ "composefs.digest=" HEX_A_UPPER, CFS_HASH_SHA256, HEX_A },
		{ "composefs.digest=v1-sha256-12:" HEX_A, CFS_HASH_SHA256, HEX_A },
		{ "composefs.digest=v1-sha256-12:" HEX_A_UPPER, CFS_HASH_SHA256, HEX_A },
		{ "composefs.digest=v1-sha512-12:" HEX_512, CFS_HASH_SHA512, HEX_512 },
		{ "composefs.digest=" HEX_512, CFS_HASH_SHA512, HEX_512 },
		{ "composefs=" HEX_A, CFS_HASH_SHA256, HEX_A },
		{ "composefs=" HEX_512, CFS_HASH_SHA512, HEX_512 },
		{ "composefs=v1-sha512-12:" HEX_512, CFS_HASH_SHA512, HEX_512 },
		{ "ro quiet composefs.digest=" HEX_B " rootwait\n", CFS_HASH_SHA256, HEX_B },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pivot_cmdline c;

		assert_int_equal(pivot_cmdline_parse(&c, cases[i].line), 1);
		assert_digest(&c, cases[i].alg, cases[i].hex);
		assert_null(c.optional_key);
		pivot_cmdline_done(&c);
	}
}

static void test_digest_bytes(void **state)
{
	struct pivot_cmdline c;

	(void)state;
	assert_int_equal(pivot_cmdline_parse(&c, "composefs.digest=" HEX_A), 1);
	assert_int_equal(c.digest.bytes[0], 0x01);
	assert_int_equal(c.digest.bytes[1], 0x23);
	assert_int_equal(c.digest.bytes[31], 0xef);
	assert_string_equal(c.digest_key, "composefs.digest");
	assert_string_equal(c.digest_value, HEX_A);
	pivot_cmdline_done(&c);
}

static void test_repeats_agree(void **state)
{
	static const char *const lines[] = {
		"composefs.digest=" HEX_A " composefs.digest=" HEX_A,
		"composefs=" HEX_A_UPPER " composefs.digest=v1-sha256-12:" HEX_A,
		"composefs.digest=v1-sha512-12:" HEX_512 " composefs=" HEX_512,
		"composefs=?" HEX_A " composefs.digest=" HEX_A,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct pivot_cmdline c;

		assert_int_equal(pivot_cmdline_parse(&c, lines[i]), 1);
		pivot_cmdline_done(&c);
	}
}

static void test_conflicts(void **state)
{
	const char *log;

	(void)state;
	log = refused("composefs.digest=" HEX_A " composefs.digest=" HEX_B);
	assert_contains(log, "refusing \"composefs.digest=" HEX_B "\"");
	assert_contains(log, "different image than \"composefs.digest=" HEX_A "\"");

	log = refused("composefs=" HEX_A " composefs.digest=v1-sha256-12:" HEX_B);
	assert_contains(log, "refusing \"composefs.digest=v1-sha256-12:" HEX_B "\"");
	assert_contains(log, "\"composefs=" HEX_A "\"");

	log = refused("composefs.digest=" HEX_A " composefs=" HEX_512);
	assert_contains(log, "a sha512 digest, but \"composefs.digest=" HEX_A "\" gives a sha256");

	/* The same bytes read as two algorithms are still two images. */
	log = refused("composefs=v1-sha512-12:" HEX_512 " composefs.digest=v1-sha256-12:" HEX_A);
	assert_contains(log, "a sha256 digest, but");
}

static void test_malformed(void **state)
{
	const char *log;

	(void)state;
	log = refused("composefs.digest=" "0123456789abcdeg0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_contains(log, "character 16 of the digest is not a hex digit");

	log = refused("composefs.digest=" HEX_A "0");
	assert_contains(log, "has 65 hex digits (a sha256 digest has 64, a sha512 digest 128)");
	log = refused("composefs=abcd");
	assert_contains(log, "refusing \"composefs=abcd\": the digest has 4 hex digits");
	log = refused("composefs.digest=v1-sha512-12:" HEX_A);
	assert_contains(log, "the digest has 64 hex digits (a sha512 digest has 128)");
	log = refused("composefs.digest=v1-sha256-12:" HEX_512);
	assert_contains(log, "(a sha256 digest has 64)");

	log = refused("composefs.digest=v2-sha256-12:" HEX_A);
	assert_contains(log, "unknown digest format \"v2-sha256-12\"");
	log = refused("composefs.digest=v1-sha256-16:" HEX_A);
	assert_contains(log, "unknown digest format \"v1-sha256-16\"");
	log = refused("composefs.digest=v1-sha384-12:" HEX_A);
	assert_contains(log, "unknown digest format");
	log = refused("composefs.digest=V1-SHA256-12:" HEX_A);
	assert_contains(log, "unknown digest format");
	log = refused("composefs.digest=:" HEX_A);
	assert_contains(log, "unknown digest format \"\"");
	log = refused("composefs.digest=v1-sha256-12:?" HEX_A);
	assert_contains(log, "character 1 of the digest is not a hex digit");
	log = refused("composefs.digest= " HEX_A);
	assert_contains(log, "refusing \"composefs.digest=\": no digest given");
}

static void test_empty(void **state)
{
	(void)state;
	assert_contains(refused("composefs.digest="), "refusing \"composefs.digest=\": no digest given");
	assert_contains(refused("quiet composefs.digest"), "refusing \"composefs.digest=\"");
	assert_contains(refused("composefs="), "refusing \"composefs=\": no digest given");
	assert_contains(refused("composefs=?"), "refusing \"composefs=?\": no digest given");
	assert_contains(refused("composefs.digest=\"\""), "no digest given");
}

/* The refusal comes from the first bad word, even after a good digest. */
static void test_bad_word_after_good(void **state)
{
	(void)state;
	assert_contains(refused("composefs.digest=" HEX_A " ro composefs=zz"),
			"refusing \"composefs=zz\"");
}

static void test_optional_marker(void **state)
{
	struct pivot_cmdline c;
	const char *log;

	(void)state;
	assert_int_equal(parse_logged(&c, "composefs=?" HEX_A, &log), 1);
	assert_digest(&c, CFS_HASH_SHA256, HEX_A);
	assert_string_equal(c.optional_key, "composefs");
	/* It is recorded, and nothing else about the parse changes. */
	assert_false(c.have_verity);
	pivot_cmdline_done(&c);

	assert_int_equal(pivot_cmdline_parse(&c, "composefs.digest=?v1-sha512-12:" HEX_512), 1);
	assert_digest(&c, CFS_HASH_SHA512, HEX_512);
	assert_string_equal(c.optional_key, "composefs.digest");
	pivot_cmdline_done(&c);

	assert_int_equal(pivot_cmdline_parse(&c, "composefs=" HEX_A " composefs.digest=?" HEX_A), 1);
	assert_string_equal(c.optional_key, "composefs.digest");
	pivot_cmdline_done(&c);
}

static void test_quoting(void **state)
{
	struct pivot_cmdline c;

	(void)state;
	/* A quoted word, a quoted value. */
	assert_int_equal(pivot_cmdline_parse(&c, "\"composefs.digest=" HEX_A "\""), 1);
	pivot_cmdline_done(&c);
	assert_int_equal(pivot_cmdline_parse(&c, "composefs.digest=\"" HEX_A "\""), 1);
	pivot_cmdline_done(&c);

	/* Quotes group white space into one word and are removed. */
	assert_int_equal(pivot_cmdline_parse(&c, "root=\"/dev/disk/by-label/my root\" init=/sbin/init"), 0);
	assert_string_equal(c.root, "/dev/disk/by-label/my root");
	assert_string_equal(c.init, "/sbin/init");
	pivot_cmdline_done(&c);
	assert_int_equal(pivot_cmdline_parse(&c, "\"rootflags=a b\" ro"), 0);
	assert_string_equal(c.rootflags, "a b");
	assert_true(c.ro);
	pivot_cmdline_done(&c);

	/* A quote opening mid-value groups, and the kernel keeps it. */
	assert_int_equal(pivot_cmdline_parse(&c, "rootflags=a\"b c\"d rootfstype=ext4"), 0);
	assert_string_equal(c.rootflags, "a\"b c\"d");
	assert_string_equal(c.rootfstype, "ext4");
	pivot_cmdline_done(&c);

	/* An unterminated quote takes the rest of the line: the digest is
	 * part of foo's value, not a word of its own. */
	assert_int_equal(pivot_cmdline_parse(&c, "foo=\"bar composefs.digest=" HEX_A), 0);
	assert_false(c.have_digest);
	pivot_cmdline_done(&c);
	assert_int_equal(pivot_cmdline_parse(&c, "init=\"/sbin/my init"), 0);
	assert_string_equal(c.init, "/sbin/my init");
	pivot_cmdline_done(&c);

	/* Quotes inside a digest are not removed, so it is malformed. */
	assert_contains(refused("composefs.digest=0123\"4567\"89abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
			"is not a hex digit");

	/* Degenerate lines must not trip the splitter. */
	assert_int_equal(pivot_cmdline_parse(&c, "\""), 0);
	pivot_cmdline_done(&c);
	assert_int_equal(pivot_cmdline_parse(&c, "\"\" root=\""), 0);
	assert_string_equal(c.root, "");
	pivot_cmdline_done(&c);
	/* The third quote reopens grouping, so root= is inside that word. */
	assert_int_equal(pivot_cmdline_parse(&c, "\"\"\" root=/dev/vda"), 0);
	assert_null(c.root);
	pivot_cmdline_done(&c);
	assert_int_equal(pivot_cmdline_parse(&c, "="), 0);
	pivot_cmdline_done(&c);
}

static void test_whitespace(void **state)
{
	struct pivot_cmdline c;

	(void)state;
	assert_int_equal(pivot_cmdline_parse(&c, "\t ro\tcomposefs.digest=" HEX_A "\n"), 1);
	assert_digest(&c, CFS_HASH_SHA256, HEX_A);
	assert_true(c.ro);
	pivot_cmdline_done(&c);
	assert_int_equal(pivot_cmdline_parse(&c, "root=/dev/vda\r\n\v\fcomposefs=" HEX_B "\r\n"), 1);
	assert_string_equal(c.root, "/dev/vda");
	assert_digest(&c, CFS_HASH_SHA256, HEX_B);
	pivot_cmdline_done(&c);
	/* The kernel's isspace() also counts byte 0xA0 as a space. */
	assert_int_equal(pivot_cmdline_parse(&c, "ro\xa0" "composefs=" HEX_A), 1);
	assert_true(c.ro);
	pivot_cmdline_done(&c);
}

static void test_double_dash(void **state)
{
	struct pivot_cmdline c;

	(void)state;
	/* After a lone "--" even malformed words of ours are init's. */
	assert_int_equal(pivot_cmdline_parse(&c, "root=/dev/vda -- composefs.digest=zz cfsboot.verity=bad"), 0);
	assert_string_equal(c.root, "/dev/vda");
	pivot_cmdline_done(&c);
	assert_int_equal(pivot_cmdline_parse(&c, "composefs=" HEX_A " \"--\" composefs=" HEX_B), 1);
	assert_digest(&c, CFS_HASH_SHA256, HEX_A);
	pivot_cmdline_done(&c);
	assert_int_equal(pivot_cmdline_parse(&c, "-- composefs=" HEX_A), 0);
	pivot_cmdline_done(&c);

	/* Not a lone "--". */
	assert_int_equal(pivot_cmdline_parse(&c, "--=x a-- --- composefs=" HEX_A), 1);
	pivot_cmdline_done(&c);
}

static void test_policy_words(void **state)
{
	struct pivot_cmdline c;

	(void)state;
	assert_int_equal(pivot_cmdline_parse(&c, "cfsboot.verity=boot-check cfsboot.signature=optional "
					     "cfsboot.tpm=required cfsboot.min-version=42"), 0);
	assert_true(c.have_verity);
	assert_int_equal(c.verity, PIVOT_VERITY_BOOT_CHECK);
	assert_true(c.have_signature);
	assert_int_equal(c.signature, PIVOT_SIGNATURE_OPTIONAL);
	assert_true(c.have_tpm);
	assert_int_equal(c.tpm, PIVOT_TPM_REQUIRED);
	assert_true(c.have_min_version);
	assert_int_equal(c.min_version, 42);
	assert_false(c.debug);
	pivot_cmdline_done(&c);

	/* Repeated words: the strictest is kept, whatever the order. */
	assert_int_equal(pivot_cmdline_parse(&c, "cfsboot.verity=require cfsboot.verity=insecure-dev "
					     "cfsboot.signature=off cfsboot.signature=required "
					     "cfsboot.tpm=if-present cfsboot.tpm=off "
					     "cfsboot.min-version=9 cfsboot.min-version=3"), 0);
	assert_int_equal(c.verity, PIVOT_VERITY_REQUIRE);
	assert_int_equal(c.signature, PIVOT_SIGNATURE_REQUIRED);
	assert_int_equal(c.tpm, PIVOT_TPM_IF_PRESENT);
	assert_int_equal(c.min_version, 9);
	pivot_cmdline_done(&c);

	/* '-' and '_' are the same in names, as for the kernel. */
	assert_int_equal(pivot_cmdline_parse(&c, "cfsboot.min_version=18446744073709551615 cfsboot.debug"), 0);
	assert_int_equal(c.min_version, UINT64_MAX);
	assert_true(c.debug);
	pivot_cmdline_done(&c);
}

static void test_policy_words_refused(void **state)
{
	(void)state;
	assert_contains(refused("cfsboot.verity=maybe"),
			"refusing \"cfsboot.verity=maybe\": not a value of cfsboot.verity "
			"(write require, boot-check or insecure-dev)");
	assert_contains(refused("cfsboot.verity"), "refusing \"cfsboot.verity=\"");
	assert_contains(refused("cfsboot.signature=REQUIRED"), "(write required, optional or off)");
	assert_contains(refused("cfsboot.tpm="), "(write required, if-present or off)");
	assert_contains(refused("cfsboot.min-version=-1"), "refusing \"cfsboot.min-version=-1\": not an unsigned");
	assert_contains(refused("cfsboot.min-version=1x"), "\"cfsboot.min-version=1x\"");
	assert_contains(refused("cfsboot.min-version="), "\"cfsboot.min-version=\"");
	assert_contains(refused("cfsboot.min-version=18446744073709551616"),
			"\"cfsboot.min-version=18446744073709551616\"");
	assert_contains(refused("cfsboot.min-version=+5"), "\"cfsboot.min-version=+5\"");
}

static void test_unknown_words(void **state)
{
	struct pivot_cmdline c;
	const char *log;

	(void)state;
	/* Other people's words pass silently. */
	assert_int_equal(parse_logged(&c, "quiet splash systemd.unit=x composefs.other=1 "
				      "rd.break=pre-mount", &log), 0);
	assert_string_equal(log, "");
	pivot_cmdline_done(&c);

	/* A word in our namespace that we do not know is probably a typo. */
	assert_int_equal(parse_logged(&c, "cfsboot.verify=require cfsboot.debug=1", &log), 0);
	assert_int_equal(count_lines(log), 2);
	assert_contains(log, "ignoring \"cfsboot.verify=require\": cfs-pivot knows no such word");
	assert_contains(log, "ignoring \"cfsboot.debug=1\"");
	assert_false(c.have_verity);
	assert_false(c.debug);
	pivot_cmdline_done(&c);
}

static void test_root_words(void **state)
{
	struct pivot_cmdline c;

	(void)state;
	assert_int_equal(pivot_cmdline_parse(&c, "root=/dev/sda1 rootfstype=xfs rootflags=noatime "
					     "init=/usr/lib/systemd/systemd rw rootwait "
					     "root=UUID=0f3a-11 ro"), 0);
	assert_string_equal(c.root, "UUID=0f3a-11");   /* the last one wins */
	assert_string_equal(c.rootfstype, "xfs");
	assert_string_equal(c.rootflags, "noatime");
	assert_string_equal(c.init, "/usr/lib/systemd/systemd");
	assert_true(c.have_ro);
	assert_true(c.ro);
	assert_true(c.rootwait);
	pivot_cmdline_done(&c);

	assert_int_equal(pivot_cmdline_parse(&c, "ro rw rootwait"), 0);
	assert_false(c.ro);
	assert_true(c.rootwait);
	pivot_cmdline_done(&c);

	/* Not these words: a bare "root", "ro=1". */
	assert_int_equal(pivot_cmdline_parse(&c, "root ro=1 rootwait=0"), 0);
	assert_null(c.root);
	assert_false(c.have_ro);
	assert_false(c.rootwait);
	pivot_cmdline_done(&c);
}

/* check_init of text's init= against a policy whose init is policy_init;
 * the one line logged, or NULL when it is allowed (nothing logged). */
static const char *init_verdict(const char *text, const char *policy_init, bool pid1)
{
	struct pivot_policy p;
	struct pivot_cmdline c;
	const char *log;
	int r;

	pivot_policy_defaults(&p);
	snprintf(p.init, sizeof(p.init), "%s", policy_init);
	assert_true(pivot_cmdline_parse(&c, text) >= 0);
	capture_start();
	r = pivot_cmdline_check_init(&c, &p, pid1);
	log = capture_end();
	pivot_cmdline_done(&c);
	if (r == 0) {
		assert_int_equal(count_lines(log), 0);
		return NULL;
	}
	assert_int_equal(r, -EINVAL);
	assert_int_equal(count_lines(log), 1);
	return log;
}

static void test_init_allowed(void **state)
{
	(void)state;
	for (int pid1 = 0; pid1 <= 1; pid1++) {
		assert_null(init_verdict("root=/dev/vda " D_A, "/sbin/init", pid1));
		assert_null(init_verdict("init=/sbin/init " D_A, "/sbin/init", pid1));
		assert_null(init_verdict("init=/sbin/init init=\"/sbin/init\"", "/sbin/init", pid1));
		assert_null(init_verdict("init=/lib/systemd/systemd", "/lib/systemd/systemd", pid1));
		/* After "--" the words are init's arguments. */
		assert_null(init_verdict("-- init=/sysroot/evil", "/sbin/init", pid1));
	}
	/* PID 1 runs the policy's init itself. */
	assert_null(init_verdict(D_A, "/lib/systemd/systemd", true));
	/* No image named: nothing boots through cfs-pivot (--check of a
	 * policy with an empty command line). */
	assert_null(init_verdict("root=/dev/vda", "/lib/systemd/systemd", false));
}

static void test_init_refused(void **state)
{
	(void)state;
	for (int pid1 = 0; pid1 <= 1; pid1++) {
		assert_contains(init_verdict("init=/sysroot/evil " D_A, "/sbin/init", pid1),
				"refusing init=/sysroot/evil: the policy runs init = /sbin/init, and "
				"any other program could start unverified code as PID 1 (remove init= "
				"from the boot entry, or set init in pivot.conf)");
		assert_contains(init_verdict("init=/var/evil", "/sbin/init", pid1),
				"refusing init=/var/evil");
		/* The same file by another spelling is another path. */
		assert_contains(init_verdict("init=/sbin//init", "/sbin/init", pid1),
				"refusing init=/sbin//init");
		assert_contains(init_verdict("init=", "/sbin/init", pid1), "refusing init=:");
		assert_contains(init_verdict("init=/sbin/init", "/lib/systemd/systemd", pid1),
				"refusing init=/sbin/init: the policy runs init = /lib/systemd/systemd");
		/* A reader that takes the first init= would run the other. */
		assert_contains(init_verdict("init=/sysroot/evil init=/sbin/init", "/sbin/init", pid1),
				"refusing init=/sysroot/evil and init=/sbin/init: the command line "
				"names two inits, and the policy allows one, init = /sbin/init");
		assert_contains(init_verdict("init=/sbin/init init=/x init=/sbin/init", "/sbin/init",
					     pid1), "names two inits");
	}
	/* dracut and systemd would run their own choice, not the policy's. */
	assert_contains(init_verdict(D_A, "/lib/systemd/systemd", false),
			"the policy's init is /lib/systemd/systemd, but the command line has no "
			"init=, so the initramfs would start its own choice, /sbin/init or the "
			"image's systemd (add init=/lib/systemd/systemd to the boot entry)");
}

/* A value holding control bytes is echoed escaped: one line, which can
 * neither forge another nor carry a terminal sequence. */
static void test_values_escaped(void **state)
{
	(void)state;
	const char *log = refused("composefs.digest=\"x\ncfs-pivot: booted composefs image\"");

	assert_contains(log, "refusing \"composefs.digest=x\\x0acfs-pivot: booted composefs image\": ");
	assert_contains(init_verdict("init=\"/x\x1b[2J\\\"", "/sbin/init", true),
			"refusing init=/x\\x1b[2J\\\\: the policy");
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void test_load(void **state)
{
	char dir[] = "/tmp/test_cmdline.XXXXXX", path[64];
	static const char nul[] = "ro\0composefs.digest=" HEX_A;
	struct pivot_cmdline c;
	const char *log;
	char *big;
	int r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cmdline", dir);

	write_file(path, "ro composefs.digest=" HEX_A "\n", strlen("ro composefs.digest=" HEX_A "\n"));
	assert_int_equal(pivot_cmdline_load(&c, path), 1);
	assert_digest(&c, CFS_HASH_SHA256, HEX_A);
	pivot_cmdline_done(&c);

	write_file(path, nul, sizeof(nul) - 1);
	capture_start();
	r = pivot_cmdline_load(&c, path);
	log = capture_end();
	pivot_cmdline_done(&c);
	assert_int_equal(r, -EINVAL);
	assert_contains(log, "contains a NUL byte");

	big = malloc(PIVOT_CMDLINE_MAX + 1);
	assert_non_null(big);
	memset(big, ' ', PIVOT_CMDLINE_MAX + 1);
	write_file(path, big, PIVOT_CMDLINE_MAX);
	assert_int_equal(pivot_cmdline_load(&c, path), 0);
	pivot_cmdline_done(&c);
	write_file(path, big, PIVOT_CMDLINE_MAX + 1);
	free(big);
	capture_start();
	r = pivot_cmdline_load(&c, path);
	log = capture_end();
	pivot_cmdline_done(&c);
	assert_int_equal(r, -EFBIG);
	assert_contains(log, "is longer than 65536 bytes");

	unlink(path);
	capture_start();
	r = pivot_cmdline_load(&c, path);
	log = capture_end();
	pivot_cmdline_done(&c);
	assert_int_equal(r, -ENOENT);
	assert_contains(log, "cannot open");

	assert_int_equal(rmdir(dir), 0);
}

/* Files in /proc say they are empty; the reader must read to EOF. */
static void test_read_proc(void **state)
{
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(pivot_read_text("/proc/self/stat", 4096, &text, &len), 0);
	assert_true(len > 0);
	assert_int_equal(strlen(text), len);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_digest),
		cmocka_unit_test(test_digest_spellings),
		cmocka_unit_test(test_digest_bytes),
		cmocka_unit_test(test_repeats_agree),
		cmocka_unit_test(test_conflicts),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bad_word_after_good),
		cmocka_unit_test(test_optional_marker),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_double_dash),
		cmocka_unit_test(test_policy_words),
		cmocka_unit_test(test_policy_words_refused),
		cmocka_unit_test(test_unknown_words),
		cmocka_unit_test(test_root_words),
		cmocka_unit_test(test_init_allowed),
		cmocka_unit_test(test_init_refused),
		cmocka_unit_test(test_values_escaped),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_read_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
