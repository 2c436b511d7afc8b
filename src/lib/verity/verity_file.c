// SPDX-License-Identifier: MIT
/*
 * The fs-verity digest of a file, read from its descriptor.
 *
 * Reads go through a buffer small enough to stay in the L2 cache
 * (VERITY_READ_CHUNK): the kernel's copy out of the page cache and the
 * hashing that follows then both hit the cache, where a buffer of
 * megabytes made every copy a trip to memory and cost more system time
 * than the hashing saved in calls.
 *
 * A large file is hashed on several threads: its data blocks are split
 * into pieces of VERITY_PIECE bytes, each thread hashes whole pieces into
 * their place in an array of level-0 hashes, and the caller's thread then
 * builds the levels above, which are 1/128 (SHA-256) of the work.  The
 * array covers one window of the file at a time, so memory stays bounded
 * whatever the file's size.  Files below CFS_VERITY_SPLIT_MIN take the
 * same path on the caller's thread alone, without starting any thread.
 *
 * Holes read as zeros, so whole blocks inside a hole are added by the
 * hash of a zero block instead of being read; files are looked at for
 * holes only when they have fewer blocks allocated than their size needs.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/base/workers.h"
#include "lib/image/format.h"
#include "lib/verity/fsverity.h"
#include "lib/verity/tree.h"

#define VERITY_READ_CHUNK (128u << 10)
#define VERITY_PIECE      ((off_t)1 << 20)     /* one job of a thread */
#define VERITY_WINDOW     ((off_t)256 << 20)   /* whose level-0 hashes are held at once */

static_assert(VERITY_READ_CHUNK % CFS_BLOCK_SIZE == 0 && VERITY_PIECE % VERITY_READ_CHUNK == 0 &&
	      VERITY_WINDOW % VERITY_PIECE == 0, "pieces are whole blocks and chunks");

struct file_read {
	int fd;
	off_t size;
	bool sparse;                /* may have holes: look for them */
};

/* A failed read of the file named name, logged unless name is NULL. */
static int read_failed(const char *name, int err)
{
	if (!name)
		return err;
	return log_errno(err, "cannot read %s for its fs-verity digest: %m", name);
}

