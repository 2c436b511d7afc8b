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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_rejects),
	};
	return cmocka_run_group_tests_name("hex", tests, NULL, NULL);
}
