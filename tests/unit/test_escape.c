// SPDX-License-Identifier: MIT
/* Escaping text from outside for a log line, and the log doing it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/base/escape.h"
#include "lib/base/log.h"
#include "capture.h"

static void test_escape(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(cfs_escape("plain /sbin/init", out, sizeof(out)), "plain /sbin/init");
	assert_string_equal(cfs_escape("a\nb\rc\td", out, sizeof(out)), "a\\x0ab\\x0dc\\x09d");
	assert_string_equal(cfs_escape("\x1b[2J\x7f", out, sizeof(out)), "\\x1b[2J\\x7f");
	/* A backslash is doubled, so that "\x0a" typed in is told apart. */
	assert_string_equal(cfs_escape("\\x0a", out, sizeof(out)), "\\\\x0a");
	/* UTF-8 passes. */
	assert_string_equal(cfs_escape("caf\xc3\xa9", out, sizeof(out)), "caf\xc3\xa9");
	assert_string_equal(cfs_escape("", out, sizeof(out)), "");
}

/* Truncation stops before an escape that does not fit whole. */
static void test_truncation(void **state)
{
	char out[6];

	(void)state;
	assert_string_equal(cfs_escape("abcdefgh", out, sizeof(out)), "abcde");
	assert_string_equal(cfs_escape("ab\ncd", out, sizeof(out)), "ab");
	assert_string_equal(cfs_escape("a\n", out, sizeof(out)), "a\\x0a");
	assert_string_equal(cfs_escape("x", out, 1), "");
}

/* Every message is one line, whatever its arguments hold, and the last
 * error (what PID 1 repeats and the status file keeps) is the same. */
static void test_log_is_one_line(void **state)
{
	const char *log;

	(void)state;
	cfs_log_init("cfs-pivot");
	capture_start();
	log_error("refusing init=%s", "/x\ncfs-pivot: booted composefs image");
	log = capture_end();
	assert_int_equal(count_lines(log), 1);
	assert_string_equal(log, "cfs-pivot: refusing init=/x\\x0acfs-pivot: booted composefs image\n");
	assert_string_equal(cfs_log_last_error(),
			    "refusing init=/x\\x0acfs-pivot: booted composefs image");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_log_is_one_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
