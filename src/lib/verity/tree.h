/* SPDX-License-Identifier: MIT */
/*
 * Inside lib/verity: what the file reader (verity_file.c) needs of the
 * tree builder (fsverity.c) to hash a file's data blocks on several
 * threads and hand the tree their hashes in order.
 */
#ifndef CFS_VERITY_TREE_H
#define CFS_VERITY_TREE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "lib/verity/fsverity.h"

/* One thread's hashing of whole blocks: an EVP context of its own over the
 * digest fetched once by the tree's context. */
struct cfs_verity_hasher {
	enum cfs_hash_alg alg;
	size_t size;                /* of a hash */
	const EVP_MD *md;           /* borrowed: the tree context's */
	EVP_MD_CTX *md_ctx;
	const uint8_t *zero_hash;   /* of a block of zeros, borrowed (cfs_verity_tree_zero_hash()) */
};

/* A hasher for another thread, sharing ctx's digest and zero-block hash;
 * ctx must outlive it. */
int cfs_verity_hasher_init(struct cfs_verity_hasher *h, const struct cfs_verity_ctx *ctx);
void cfs_verity_hasher_done(struct cfs_verity_hasher *h);
int cfs_verity_hash(struct cfs_verity_hasher *h, const void *data, size_t len, uint8_t *out);

/* Computes the hash of a zero block, which hashers use for holes, unless
 * done already: before other threads read it. */
int cfs_verity_tree_zero_hash(struct cfs_verity_ctx *ctx);

/* The hash size of the tree's algorithm. */
size_t cfs_verity_tree_hash_size(const struct cfs_verity_ctx *ctx);

/* Adds the hashes of the next n data blocks, len bytes of data: whole
 * blocks, but for the file's last block, which was hashed padded with
 * zeros (then len < n * 4096 and nothing may follow).  The context must
 * be at a block boundary. */
int cfs_verity_tree_add_hashes(struct cfs_verity_ctx *ctx, const uint8_t *hashes, size_t n,
			   uint64_t len);

#endif
