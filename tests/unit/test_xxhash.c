// SPDX-License-Identifier: MIT
/* xxh32 against published vectors: the reference implementation's empty
 * input values and the python-xxhash documentation's examples.  The 39-byte
 * string runs through the 16-byte stripes, the 4-byte words and the tail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/image/xxhash.h"

static void test_vectors(void **state)
{
	static const struct {
		const char *data;
		uint32_t seed, hash;
	} v[] = {
		{ "", 0, 0x02CC5D05 },
		{ "", 1, 0x0B2CB792 },
		{ "a", 0, 0x550D7456 },
		{ "abc", 0, 0x32D153FF },
		{ "Nobody inspects the spammish repetition", 0, 0xE2293B2F },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(cfs_xxh32(v[i].data, strlen(v[i].data), v[i].seed), v[i].hash);
}

/* The hash depends on every byte and on the seed (the EROFS filter adds
 * the name index to its seed). */
static void test_sensitivity(void **state)
{
	const char *s = "0123456789abcdefghij";
	uint32_t h = cfs_xxh32(s, 20, 0x25BBE08F);

	(void)state;
	assert_int_not_equal(h, cfs_xxh32(s, 20, 0x25BBE08F + 1));
	assert_int_not_equal(h, cfs_xxh32(s, 19, 0x25BBE08F));
	assert_int_not_equal(h, cfs_xxh32("0123456789abcdefghiJ", 20, 0x25BBE08F));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_sensitivity),
	};
	return cmocka_run_group_tests_name("xxhash", tests, NULL, NULL);
}
