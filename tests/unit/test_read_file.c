// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/base/read_file.h"

/* A pipe holding len bytes of a pattern, its write end closed. */
static int pipe_with(size_t len)
{
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(fcntl(p[1], F_SETPIPE_SZ, 1 << 20) >= (int)len, 1);
	for (size_t i = 0; i < len; i++) {
		char c = (char)('a' + i % 26);

		assert_int_equal(write(p[1], &c, 1), 1);
	}
	close(p[1]);
	return p[0];
}

static void assert_pattern(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		assert_int_equal(buf[i], 'a' + i % 26);
	assert_int_equal(buf[len], '\0');
}

static void test_reads_to_end(void **state)
{
	/* Sizes around the first chunk, where the buffer grows. */
	const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 200000 };

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int fd = pipe_with(sizes[i]);
		char *buf = NULL;
		size_t len = 7;

		assert_int_equal(cfs_read_fd(fd, "pipe", 1 << 20, &buf, &len), 0);
		assert_int_equal(len, sizes[i]);
		assert_pattern(buf, len);
		free(buf);
		close(fd);
	}
}

static void test_stops_at_max(void **state)
{
	int fd = pipe_with(100000);
	char *buf = NULL;
	size_t len;

	(void)state;
	/* max bytes and no more, whatever is left; the rest stays unread. */
	assert_int_equal(cfs_read_fd(fd, "pipe", 70001, &buf, &len), 0);
	assert_int_equal(len, 70001);
	assert_pattern(buf, len);
	free(buf);
	assert_int_equal(cfs_read_fd(fd, "pipe", 1 << 20, &buf, &len), 0);
	assert_int_equal(len, 100000 - 70001);
	free(buf);
	close(fd);
}

static void test_proc_and_errors(void **state)
{
	char *buf = NULL;
	size_t len;
	uint8_t *bytes = NULL;
	int fd;

	(void)state;
	/* /proc says 0 bytes; the content is there all the same. */
	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(cfs_read_fd(fd, "/proc/self/stat", 4096, &buf, &len), 0);
	assert_true(len > 0 && strlen(buf) == len);
	free(buf);
	close(fd);

	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(cfs_read_fd(fd, "/", 4096, &buf, &len), -EISDIR);
	close(fd);

	/* cfs_read_file trusts a regular file's size (so reads nothing of a
	 * file in /proc: use cfs_read_fd there) and refuses the rest. */
	assert_int_equal(cfs_read_file("/proc/self/stat", 4096, &bytes, &len), 0);
	assert_int_equal(len, 0);
	free(bytes);
	assert_int_equal(cfs_read_file("/", 4096, &bytes, &len), -EINVAL);
	assert_int_equal(cfs_read_file("/nonexistent/x", 4096, &bytes, &len), -ENOENT);
}

static void test_read_file(void **state)
{
	char path[] = "/tmp/test_read_file.XXXXXX";
	int fd = mkstemp(path);
	uint8_t *bytes = NULL;
	size_t len;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello", 5), 5);
	close(fd);
	assert_int_equal(cfs_read_file(path, 5, &bytes, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(bytes, "hello", 6);   /* terminated */
	free(bytes);
	assert_int_equal(cfs_read_file(path, 4, &bytes, &len), -EFBIG);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_to_end),
		cmocka_unit_test(test_stops_at_max),
		cmocka_unit_test(test_proc_and_errors),
		cmocka_unit_test(test_read_file),
	};
	return cmocka_run_group_tests_name("read_file", tests, NULL, NULL);
}
