// SPDX-License-Identifier: MIT
/* Lines a thread holds (cfs_log_hold) and says later, at its place. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/base/log.h"
#include "capture.h"

static struct cfs_log_held held;

/* Early work, as cfs-pivot's trust thread does it: every line held. */
static void *early(void *data)
{
	(void)data;
	cfs_log_hold(&held);
	log_info("loading the trust");
	log_error("the trust directory /etc/x holds no certificate");
	cfs_log_hold(NULL);
	return NULL;
}

/* Held lines are said only when released, after what the caller said
 * meanwhile, and their error becomes the caller's last one. */
static void test_held_until_released(void **state)
{
	pthread_t t;
	const char *log;

	(void)state;
	cfs_log_init("cfs-pivot");
	capture_start();
	assert_int_equal(pthread_create(&t, NULL, early, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	log_error("refusing the image: its digest differs");
	assert_string_equal(cfs_log_last_error(), "refusing the image: its digest differs");
	cfs_log_release(&held);
	log = capture_end();
	assert_string_equal(log, "cfs-pivot: refusing the image: its digest differs\n"
			    "cfs-pivot: loading the trust\n"
			    "cfs-pivot: the trust directory /etc/x holds no certificate\n");
	assert_string_equal(cfs_log_last_error(), "the trust directory /etc/x holds no certificate");
	/* Released once: said once. */
	capture_start();
	cfs_log_release(&held);
	assert_string_equal(capture_end(), "");
}

/* Lines never released are never said: the refusal stays the last line. */
static void test_dropped_unless_released(void **state)
{
	pthread_t t;

	(void)state;
	capture_start();
	assert_int_equal(pthread_create(&t, NULL, early, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	log_error("refusing the root device");
	assert_string_equal(capture_end(), "cfs-pivot: refusing the root device\n");
}

/* Beyond CFS_LOG_HELD_MAX lines the last one is still the one kept last. */
static void test_overflow_keeps_the_last(void **state)
{
	const char *log;

	(void)state;
	cfs_log_hold(&held);
	for (int i = 0; i < CFS_LOG_HELD_MAX + 3; i++)
		log_info("line %d", i);
	log_error("why");
	cfs_log_hold(NULL);
	assert_int_equal(held.n, CFS_LOG_HELD_MAX);
	capture_start();
	cfs_log_release(&held);
	log = capture_end();
	assert_int_equal(count_lines(log), CFS_LOG_HELD_MAX);
	assert_contains(log, "cfs-pivot: line 0\n");
	assert_non_null(strstr(log, "cfs-pivot: why\n"));
	assert_string_equal(strstr(log, "cfs-pivot: why\n"), "cfs-pivot: why\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_until_released),
		cmocka_unit_test(test_dropped_unless_released),
		cmocka_unit_test(test_overflow_keeps_the_last),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
