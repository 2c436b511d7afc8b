// SPDX-License-Identifier: MIT
/* The composefs-dump(5) parser: escapes, optional fields, hardlinks, and
 * the one-line refusal of bad lines, naming the file and line. */
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
#include "tool/mkimage/dump_parse.h"
#include "lib/image/tree.h"

#define ROOT "/ 4096 40755 2 0 0 0 0.0 - - -\n"

static struct cfs_node *parse_ok(const char *text)
{
	struct cfs_node *root = NULL;

	assert_int_equal(cfs_dump_parse("t.dump", text, strlen(text), &root), 0);
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

static void test_empty_lines_and_no_newline(void **state)
{
	struct cfs_node *root = parse_ok("\n" ROOT "\n\n/x 0 100644 1 0 0 0 0.0 - - -");

	(void)state;
	child(root, "x");
	cfs_node_free(root);
}

/* refused TEXT LINE PATTERN: one line "t.dump:LINE: ..." (for line 0, a
 * fault of the whole file: "t.dump: ...") containing PATTERN. */
static void refused(const char *text, unsigned line, const char *pattern)
{
	struct cfs_node *root = NULL;
	char where[32];
	const char *log;
	int r;

	capture_start();
	r = cfs_dump_parse("t.dump", text, strlen(text), &root);
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

static void test_bad_lines(void **state)
{
	(void)state;
	refused("", 0, "no entries");
	refused("/a 0 100644 1 0 0 0 0.0 - - -\n", 1, "first entry must be the root");
	refused("/ 0 100644 1 0 0 0 0.0 - - -\n", 1, "root '/' must be a directory");
	refused(ROOT "/a 0 100644 1 0 0 0 0.0 - -\n", 2, "has 10 fields");
	refused(ROOT "/a  0 100644 1 0 0 0 0.0 - - -\n", 2, "SIZE is empty");
	refused(ROOT "/a\\ 0 100644 1 0 0 0 0.0 - - -\n", 2, "lone backslash");
	refused(ROOT "/a\\x4 0 100644 1 0 0 0 0.0 - - -\n", 2, "without two hex digits");
	refused(ROOT "/a\\e 0 100644 1 0 0 0 0.0 - - -\n", 2, "unknown escape");
	refused(ROOT "a 0 100644 1 0 0 0 0.0 - - -\n", 2, "not an absolute path");
	refused(ROOT "/a/ 0 100644 1 0 0 0 0.0 - - -\n", 2, "empty component");
	refused(ROOT "/a//b 0 100644 1 0 0 0 0.0 - - -\n", 2, "empty component");
	refused(ROOT "/.. 0 100644 1 0 0 0 0.0 - - -\n", 2, "'..' component");
	refused(ROOT "/a\\x00b 0 100644 1 0 0 0 0.0 - - -\n", 2, "NUL byte");
	refused(ROOT "/a 0 100644 1 0 0 0 0.0 - - -\n/a/b 0 100644 1 0 0 0 0.0 - - -\n", 3,
		"'/a' is not a directory");
	refused(ROOT "/ 0 40755 1 0 0 0 0.0 - - -\n", 2, "listed twice");
	refused(ROOT "/a -1 100644 1 0 0 0 0.0 - - -\n", 2, "not a decimal number");
	refused(ROOT "/a 0 100644 4294967296 0 0 0 0.0 - - -\n", 2, "NLINK '4294967296' is too large");
	refused(ROOT "/a 18446744073709551616 100644 1 0 0 0 0.0 - - -\n", 2, "too large");
	refused(ROOT "/a 0 1100644 1 0 0 0 0.0 - - -\n", 2, "MODE '1100644' is too large");
	refused(ROOT "/a 0 100644 1 0 0 0 x - - -\n", 2, "MTIME 'x' is not a decimal number");
	refused(ROOT "/a 0 100644 1 0 0 0 1. - - -\n", 2, "nanoseconds of MTIME");
	refused(ROOT "/a 1 100644 1 0 0 0 0.0 - ab -\n", 2, "CONTENT has 2 bytes but SIZE says 1");
	refused(ROOT "/a 100 100644 1 0 0 0 0.0 - - xyz\n", 2, "not 64 hex digits");
	refused(ROOT "/a 0 100644 1 0 0 0 0.0 a\\x00b - -\n", 2, "PAYLOAD contains a NUL byte");
	refused(ROOT "/a 0 20600 1 0 0 5 0.0 - - abcd\n", 2, "a special file has no DIGEST");
	refused(ROOT "/a 0 120777 1 0 0 0 0.0 x y -\n", 2, "a symlink has no CONTENT");
	refused(ROOT "/a 0 100644 1 0 0 0 0.0 - - - =v\n", 2, "xattr key '' is empty");
	refused(ROOT "/a 0 100644 1 0 0 0 0.0 - - - u.a=1 u.a=2\n", 2, "xattr 'u.a' is given twice");
	refused(ROOT "/a 0 @40755 1 0 0 0 0.0 / - -\n", 2, "a directory cannot be a hardlink");
	refused(ROOT "/a 0 @100644 1 0 0 0 0.0 - - -\n", 2, "needs the path of its target");
	refused(ROOT "/a 0 @100644 1 0 0 0 0.0 /a - -\n", 2, "part of a loop");
}

static void test_content_limit(void **state)
{
	size_t n = strlen(ROOT) + 64 + 5001;
	char *text = malloc(n + 1), *p;

	(void)state;
	assert_non_null(text);
	p = text + sprintf(text, ROOT "/a 5001 100644 1 0 0 0 0.0 - ");
	memset(p, 'x', 5001);
	strcpy(p + 5001, " -\n");
	refused(text, 2, "CONTENT has 5001 bytes; inline content is limited to 5000");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_hardlinks),
		cmocka_unit_test(test_empty_lines_and_no_newline),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_content_limit),
	};
	return cmocka_run_group_tests_name("dump_parse", tests, NULL, NULL);
}
