// SPDX-License-Identifier: MIT
/* fs-verity digests: known answers, streaming in odd pieces, holes, files
 * hashed on one thread and on several. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
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

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((i + seed) * 2654435761u >> 13);
}

/* A file in TMPDIR, unlinked at once: the descriptor is all a test needs. */
static int temp_file(void)
{
	char path[] = "/tmp/cfs-test-fsverity.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static void write_at(int fd, const uint8_t *p, size_t len, off_t off)
{
	assert_int_equal(pwrite(fd, p, len, off), (ssize_t)len);
}

/* The file's digest on one thread and on three (more than this machine's
 * CPUs, pieces then wait for a thread) equals want. */
static void check_file(int fd, enum cfs_hash_alg alg, const uint8_t *want, const char *what)
{
	static const unsigned threads[] = { 1, 3 };
	size_t size = cfs_hash_digest_size(alg);

	for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		uint8_t got[CFS_MAX_DIGEST_SIZE];

		assert_int_equal(cfs_verity_digest_fd(alg, fd, threads[t], got), 0);
		if (memcmp(got, want, size) != 0)
			fail_msg("%s, %s, %u threads: the file's digest differs from the buffer's",
				 what, cfs_hash_name(alg), threads[t]);
	}
}

/*
 * Files of the sizes where the tree changes shape (a level overflows at 128
 * SHA-256 or 64 SHA-512 hashes a block), where the file starts being split
 * across threads (CFS_VERITY_SPLIT_MIN), and odd sizes between the pieces
 * threads take: read from a file on any number of threads, the digest is
 * that of the same bytes in memory.
 */
static void test_file_sizes(void **state)
{
	const size_t B = 4096, split = (size_t)CFS_VERITY_SPLIT_MIN;
	const size_t sizes[] = {
		0, 1, 4095, 4096, 4097, 64 * B, 64 * B + 1, 128 * B - 1, 128 * B, 128 * B + 1,
		split - 1, split, split + 1, split + 4097, 5 * split / 2 + 77,
		64 * 64 * B, 64 * 64 * B + 1, 64 * 64 * B + B,
		128 * 128 * B + 1,
	};
	const size_t max = 128 * 128 * B + 1;
	uint8_t *data = malloc(max);

	(void)state;
	assert_non_null(data);
	fill(data, max, 1);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (enum cfs_hash_alg alg = CFS_HASH_SHA256; alg <= CFS_HASH_SHA512; alg++) {
			uint8_t want[CFS_MAX_DIGEST_SIZE];
			char what[64];
			int fd = temp_file();

			write_at(fd, data, sizes[i], 0);
			assert_int_equal(cfs_verity_digest_buf(alg, data, sizes[i], want), 0);
			snprintf(what, sizeof(what), "%zu bytes", sizes[i]);
			check_file(fd, alg, want, what);
			close(fd);
		}
	}
	free(data);
}

/* A region of a sparse file: data at off, or a hole when data is NULL. */
struct region {
	off_t off, len;
	bool data;
};

/*
 * Sparse files, holes starting and ending inside blocks, pieces and the
 * window of level-0 hashes (256 MiB): the digest read from the file, whose
 * holes are skipped, equals the digest of the same bytes streamed with the
 * holes added as zeros.
 */
static void test_sparse_files(void **state)
{
	static const struct {
		const char *what;
		off_t size;
		struct region data[3];
	} cases[] = {
		{ "all hole", 9 << 20, { { 0, 0, false } } },
		{ "data mid-block between holes", 9 << 20, { { 3 * 4096 + 100, 5000, true },
							     { (6 << 20) + 1, 7, true } } },
		{ "data ends the file", (5 << 20) + 3, { { (5 << 20) - 10, 13, true } } },
		{ "across the window", (256 << 20) + (3 << 20) + 5,
		  { { (256 << 20) - 4097, 2 * 4096 + 2, true }, { (259 << 20), 5, true } } },
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (enum cfs_hash_alg alg = CFS_HASH_SHA256; alg <= CFS_HASH_SHA512; alg++) {
			struct cfs_verity_ctx *ctx;
			uint8_t want[CFS_MAX_DIGEST_SIZE], buf[3 * 4096];
			off_t at = 0;
			int fd = temp_file();

			assert_int_equal(ftruncate(fd, cases[c].size), 0);
			assert_int_equal(cfs_verity_new(alg, &ctx), 0);
			for (size_t r = 0; r < 3 && cases[c].data[r].data; r++) {
				const struct region *g = &cases[c].data[r];

				assert_true(g->len <= (off_t)sizeof(buf));
				fill(buf, (size_t)g->len, (uint32_t)r);
				write_at(fd, buf, (size_t)g->len, g->off);
				assert_int_equal(cfs_verity_update_zeros(ctx, (uint64_t)(g->off - at)), 0);
				assert_int_equal(cfs_verity_update(ctx, buf, (size_t)g->len), 0);
				at = g->off + g->len;
			}
			assert_int_equal(cfs_verity_update_zeros(ctx, (uint64_t)(cases[c].size - at)), 0);
			assert_int_equal(cfs_verity_final(ctx, want), 0);
			cfs_verity_free(ctx);
			check_file(fd, alg, want, cases[c].what);
			close(fd);
		}
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
	assert_int_equal(cfs_verity_digest_fd(CFS_HASH_SHA256, fd, 0, digest), -EISDIR);
	assert_string_equal(capture_end(), "");
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_streaming_splits),
		cmocka_unit_test(test_update_zeros),
		cmocka_unit_test(test_file_sizes),
		cmocka_unit_test(test_sparse_files),
		cmocka_unit_test(test_hash_names),
		cmocka_unit_test(test_read_failure_logged_once),
	};
	return cmocka_run_group_tests_name("fsverity", tests, NULL, NULL);
}
