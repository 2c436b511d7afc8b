// SPDX-License-Identifier: MIT
/*
 * How cfs-pivot composes on a kernel, decided from what the probes found:
 * every combination of probe results, policy and --avoid, including the
 * kernels the host cannot be (no lowerdir+, no verity=require, an overlayfs
 * from before the mount API).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pivot/mount/plan.h"

static const struct pivot_probe KERNEL_6_7 = {
	.lowerdir_append = true, .datadir_append = true, .verity = true,
};
static const struct pivot_probe KERNEL_6_6 = { .verity = true };       /* no lowerdir+ */
static const struct pivot_probe KERNEL_6_5 = { 0 };                    /* data-only layers only */
static const struct pivot_probe LEGACY = { .legacy_context = true };   /* before 6.5 */
static const struct pivot_avoid NOTHING = { 0 };

static int choose(enum pivot_verity v, const struct pivot_probe *p, const struct pivot_avoid *a,
		  struct pivot_plan *plan, const char **why)
{
	*why = NULL;
	memset(plan, 0xa5, sizeof(*plan));
	return pivot_plan_choose(v, p, a, plan, why);
}

static void test_current_kernel(void **state)
{
	struct pivot_plan plan;
	const char *why;

	(void)state;
	assert_int_equal(choose(PIVOT_VERITY_REQUIRE, &KERNEL_6_7, &NOTHING, &plan, &why), 0);
	assert_int_equal(plan.syntax, PIVOT_LAYERS_APPEND);
	assert_int_equal(plan.enforce, PIVOT_ENFORCE_KERNEL);
	assert_null(why);
	assert_string_equal(pivot_layer_syntax_path(plan.syntax), "overlay:lowerdir+");
	assert_string_equal(pivot_enforce_path(plan.enforce), "verity:require");
}

static void test_no_append_keys(void **state)
{
	struct pivot_plan plan;
	const char *why;

	(void)state;
	assert_int_equal(choose(PIVOT_VERITY_REQUIRE, &KERNEL_6_6, &NOTHING, &plan, &why), 0);
	assert_int_equal(plan.syntax, PIVOT_LAYERS_DATA_ONLY);
	assert_int_equal(plan.enforce, PIVOT_ENFORCE_KERNEL);
	assert_string_equal(pivot_layer_syntax_path(plan.syntax), "overlay:lowerdir::");
}

/* lowerdir+ alone does not give a data-only layer. */
static void test_lowerdir_append_without_datadir(void **state)
{
	const struct pivot_probe p = { .lowerdir_append = true, .verity = true };
	struct pivot_plan plan;
	const char *why;

	(void)state;
	assert_int_equal(choose(PIVOT_VERITY_REQUIRE, &p, &NOTHING, &plan, &why), 0);
	assert_int_equal(plan.syntax, PIVOT_LAYERS_DATA_ONLY);
}

static void test_avoid_append(void **state)
{
	const struct pivot_avoid a = { .layer_append = true };
	struct pivot_plan plan;
	const char *why;

	(void)state;
	assert_int_equal(choose(PIVOT_VERITY_REQUIRE, &KERNEL_6_7, &a, &plan, &why), 0);
	assert_int_equal(plan.syntax, PIVOT_LAYERS_DATA_ONLY);
	assert_int_equal(plan.enforce, PIVOT_ENFORCE_KERNEL);
}

/* require on a kernel without verity=require: refused, saying what is
 * missing and what the policy alternative is. */
static void test_require_without_kernel_verity(void **state)
{
	struct pivot_plan plan;
	const char *why;

	(void)state;
	assert_int_equal(choose(PIVOT_VERITY_REQUIRE, &KERNEL_6_5, &NOTHING, &plan, &why),
			 -EOPNOTSUPP);
	assert_non_null(why);
	assert_non_null(strstr(why, "lacks verity=require"));
	assert_non_null(strstr(why, "verity = boot-check"));
}

/* The other modes never ask the kernel to enforce anything. */
static void test_other_modes_ignore_kernel_verity(void **state)
{
	const struct pivot_probe *probes[] = { &KERNEL_6_7, &KERNEL_6_6, &KERNEL_6_5, &LEGACY };
	struct pivot_plan plan;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		assert_int_equal(choose(PIVOT_VERITY_BOOT_CHECK, probes[i], &NOTHING, &plan, &why), 0);
		assert_int_equal(plan.enforce, PIVOT_ENFORCE_BOOT_CHECK);
		assert_int_equal(choose(PIVOT_VERITY_INSECURE_DEV, probes[i], &NOTHING, &plan, &why), 0);
		assert_int_equal(plan.enforce, PIVOT_ENFORCE_NONE);
	}
	assert_string_equal(pivot_enforce_path(PIVOT_ENFORCE_BOOT_CHECK), "verity:boot-check");
	assert_string_equal(pivot_enforce_path(PIVOT_ENFORCE_NONE), "verity:none");
}

/* An old context takes every key, so its answers say nothing: the
 * data-only syntax is tried and verity=require passed on, and mounting
 * decides. */
static void test_legacy_context(void **state)
{
	const struct pivot_probe lying = { .legacy_context = true, .lowerdir_append = true,
					   .datadir_append = true };
	struct pivot_plan plan;
	const char *why;

	(void)state;
	assert_int_equal(choose(PIVOT_VERITY_REQUIRE, &LEGACY, &NOTHING, &plan, &why), 0);
	assert_int_equal(plan.syntax, PIVOT_LAYERS_DATA_ONLY);
	assert_int_equal(plan.enforce, PIVOT_ENFORCE_KERNEL);
	assert_int_equal(choose(PIVOT_VERITY_REQUIRE, &lying, &NOTHING, &plan, &why), 0);
	assert_int_equal(plan.syntax, PIVOT_LAYERS_DATA_ONLY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_current_kernel),
		cmocka_unit_test(test_no_append_keys),
		cmocka_unit_test(test_lowerdir_append_without_datadir),
		cmocka_unit_test(test_avoid_append),
		cmocka_unit_test(test_require_without_kernel_verity),
		cmocka_unit_test(test_other_modes_ignore_kernel_verity),
		cmocka_unit_test(test_legacy_context),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
