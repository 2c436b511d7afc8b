// SPDX-License-Identifier: MIT
/* Boot-counting entry names and entry text (src/tool/deploy/bls.c), by
 * the Boot Loader Specification's rules as systemd-boot applies them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tool/deploy/bls.h"

static void test_names(void **state)
{
	struct bls_name n;
	char back[NAME_MAX + 1];

	(void)state;
	assert_int_equal(bls_name_parse("a.conf", &n), 0);
	assert_string_equal(n.id, "a");
	assert_false(n.counting);
	assert_int_equal(bls_name_parse("cfsboot-ab+3.conf", &n), 0);
	assert_string_equal(n.id, "cfsboot-ab");
	assert_true(n.counting);
	assert_int_equal(n.left, 3);
	assert_int_equal(n.done, 0);
	assert_int_equal(bls_name_parse("x-1+0-3.conf", &n), 0);   /* a dash in the id */
	assert_string_equal(n.id, "x-1");
	assert_int_equal(n.left, 0);
	assert_int_equal(n.done, 3);
	assert_int_equal(bls_name_format(&n, back), 0);
	assert_string_equal(back, "x-1+0-3.conf");
	n.done = 0;
	n.left = 2;
	assert_int_equal(bls_name_format(&n, back), 0);
	assert_string_equal(back, "x-1+2.conf");
	n.counting = false;
	assert_int_equal(bls_name_format(&n, back), 0);
	assert_string_equal(back, "x-1.conf");
}

static void test_bad_names(void **state)
{
	static const char *const bad[] = {
		"a.conf~", "a", ".conf", "+3.conf", "a+.conf", "a+3-.conf", "a+x.conf",
		"a+3-y.conf", "a+-3.conf", "a+99999.conf",
	};
	struct bls_name n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(bls_name_parse(bad[i], &n), -EINVAL);
}

static void test_entry(void **state)
{
	struct bls_entry e;

	(void)state;
	assert_int_equal(bls_entry_parse("# comment\ntitle  My OS 1\nversion 7\n"
					 "options a=b c\nlinux /k\ninitrd /i\nsort-key s\n"
					 "machine-id 00\nversion 8\n", &e), 0);
	assert_string_equal(e.title, "My OS 1");
	assert_string_equal(e.version, "7");    /* the first of a key counts */
	assert_string_equal(e.options, "a=b c");
	assert_string_equal(e.linux_path, "/k");
	assert_string_equal(e.initrd, "/i");
	assert_string_equal(e.sort_key, "s");
	bls_entry_free(&e);
	assert_int_equal(bls_entry_parse("title", &e), 0);
	assert_string_equal(e.title, "");
	bls_entry_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_entry),
	};
	return cmocka_run_group_tests_name("bls", tests, NULL, NULL);
}
