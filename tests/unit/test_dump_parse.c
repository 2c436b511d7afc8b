// SPDX-License-Identifier: MIT
/* The composefs-dump(5) parser: escapes, optional fields, hardlinks, the
 * leniencies of mkcomposefs 1.0.8's parser that it shares, and the
 * one-line refusal of bad lines, naming the file and line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "capture.h"
#include "tool/mkimage/dump_field.h"
#include "tool/mkimage/dump_parse.h"
#include "tool/mkimage/writer.h"
#include "lib/image/tree.h"

#define ROOT "/ 4096 40755 2 0 0 0 0.0 - - -\n"

static struct cfs_node *parse_ok(const char *text)
{
	struct cfs_node *root = NULL;

	assert_int_equal(dump_parse("t.dump", text, strlen(text), CFS_HASH_SHA256, &root), 0);
	assert_non_null(root);
	return root;
}

static struct cfs_node *child(struct cfs_node *dir, const char *name)
{
	struct cfs_node *c = cfs_node_lookup(dir, name, strlen(name));

	assert_non_null(c);
	return c;
}

static void test_fields(void **state)
{
	struct cfs_node *root = parse_ok(
		ROOT
		"/f 5 100644 3 1000 2000 0 -12.000000034 - hello - user.k=v\n"
		"/dev 0 20600 1 0 0 2049 1.0 - - -\n"
		"/ext 100 100644 1 0 0 0 1.0 ab/cd - 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
	struct cfs_node *f = child(root, "f"), *dev = child(root, "dev"), *ext = child(root, "ext");

	(void)state;
	assert_true(S_ISDIR(root->mode));
	assert_int_equal(f->mode, 0100644);
	assert_int_equal(f->size, 5);
	assert_int_equal(f->nlink, 3);
	assert_int_equal(f->uid, 1000);
	assert_int_equal(f->gid, 2000);
	assert_int_equal(f->mtime_sec, -12);
	assert_int_equal(f->mtime_nsec, 34);    /* "1.1" is one second and one ns */
	assert_int_equal(f->content_len, 5);
	assert_memory_equal(f->content, "hello", 5);
	assert_null(f->payload);
	assert_false(f->has_digest);
	assert_int_equal(f->n_xattrs, 1);
	assert_string_equal(f->xattrs[0].key, "user.k");
	assert_int_equal(dev->rdev, 2049);
	assert_string_equal(ext->payload, "ab/cd");
	assert_null(ext->content);
	assert_true(ext->has_digest);
	assert_int_equal(ext->digest[0], 0x00);
	assert_int_equal(ext->digest[31], 0xff);
	cfs_node_free(root);
}

static void test_escapes(void **state)
{
	struct cfs_node *root = parse_ok(
		ROOT
		"/a\\x20b\\n\\t\\r\\\\ 0 100644 1 0 0 0 0.0 - - -\n"
		"/\\x2d 4 100644 1 0 0 0 0.0 - \\x00\\xff\\x2d= - k\\x3dey=v=a\\x20l u.empty= \n"
		"/l 0 120777 1 0 0 0 0.0 \\x2d - -\n");
	const struct cfs_node *dash = child(root, "-");

	(void)state;
	child(root, "a b\n\t\r\\");
	assert_int_equal(dash->content_len, 4);
	assert_memory_equal(dash->content, "\0\xff-=", 4);
	assert_int_equal(dash->n_xattrs, 2);
	/* '=' splits key and value at its first unescaped occurrence */
	assert_string_equal(dash->xattrs[0].key, "k=ey");
	assert_int_equal(dash->xattrs[0].value_len, 5);
	assert_memory_equal(dash->xattrs[0].value, "v=a l", 5);
	assert_int_equal(dash->xattrs[1].value_len, 0);
	/* "-" is absent, "\x2d" is a dash */
	assert_string_equal(child(root, "l")->payload, "-");
	assert_int_equal(child(root, "l")->size, 1);
	cfs_node_free(root);
}

