// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lib/base/array.h"

static void test_grows(void **state)
{
	int *a = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(CFS_GROW(a, cap, 0, 4), 0);      /* room already */
	assert_null(a);
	assert_int_equal(CFS_GROW(a, cap, 1, 4), 0);      /* first */
	assert_int_equal(cap, 4);
	for (int i = 0; i < 4; i++)
		a[i] = i;
	assert_int_equal(CFS_GROW(a, cap, 4, 4), 0);      /* still fits */
	assert_int_equal(cap, 4);
	assert_int_equal(CFS_GROW(a, cap, 5, 4), 0);      /* doubles */
	assert_int_equal(cap, 8);
	assert_int_equal(CFS_GROW(a, cap, 100, 4), 0);    /* or takes what is needed */
	assert_int_equal(cap, 100);
	for (int i = 0; i < 4; i++)
		assert_int_equal(a[i], i);                /* contents kept */
	free(a);
}

static void test_overflow(void **state)
{
	uint64_t *a = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(CFS_GROW(a, cap, 2, 0), 0);
	a[1] = 42;
	/* Bytes beyond SIZE_MAX: refused, and nothing changes. */
	assert_int_equal(CFS_GROW(a, cap, SIZE_MAX / 4, 0), -ENOMEM);
	assert_int_equal(cap, 2);
	assert_int_equal(a[1], 42);
	/* A capacity whose double wraps is not taken for a small one. */
	cap = SIZE_MAX / 2 + 1;
	assert_int_equal(CFS_GROW(a, cap, SIZE_MAX / 2 + 2, 0), -ENOMEM);
	assert_int_equal(cap, SIZE_MAX / 2 + 1);
	assert_int_equal(a[1], 42);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grows),
		cmocka_unit_test(test_overflow),
	};
	return cmocka_run_group_tests_name("array", tests, NULL, NULL);
}