/* Reads exactly len bytes at off; the error is returned unlogged. */
static int read_exactly(int fd, uint8_t *buf, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t n = pread(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;        /* the file shrank while we read it */
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* Where the data at or after off ends for hashing: the end of the range,
 * or, in a sparse file, the next hole.  *zeros is set to the whole blocks
 * of hole that start at off. */
static off_t next_extent(const struct file_read *f, off_t off, off_t end, off_t *zeros)
{
	off_t data, hole;

	*zeros = 0;
	if (!f->sparse)
		return end;
	data = lseek(f->fd, off, SEEK_DATA);
	if (data < 0 && errno == ENXIO)
		data = end;             /* only a hole remains */
	else if (data < 0)
		return end;             /* no SEEK_DATA: read it all */
	data = MIN(data, end);
	*zeros = (data - off) / CFS_BLOCK_SIZE * CFS_BLOCK_SIZE;
	if (*zeros > 0)
		return off + *zeros;
	hole = lseek(f->fd, off, SEEK_HOLE);
	if (hole <= off || hole > end)
		return end;
	return MIN(ROUND_UP(hole, (off_t)CFS_BLOCK_SIZE), end);
}

/*
 * Hashes the blocks of [off, end) into out, one hash after the other.  off
 * is at a block; end is too, or is the end of the file, whose last block
 * is hashed padded with zeros as the kernel does.  A failed read is
 * returned unlogged with *read_error set; everything else is logged.
 */
static int hash_range(struct cfs_verity_hasher *h, const struct file_read *f, off_t off, off_t end,
		      uint8_t *out, bool *read_error)
{
	uint8_t buf[VERITY_READ_CHUNK] __attribute__((aligned(64)));
	int r;

	while (off < end) {
		off_t zeros, stop = next_extent(f, off, end, &zeros);

		for (; zeros > 0; zeros -= CFS_BLOCK_SIZE, off += CFS_BLOCK_SIZE, out += h->size)
			memcpy(out, h->zero_hash, h->size);
		while (off < stop) {
			size_t len = (size_t)MIN((off_t)sizeof(buf), stop - off);

			r = read_exactly(f->fd, buf, len, off);
			if (r < 0) {
				*read_error = true;
				return r;
			}
			if (len % CFS_BLOCK_SIZE)
				memset(buf + len, 0, CFS_BLOCK_SIZE - len % CFS_BLOCK_SIZE);
			for (size_t b = 0; b < len; b += CFS_BLOCK_SIZE, out += h->size) {
				r = cfs_verity_hash(h, buf + b, CFS_BLOCK_SIZE, out);
				if (r < 0)
					return r;
			}
			off += (off_t)len;
		}
	}
	return 0;
}

/* The pieces of one window, hashed by several threads. */
struct window {
	const struct cfs_verity_ctx *ctx;
	const struct file_read *f;
	off_t start, end;
	uint8_t *hashes;
	atomic_bool read_error;
};

static int hash_piece(size_t i, void *userdata)
{
	struct window *w = userdata;
	off_t off = w->start + (off_t)i * VERITY_PIECE;
	struct cfs_verity_hasher h;
	bool read_error = false;
	int r;

	r = cfs_verity_hasher_init(&h, w->ctx);
	if (r < 0)
		return r;
	r = hash_range(&h, w->f, off, MIN(off + VERITY_PIECE, w->end),
		       w->hashes + (size_t)((off - w->start) / CFS_BLOCK_SIZE) * h.size, &read_error);
	cfs_verity_hasher_done(&h);
	if (read_error)
		atomic_store(&w->read_error, true);
	return r;
}

/* The size to digest and whether to look for holes. */
static int file_size(struct file_read *f)
{
	struct stat st;

	if (fstat(f->fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode)) {
		f->size = st.st_size;
		f->sparse = (off_t)st.st_blocks * 512 < st.st_size;
		return 0;
	}
	/* A block device has its size at its end. */
	f->size = lseek(f->fd, 0, SEEK_END);
	return f->size < 0 ? -errno : 0;
}

static int digest_fd(enum cfs_hash_alg alg, int fd, const char *name, unsigned threads,
		     uint8_t *digest)
{
	struct file_read f = { .fd = fd };
	struct cfs_verity_ctx *ctx = NULL;
	_cleanup_free_ uint8_t *hashes = NULL;
	bool read_error = false;
	size_t hash_size;
	int r;

	r = file_size(&f);
	if (r < 0)
		return read_failed(name, r);
	r = cfs_verity_new(alg, &ctx);
	if (r < 0)
		return r;
	hash_size = cfs_verity_tree_hash_size(ctx);
	if (f.sparse) {
		r = cfs_verity_tree_zero_hash(ctx);
		if (r < 0) {
			cfs_verity_free(ctx);
			return r;
		}
	}
	if (f.size < CFS_VERITY_SPLIT_MIN)
		threads = 1;
	else if (threads == 0)
		threads = cfs_workers_default_threads();
	hashes = malloc((size_t)DIV_ROUND_UP(MIN(f.size, VERITY_WINDOW), (off_t)CFS_BLOCK_SIZE) *
			hash_size + 1);
	if (!hashes) {
		cfs_verity_free(ctx);
		return log_oom();
	}
	for (off_t start = 0; start < f.size; start += VERITY_WINDOW) {
		struct window w = { .ctx = ctx, .f = &f, .start = start,
				    .end = MIN(f.size, start + VERITY_WINDOW), .hashes = hashes };
		size_t blocks = (size_t)DIV_ROUND_UP(w.end - w.start, (off_t)CFS_BLOCK_SIZE);
		struct cfs_verity_hasher h;

		if (threads > 1) {
			r = cfs_workers_run((size_t)DIV_ROUND_UP(w.end - w.start, VERITY_PIECE), threads,
					hash_piece, &w);
			read_error = atomic_load(&w.read_error);
		} else {
			r = cfs_verity_hasher_init(&h, ctx);
			if (r >= 0)
				r = hash_range(&h, &f, w.start, w.end, hashes, &read_error);
			cfs_verity_hasher_done(&h);
		}
		if (r >= 0)
			r = cfs_verity_tree_add_hashes(ctx, hashes, blocks, (uint64_t)(w.end - w.start));
		if (r < 0)
			break;
	}
	if (r >= 0)
		r = cfs_verity_final(ctx, digest);
	cfs_verity_free(ctx);
	return read_error ? read_failed(name, r) : r;
}

int cfs_verity_digest_file(enum cfs_hash_alg alg, int fd, const char *name, uint8_t *digest)
{
	return digest_fd(alg, fd, name, 0, digest);
}

int cfs_verity_digest_fd(enum cfs_hash_alg alg, int fd, unsigned threads, uint8_t *digest)
{
	return digest_fd(alg, fd, NULL, threads, digest);
}