static void test_hardlinks(void **state)
{
	struct cfs_node *root = parse_ok(
		ROOT
		"/early 0 @100644 0 0 0 0 0.0 /d/target - -\n"
		"/d 0 40755 2 0 0 0 0.0 - - -\n"
		"/d/target 70 100644 3 0 0 0 0.0 - - -\n"
		"/d/chain 0 @100644 0 0 0 0 0.0 /early - -\n");
	struct cfs_node *d = child(root, "d"), *target = child(d, "target");

	(void)state;
	assert_ptr_equal(child(root, "early")->link_to, target);
	assert_ptr_equal(child(d, "chain")->link_to, target);  /* chains collapse */
	assert_null(target->link_to);
	assert_int_equal(target->nlink, 3);
	cfs_node_free(root);
}

static void test_no_trailing_newline(void **state)
{
	struct cfs_node *root = parse_ok(ROOT "/x 0 100644 1 0 0 0 0.0 - - -");

	(void)state;
	child(root, "x");
	cfs_node_free(root);
}

/* The rules below are mkcomposefs 1.0.8's without CFS_PARSE_STRICT; each
 * was checked against it (tests/fuzz/dump_diff.py keeps checking). */

/* Numbers read as strtoull() reads them, stored at the widths of
 * mkcomposefs's inode. */
static void test_numbers(void **state)
{
	struct cfs_node *root = parse_ok(
		ROOT
		"/a +5 \t100644 4294967299 4294967296 +7 0 -1.4294967297 - +\\x2b234 -\n"
		"/b 0 1000100644 1 0 0 0 18446744073709551615.0 - - -\n"
		"/c 99999999999999999999 20644 1 0 0 -1 00017.+0 - - -\n"
		"/d 0 -37777677134 1 0 0 4294967296 0.0 - - -\n");
	struct cfs_node *a = child(root, "a"), *b = child(root, "b"), *c = child(root, "c"),
			*d = child(root, "d");

	(void)state;
	assert_int_equal(a->size, 5);
	assert_int_equal(a->mode, 0100644);
	assert_int_equal(a->nlink, 3);          /* 2^32 + 3 */
	assert_int_equal(a->uid, 0);            /* 2^32 */
	assert_int_equal(a->gid, 7);
	assert_int_equal(a->mtime_sec, -1);
	assert_int_equal(a->mtime_nsec, 1);     /* 2^32 + 1 */
	assert_int_equal(b->mode, 0100644);     /* bits above 16 dropped */
	assert_int_equal(b->mtime_sec, -1);     /* 2^64 - 1 wraps */
	assert_int_equal(c->size, UINT64_MAX);  /* too large saturates */
	assert_int_equal(c->rdev, UINT32_MAX);  /* "-1" wraps, then 32 bits */
	assert_int_equal(c->mtime_sec, 17);
	assert_int_equal(d->mode, 0100644);     /* -(2^32 - 0100644), 32 bits */
	assert_int_equal(d->rdev, 0);           /* 2^32: 32 bits, a whiteout */
	cfs_node_free(root);
}

/* mkcomposefs checks UID where it means GID and RDEV. */
static void test_gid_rdev_checked_by_uid(void **state)
{
	struct cfs_node *root = parse_ok(ROOT "/a 0 20644 1 5 x y 0.0 - - -\n");

	(void)state;
	assert_int_equal(child(root, "a")->gid, 0);
	assert_int_equal(child(root, "a")->rdev, 0);
	cfs_node_free(root);
}

/* Fields left out at the end of a line are empty: an empty PAYLOAD,
 * CONTENT or DIGEST is there but empty, and fine where it is unused. */
static void test_missing_fields(void **state)
{
	struct cfs_node *root = parse_ok(
		ROOT
		"/a 0 100644 1 0 0 0 0.0\n"
		"/b 0 40755 2 0 0 0 0.0 \n"
		"/c 0 @100644 - - - - - /a\n");
	struct cfs_node *a = child(root, "a");

	(void)state;
	assert_null(a->payload);
	assert_null(a->content);
	assert_false(a->has_digest);
	assert_true(S_ISDIR(child(root, "b")->mode));
	assert_ptr_equal(child(root, "c")->link_to, a);
	cfs_node_free(root);
}

/* What a type does not use is decoded (a bad escape is refused) and
 * dropped: data fields of directories and devices, RDEV of others, SIZE
 * and CONTENT of symlinks, the digest of inline or empty files. */
