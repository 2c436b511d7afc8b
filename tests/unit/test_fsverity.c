// SPDX-License-Identifier: MIT
/* fs-verity digests: known answers, streaming in odd pieces, holes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"

#include "lib/verity/fsverity.h"
#include "lib/base/hex.h"

static void digest_hex(enum cfs_hash_alg alg, const void *buf, size_t len, char *hex)
{
	uint8_t d[CFS_MAX_DIGEST_SIZE];

	assert_int_equal(cfs_verity_digest_buf(alg, buf, len, d), 0);
	cfs_hex_encode(d, cfs_hash_digest_size(alg), hex);
}

/* Known answers from `fsverity digest` (fsverity-utils 1.5). */
static void test_known_answers(void **state)
{
	char hex[129];
	uint8_t *zeros = calloc(1, 4097);

	(void)state;
	digest_hex(CFS_HASH_SHA256, "", 0, hex);
	assert_string_equal(hex, "3d248ca542a24fc62d1c43b916eae5016878e2533c88238480b26128a1f1af95");
	digest_hex(CFS_HASH_SHA256, zeros, 4096, hex);
	assert_string_equal(hex, "babc284ee4ffe7f449377fbf6692715b43aec7bc39c094a95878904d34bac97e");
	free(zeros);
}

/* Feeding the same bytes in any split gives the same digest. */
static void test_streaming_splits(void **state)
{
	const size_t len = 3 * 128 * 4096 + 77;
	uint8_t *data = malloc(len), ref[64], got[64];
	static const size_t steps[] = { 1, 7, 4095, 4096, 4097, 65536 };

	(void)state;
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 2654435761u >> 13);
	assert_int_equal(cfs_verity_digest_buf(CFS_HASH_SHA256, data, len, ref), 0);
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		struct cfs_verity_ctx *ctx;

		assert_int_equal(cfs_verity_new(CFS_HASH_SHA256, &ctx), 0);
		for (size_t off = 0; off < len; off += steps[s]) {
			size_t n = len - off < steps[s] ? len - off : steps[s];
			assert_int_equal(cfs_verity_update(ctx, data + off, n), 0);
		}
		assert_int_equal(cfs_verity_final(ctx, got), 0);
		cfs_verity_free(ctx);
		assert_memory_equal(ref, got, 32);
	}
	free(data);
}

/* Zeros added without reading them match zeros hashed from memory. */
static void test_update_zeros(void **state)
{
	static const size_t lens[] = { 1, 4095, 4096, 4097, 128 * 4096, 128 * 4096 + 1, 300000 };

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t *zeros = calloc(1, lens[i] + 10), ref[64], got[64];
		struct cfs_verity_ctx *ctx;

		zeros[0] = 0x5a; /* a data byte first, so the hole starts mid-block */
		assert_int_equal(cfs_verity_digest_buf(CFS_HASH_SHA512, zeros, lens[i] + 1, ref), 0);
		assert_int_equal(cfs_verity_new(CFS_HASH_SHA512, &ctx), 0);
		assert_int_equal(cfs_verity_update(ctx, zeros, 1), 0);
		assert_int_equal(cfs_verity_update_zeros(ctx, lens[i]), 0);
		assert_int_equal(cfs_verity_final(ctx, got), 0);
		cfs_verity_free(ctx);
		assert_memory_equal(ref, got, 64);
		free(zeros);
	}
}

static void test_hash_names(void **state)
{
	enum cfs_hash_alg alg;

	(void)state;
	assert_int_equal(cfs_hash_from_name("sha512", &alg), 0);
	assert_int_equal(alg, CFS_HASH_SHA512);
	assert_int_equal(cfs_hash_from_name("sha1", &alg), -EINVAL);
	assert_int_equal(cfs_hash_digest_size(CFS_HASH_SHA256), 32);
	assert_null(cfs_hash_name((enum cfs_hash_alg)7));
}

/* A read that fails is logged once, by the library, naming the file; the
 * quiet variant leaves the message to its caller. */
static void test_read_failure_logged_once(void **state)
{
	uint8_t digest[CFS_MAX_DIGEST_SIZE];
	const char *log;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	capture_start();
	assert_int_equal(cfs_verity_digest_file(CFS_HASH_SHA256, fd, "the root", digest), -EISDIR);
	log = capture_end();
	assert_contains(log, "cannot read the root for its fs-verity digest: Is a directory");
	assert_int_equal(count_lines(log), 1);
	capture_start();
	assert_int_equal(cfs_verity_digest_fd(CFS_HASH_SHA256, fd, digest), -EISDIR);
	assert_string_equal(capture_end(), "");
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_streaming_splits),
		cmocka_unit_test(test_update_zeros),
		cmocka_unit_test(test_hash_names),
		cmocka_unit_test(test_read_failure_logged_once),
	};
	return cmocka_run_group_tests_name("fsverity", tests, NULL, NULL);
}
