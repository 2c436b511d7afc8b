// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/base/hex.h"

static void test_round_trip(void **state)
{
	const uint8_t bin[] = { 0x00, 0x01, 0xab, 0xff };
	uint8_t back[4];
	char hex[9];

	(void)state;
	cfs_hex_encode(bin, sizeof(bin), hex);
	assert_string_equal(hex, "0001abff");
	assert_int_equal(cfs_hex_decode("0001ABff", 8, back, 4), 0);
	assert_memory_equal(bin, back, 4);
}

static void test_rejects(void **state)
{
	uint8_t out[2];

	(void)state;
	assert_int_equal(cfs_hex_decode("abc", 3, out, 2), -EINVAL);    /* odd length */
	assert_int_equal(cfs_hex_decode("abcdef", 6, out, 2), -EINVAL); /* too long */
	assert_int_equal(cfs_hex_decode("abzz", 4, out, 2), -EINVAL);   /* not hex */
	assert_int_equal(cfs_hex_decode("ab\0d", 4, out, 2), -EINVAL);  /* embedded NUL */
}

static void test_digits(void **state)
{
	(void)state;
	assert_int_equal(cfs_hex_digit_value('0'), 0);
	assert_int_equal(cfs_hex_digit_value('9'), 9);
	assert_int_equal(cfs_hex_digit_value('a'), 10);
	assert_int_equal(cfs_hex_digit_value('F'), 15);
	assert_int_equal(cfs_hex_digit_value('g'), -1);
	assert_int_equal(cfs_hex_digit_value('/'), -1);
	assert_int_equal(cfs_hex_digit_value('\0'), -1);
	assert_true(cfs_hex_is_lower("0123456789abcdef", 16));
	assert_true(cfs_hex_is_lower("", 0));
	assert_false(cfs_hex_is_lower("00A0", 4));
	assert_false(cfs_hex_is_lower("0g", 2));
	assert_false(cfs_hex_is_lower("a\0", 2));   /* a NUL inside the length */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_digits),
	};
	return cmocka_run_group_tests_name("hex", tests, NULL, NULL);
}