static void test_unused_fields(void **state)
{
	struct cfs_node *root = parse_ok(
		"/ 5 40755 2 0 0 9 0.0 payload hello zz\n"
		"/dev 3 20644 1 0 0 2049 0.0 x abc 12\n"
		"/l 3 120777 1 0 0 0 0.0 target abc zz\n"
		"/in 5 100644 1 0 0 7 0.0 - hello 12\n"
		"/e 0 100644 1 0 0 0 0.0 x\\x00y - 00\n");
	struct cfs_node *dev = child(root, "dev"), *l = child(root, "l"), *in = child(root, "in");

	(void)state;
	assert_null(root->payload);
	assert_null(root->content);
	assert_null(dev->content);
	assert_int_equal(dev->size, 3);         /* it decides whether the inode is compact */
	assert_int_equal(dev->rdev, 2049);
	assert_int_equal(l->size, 6);
	assert_null(l->content);
	assert_false(in->has_digest);
	assert_int_equal(in->rdev, 0);
	assert_string_equal(child(root, "e")->payload, "x");
	cfs_node_free(root);
}

/* A NUL from an escape ends a path, payload, xattr key or digest, which
 * mkcomposefs takes as C strings. */
static void test_nul_ends_text_fields(void **state)
{
	struct cfs_node *root = parse_ok(
		ROOT
		"/a\\x00junk 5 100644 1 0 0 0 0.0 st\\x00ore - - u.k\\x00x=1 u.k=2\n"
		"/l 0 120777 1 0 0 0 0.0 tar\\x00get - -\n");
	struct cfs_node *a = child(root, "a");

	(void)state;
	assert_string_equal(a->payload, "st");
	assert_int_equal(a->n_xattrs, 1);
	assert_string_equal(a->xattrs[0].key, "u.k");
	assert_memory_equal(a->xattrs[0].value, "2", 1);
	assert_int_equal(child(root, "l")->size, 3);
	cfs_node_free(root);
}

/* Slashes: leading ones are optional, runs count as one, and an escaped
 * one separates too; hardlink targets may end in one. */
static void test_path_forms(void **state)
{
	struct cfs_node *root = parse_ok(
		ROOT
		"d 0 40755 2 0 0 0 0.0 - - -\n"
		"//d//x 3 100644 1 0 0 0 0.0 - abc -\n"
		"/d\\x2fy 0 100644 1 0 0 0 0.0 - - -\n"
		"/h 0 @100644 0 0 0 0 0.0 d//x/ - -\n");
	struct cfs_node *d = child(root, "d");

	(void)state;
	child(d, "y");
	assert_ptr_equal(child(root, "h")->link_to, child(d, "x"));
	cfs_node_free(root);
}

/* A later xattr of the same key replaces the earlier one. */
static void test_xattr_replaced(void **state)
{
	struct cfs_node *root = parse_ok(ROOT "/a 0 100644 1 0 0 0 0.0 - - - u.a=1 u.b=x u.a=22\n");
	struct cfs_node *a = child(root, "a");

	(void)state;
	assert_int_equal(a->n_xattrs, 2);
	assert_int_equal(cfs_node_get_xattr(a, "u.a")->value_len, 2);
	cfs_node_free(root);
}

/* An external file's digest is its first 64 hex digits. */
static void test_long_digest(void **state)
{
	struct cfs_node *root = parse_ok(
		ROOT "/f 5 100644 1 0 0 0 0.0 - - "
		"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdefXYZ\n");
	struct cfs_node *f = child(root, "f");

	(void)state;
	assert_true(f->has_digest);
	assert_int_equal(f->digest[0], 0x01);
	assert_int_equal(f->digest[7], 0xef);
	assert_int_equal(f->digest[31], 0xef);
	cfs_node_free(root);
}

/* dump_number() against what glibc's strtoull() gives for the same text. */
static void test_number_syntax(void **state)
{
	static const char *const texts[] = {
		"0", "7", "00017", "+5", "-0", "-1", "\t\v\f\r9", "18446744073709551615",
		"18446744073709551616", "-18446744073709551615", "-18446744073709551616",
		"99999999999999999999999", "8", "9", "17777777777777777777777", "2000000000000000000000",
	};
	static const char *const bad[] = { "", "-", "+", "\t", "+-1", "--1", "1x", "0x10", "1\t", "x" };

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		for (unsigned base = 8; base <= 10; base += 2) {
			char *end;
			unsigned long long want = strtoull(texts[i], &end, (int)base);
			uint64_t got;
			int r = dump_number((struct dump_span){ texts[i], strlen(texts[i]) }, base, &got);

			if (*end) {
				assert_int_equal(r, -EINVAL);   /* "8" and "9" in octal */
				continue;
			}
			assert_int_equal(r, 0);
			assert_int_equal(got, want);
		}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v;

		assert_int_equal(dump_number((struct dump_span){ bad[i], strlen(bad[i]) }, 10, &v),
				 -EINVAL);
	}
}

