// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/base/parse.h"

static void test_parse_u64(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(cfs_parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cfs_parse_u64("007", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(cfs_parse_u64("18446744073709551615", &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(cfs_parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(cfs_parse_u64("99999999999999999999", &v), -ERANGE);
	/* The first problem decides: overflow before the stray byte. */
	assert_int_equal(cfs_parse_u64("99999999999999999999x", &v), -ERANGE);
	assert_int_equal(cfs_parse_u64("", &v), -EINVAL);
	assert_int_equal(cfs_parse_u64(" 1", &v), -EINVAL);
	assert_int_equal(cfs_parse_u64("+1", &v), -EINVAL);
	assert_int_equal(cfs_parse_u64("-1", &v), -EINVAL);
	assert_int_equal(cfs_parse_u64("1 ", &v), -EINVAL);
	assert_int_equal(cfs_parse_u64("0x10", &v), -EINVAL);
	assert_int_equal(v, UINT64_MAX);   /* untouched by every refusal */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
	};
	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