/* Dumps mkcomposefs 1.0.8 parses but its writer refuses, and ours with it:
 * replacing an xattr composefs sets itself on an inode with others. */
static void test_writer_refuses_as_mkcomposefs(void **state)
{
	static const char *const dumps[] = {
		ROOT "/w 0 20644 1 0 0 0 0.0 - - - trusted.overlay.whiteout=abc user.x=1\n",
		"/ 0 40755 2 0 0 0 0.0 - - - trusted.overlay.whiteouts=abc user.x=1\n"
		"/w 0 20644 1 0 0 0 0.0 - - -\n",
	};
	struct writer_options opts = { 0, 1 };

	(void)state;
	for (size_t i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
		struct cfs_node *root = parse_ok(dumps[i]);
		struct writer_image img = {};
		const char *log;
		int r;

		capture_start();
		r = writer_build(root, &opts, &img);
		log = capture_end();
		assert_int_equal(r, -ERANGE);
		assert_non_null(strstr(log, "makes mkcomposefs 1.0.8 fail"));
		cfs_node_free(root);
	}
	/* The same keys are fine where nothing replaces them, or when the
	 * replaced one was the inode's only xattr. */
	{
		struct cfs_node *root = parse_ok(
			ROOT "/w 0 20644 1 0 0 0 0.0 - - - user.overlay.whiteout=abc user.x=1\n"
			"/v 0 20644 1 0 0 0 0.0 - - - trusted.overlay.whiteout=abc\n");
		struct writer_image img = {};

		assert_int_equal(writer_build(root, &opts, &img), 0);
		writer_image_free(&img);
		cfs_node_free(root);
	}
}

/* refused TEXT LINE PATTERN: one line "t.dump:LINE: ..." (for line 0, a
 * fault of the whole file: "t.dump: ...") containing PATTERN. */
static void refused_len(const char *text, size_t len, unsigned line, const char *pattern)
{
	struct cfs_node *root = NULL;
	char where[32];
	const char *log;
	int r;

	capture_start();
	r = dump_parse("t.dump", text, len, CFS_HASH_SHA256, &root);
	log = capture_end();
	assert_int_equal(r, -EINVAL);
	assert_null(root);
	if (line)
		snprintf(where, sizeof(where), "t.dump:%u: ", line);
	else
		snprintf(where, sizeof(where), "t.dump: ");
	if (!strstr(log, where) || !strstr(log, pattern) || count_lines(log) != 1)
		fail_msg("expected one line with '%s' and '%s', got: %s", where, pattern, log);
}

static void refused(const char *text, unsigned line, const char *pattern)
{
	refused_len(text, strlen(text), line, pattern);
}

static void test_bad_lines(void **state)
{
	(void)state;
	refused("", 0, "no entries");
	refused("/a 0 100644 1 0 0 0 0.0 - - -\n", 1, "first entry must be the root");
	refused("/ 0 100644 1 0 0 0 0.0 - - -\n", 1, "root '/' must be a directory");
	refused("/ 0 @40755 1 0 0 0 0.0 / - -\n", 1, "root '/' must be a directory");
	refused("\n" ROOT, 1, "PATH is empty");
	refused(ROOT "\n", 2, "PATH is empty");
	refused_len(ROOT "/a 0 100644 1 0 0 0 0.0 - - -\0\n", strlen(ROOT) + 31, 2, "NUL byte");
	refused(ROOT "/a 0 100644 1 0 0 0 0.0 - - -  \n", 2, "xattr '' has no '='");
	refused(ROOT "/a  0 100644 1 0 0 0 0.0 - - -\n", 2, "MODE 0 has no known file type");
	refused(ROOT "/a 0 100644 1 0 0 0\n", 2, "MTIME '' is not SECONDS.NANOSECONDS");
	refused(ROOT "/a 0 100644 1 0 0 0 5 - - -\n", 2, "MTIME '5' is not SECONDS");
	refused(ROOT "/a 0 100644 1 0 0 0 1. - - -\n", 2, "nanoseconds of MTIME '' is not");
	refused(ROOT "/a\\ 0 100644 1 0 0 0 0.0 - - -\n", 2, "lone backslash");
	refused(ROOT "/a\\x4 0 100644 1 0 0 0 0.0 - - -\n", 2, "without two hex digits");
	refused(ROOT "/a\\e 0 100644 1 0 0 0 0.0 - - -\n", 2, "unknown escape");
	refused(ROOT "/a 0 100644 1 0 0 0 0.0 - \\q -\n", 2, "CONTENT has an unknown escape");
	refused(ROOT "/a/ 0 100644 1 0 0 0 0.0 - - -\n", 2, "ends in '/'");
	refused(ROOT "// 0 100644 1 0 0 0 0.0 - - -\n", 2, "ends in '/'");
	refused(ROOT "/.. 0 100644 1 0 0 0 0.0 - - -\n", 2, "ends in '.', '..'");
	refused(ROOT "/./a 0 100644 1 0 0 0 0.0 - - -\n", 2, "'/.' is not a directory listed before");
	refused(ROOT "/\\x00a 0 100644 1 0 0 0 0.0 - - -\n", 2, "'/' is listed twice");
	refused(ROOT "/a 0 100644 1 0 0 0 0.0 - - -\n/a/b 0 100644 1 0 0 0 0.0 - - -\n", 3,
		"'/a' is not a directory");
	refused(ROOT "/a 0 100644 1 0 0 0 0.0 - - -\n//a 0 100644 1 0 0 0 0.0 - - -\n", 3,
		"'/a' is listed twice");
	refused(ROOT "/a x 100644 1 0 0 0 0.0 - - -\n", 2, "SIZE 'x' is not a decimal number");
	refused(ROOT "/a 0 100644 +-1 0 0 0 0.0 - - -\n", 2, "NLINK '+-1' is not");
	refused(ROOT "/a 0 100644 1 0 x 0 0.0 - - -\n", 2, "GID 'x' is not");
	refused(ROOT "/a 0 100644 1 0 0 y 0.0 - - -\n", 2, "RDEV 'y' is not");
	refused(ROOT "/a 0 100648 1 0 0 0 0.0 - - -\n", 2, "MODE '100648' is not an octal number");
	refused(ROOT "/a 0 170644 1 0 0 0 0.0 - - -\n", 2, "MODE 170644 has no known file type");
	refused(ROOT "/a 1 100644 1 0 0 0 0.0 - ab -\n", 2, "CONTENT has 2 bytes but SIZE says 1");
	refused(ROOT "/a 5 120777 1 0 0 0 0.0 xy 1234 -\n", 2, "CONTENT has 4 bytes but SIZE says 5");
	refused(ROOT "/a 1 100644 1 0 0 0 0.0\n", 2, "CONTENT has 0 bytes but SIZE says 1");
	refused(ROOT "/a 100 100644 1 0 0 0 0.0 - - abcd\n", 2,
		"DIGEST 'abcd' does not start with 64 hex digits");
	refused(ROOT "/a 100 100644 1 0 0 0 0.0 - -\n", 2, "DIGEST '' does not start");
	refused(ROOT "/a 0 120777 1 0 0 0 0.0 - - -\n", 2, "a symlink needs its target");
	refused(ROOT "/a 0 120777 1 0 0 0 0.0 \\x00b - -\n", 2, "a symlink needs its target");
	refused(ROOT "/a 0 100644 1 0 0 0 0.0 - - - =v\n", 2, "xattr key '' is empty");
	refused(ROOT "/a 0 100644 1 0 0 0 0.0 - - - \\x00k=v\n", 2, "xattr key '' is empty");
	refused(ROOT "/a 0 100644 1 0 0 0 0.0 - - - user.x\n", 2, "has no '='");
	refused(ROOT "/a 0 @40755 1 0 0 0 0.0 / - -\n", 2, "a directory cannot be a hardlink");
	refused(ROOT "/a 0 @100644 1 0 0 0 0.0 - - -\n", 2, "needs the path of its target");
	refused(ROOT "/a 0 @100644 1 0 0 0 0.0 /b - -\n", 2, "target '/b' is not in the file");
	refused(ROOT "/a 0 @100644 1 0 0 0 0.0 /a - -\n", 2, "part of a loop");
	refused(ROOT "/a 0 @100644 1 0 0 0 0.0 /b - -\n/b 0 @100644 1 0 0 0 0.0 /a - -\n", 2,
		"part of a loop");
	/* mkcomposefs writes a directory with two names here; we do not. */
	refused(ROOT "/d 0 40755 2 0 0 0 0.0 - - -\n/a 0 @100644 1 0 0 0 0.0 d/ - -\n", 3,
		"target '/d' is a directory");
	refused(ROOT "/a 0 @100644 1 0 0 0 0.0  - -\n", 2, "target '/' is a directory");
}

/* A line of PREFIX, then N copies of UNIT, then SUFFIX. */
static char *repeat(const char *prefix, const char *unit, size_t n, const char *suffix)
{
	size_t plen = strlen(prefix), ulen = strlen(unit);
	char *text = malloc(plen + n * ulen + strlen(suffix) + 1), *p;

	assert_non_null(text);
	p = stpcpy(text, prefix);
	for (size_t i = 0; i < n; i++)
		p = stpcpy(p, unit);
	strcpy(p, suffix);
	return text;
}

static void test_limits(void **state)
{
	char *text;

	(void)state;
	text = repeat(ROOT "/a 5001 100644 1 0 0 0 0.0 - ", "x", 5001, " -\n");
	refused(text, 2, "CONTENT has 5001 bytes; inline content is limited to 5000");
	free(text);
	/* Symlinks are not held to the content limit, only to SIZE. */
	text = repeat(ROOT "/a 5001 120777 1 0 0 0 0.0 t ", "x", 5001, " -\n");
	cfs_node_free(parse_ok(text));
	free(text);
	text = repeat(ROOT "/a 0 40755 1 0 0 0 0.0 ", "p", 4096, " - -\n");
	refused(text, 2, "PAYLOAD has 4096 bytes; a path is limited to 4095");
	free(text);
	text = repeat(ROOT "/a 0 120777 1 0 0 0 0.0 ", "p", 4096, " - -\n");
	refused(text, 2, "a symlink needs its target in PAYLOAD (1..4095 bytes)");
	free(text);
	text = repeat(ROOT "/", "n", 256, " 0 100644 1 0 0 0 0.0 - - -\n");
	refused(text, 2, "a name longer than 255 bytes");
	free(text);
	text = repeat(ROOT "/a 0 100644 1 0 0 0 0.0 - - - user.", "k", 251, "=v\n");
	refused(text, 2, "is empty or longer than 255 bytes");
	free(text);

	/* mkcomposefs's xattr budget: 12 + 7 + 6 + 32742 is 32767. */
	text = repeat(ROOT "/a 0 100644 1 0 0 0 0.0 - - - user.a=", "v", 32742, "\n");
	cfs_node_free(parse_ok(text));
	free(text);
	text = repeat(ROOT "/a 0 100644 1 0 0 0 0.0 - - - user.a=", "v", 32743, "\n");
	refused(text, 2, "the xattrs take 32768 bytes by mkcomposefs's count; it allows 32767");
	free(text);
	/* Counted as each xattr is set: a later replacement is too late. */
	text = repeat(ROOT "/a 0 100644 1 0 0 0 0.0 - - - user.a=", "v", 32743, " user.a=x\n");
	refused(text, 2, "the xattrs take 32768 bytes");
	free(text);
	/* The line's xattr part is read up to 65535 bytes. */
	text = repeat(ROOT "/a 0 100644 1 0 0 0 0.0 - - - ", "a=1 ", 16383, "a=1\n");
	cfs_node_free(parse_ok(text));
	free(text);
	text = repeat(ROOT "/a 0 100644 1 0 0 0 0.0 - - - ", "a=1 ", 16384, "a=1\n");
	refused(text, 2, "the xattrs take 65539 bytes of the line; at most 65535");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_hardlinks),
		cmocka_unit_test(test_no_trailing_newline),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_number_syntax),
		cmocka_unit_test(test_gid_rdev_checked_by_uid),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_unused_fields),
		cmocka_unit_test(test_nul_ends_text_fields),
		cmocka_unit_test(test_path_forms),
		cmocka_unit_test(test_xattr_replaced),
		cmocka_unit_test(test_long_digest),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_writer_refuses_as_mkcomposefs),
	};
	return cmocka_run_group_tests_name("dump_parse", tests, NULL, NULL);
}
