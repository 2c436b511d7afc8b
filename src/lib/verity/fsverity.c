// SPDX-License-Identifier: MIT
/*
 * The Merkle tree is built bottom-up while the data streams in.  Level 0
 * collects the hashes of the data blocks, level 1 the hashes of full level-0
 * blocks, and so on.  A level's block is hashed into the level above only
 * when the next hash arrives, so at the end a level that never overflowed
 * holds the whole top of the tree.
 */
#include "lib/verity/fsverity.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/image/format.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/verity/tree.h"

#define VERITY_MAX_LEVELS 12    /* enough for 2^64 bytes with SHA-512 */

struct verity_descriptor {
	uint8_t  version;           /* 1 */
	uint8_t  hash_algorithm;
	uint8_t  log_blocksize;     /* 12 */
	uint8_t  salt_size;         /* 0 */
	uint32_t reserved1;
	uint64_t data_size;         /* little-endian */
	uint8_t  root_hash[64];
	uint8_t  salt[32];
	uint8_t  reserved2[144];
};
static_assert(sizeof(struct verity_descriptor) == 256, "fs-verity descriptor is 256 bytes");

/* The buffers come last and are not cleared on allocation (a digest per
 * small file of a tree would clear 50 KiB each time): nothing is read
 * from them that was not written first. */
struct cfs_verity_ctx {
	enum cfs_hash_alg alg;
	EVP_MD *md;                      /* fetched once: an implicit fetch per block is slow */
	struct cfs_verity_hasher h;      /* the caller's thread's */
	size_t hash_size;
	uint64_t data_size;
	size_t data_len;
	bool has_zero_hash;              /* computed when first needed: most files have no hole */
	uint8_t zero_block_hash[CFS_MAX_DIGEST_SIZE];
	size_t level_len[VERITY_MAX_LEVELS];
	uint64_t level_count[VERITY_MAX_LEVELS]; /* hashes ever added to the level */
	uint8_t data[CFS_BLOCK_SIZE];    /* the partial data block */
	uint8_t level[VERITY_MAX_LEVELS][CFS_BLOCK_SIZE];
};

size_t cfs_hash_digest_size(enum cfs_hash_alg alg)
{
	switch (alg) {
	case CFS_HASH_SHA256:
		return 32;
	case CFS_HASH_SHA512:
		return 64;
	}
	return 0;
}

const char *cfs_hash_name(enum cfs_hash_alg alg)
{
	switch (alg) {
	case CFS_HASH_SHA256:
		return "sha256";
	case CFS_HASH_SHA512:
		return "sha512";
	}
	return NULL;
}

int cfs_hash_from_name(const char *name, enum cfs_hash_alg *alg)
{
	if (strcmp(name, "sha256") == 0)
		*alg = CFS_HASH_SHA256;
	else if (strcmp(name, "sha512") == 0)
		*alg = CFS_HASH_SHA512;
	else
		return -EINVAL;
	return 0;
}

int cfs_verity_hash(struct cfs_verity_hasher *h, const void *data, size_t len, uint8_t *out)
{
	if (EVP_DigestInit_ex(h->md_ctx, h->md, NULL) != 1 ||
	    EVP_DigestUpdate(h->md_ctx, data, len) != 1 ||
	    EVP_DigestFinal_ex(h->md_ctx, out, NULL) != 1)
		return log_errno(-EIO, "the %s implementation failed", cfs_hash_name(h->alg));
	return 0;
}

int cfs_verity_hasher_init(struct cfs_verity_hasher *h, const struct cfs_verity_ctx *ctx)
{
	*h = (struct cfs_verity_hasher){ .alg = ctx->alg, .size = ctx->hash_size, .md = ctx->md,
				     .zero_hash = ctx->zero_block_hash };
	h->md_ctx = EVP_MD_CTX_new();
	if (!h->md_ctx)
		return log_errno(-ENOMEM, "cannot set up %s from OpenSSL", cfs_hash_name(ctx->alg));
	return 0;
}

void cfs_verity_hasher_done(struct cfs_verity_hasher *h)
{
	EVP_MD_CTX_free(h->md_ctx);
	h->md_ctx = NULL;
}

size_t cfs_verity_tree_hash_size(const struct cfs_verity_ctx *ctx)
{
	return ctx->hash_size;
}

int cfs_verity_tree_zero_hash(struct cfs_verity_ctx *ctx)
{
	static const uint8_t zeros[CFS_BLOCK_SIZE];
	int r;

	if (ctx->has_zero_hash)
		return 0;
	r = cfs_verity_hash(&ctx->h, zeros, sizeof(zeros), ctx->zero_block_hash);
	ctx->has_zero_hash = r == 0;
	return r;
}

static int hash_block(struct cfs_verity_ctx *ctx, const void *block, size_t len, uint8_t *out)
{
	return cfs_verity_hash(&ctx->h, block, len, out);
}

static int level_add(struct cfs_verity_ctx *ctx, unsigned lvl, const uint8_t *hash)
{
	int r;

	if (lvl >= VERITY_MAX_LEVELS)
		return log_errno(-EFBIG, "file too large for an fs-verity tree");
	if (ctx->level_len[lvl] == CFS_BLOCK_SIZE) {
		uint8_t up[CFS_MAX_DIGEST_SIZE];

		r = hash_block(ctx, ctx->level[lvl], CFS_BLOCK_SIZE, up);
		if (r < 0)
			return r;
		r = level_add(ctx, lvl + 1, up);
		if (r < 0)
			return r;
		ctx->level_len[lvl] = 0;
	}
	memcpy(ctx->level[lvl] + ctx->level_len[lvl], hash, ctx->hash_size);
	ctx->level_len[lvl] += ctx->hash_size;
	ctx->level_count[lvl]++;
	return 0;
}

static int add_data_block(struct cfs_verity_ctx *ctx, const uint8_t *block)
{
	uint8_t hash[CFS_MAX_DIGEST_SIZE];
	int r = hash_block(ctx, block, CFS_BLOCK_SIZE, hash);

	return r < 0 ? r : level_add(ctx, 0, hash);
}

int cfs_verity_new(enum cfs_hash_alg alg, struct cfs_verity_ctx **out)
{
	struct cfs_verity_ctx *ctx;
	int r;

	if (!cfs_hash_digest_size(alg))
		return log_errno(-EINVAL, "unknown fs-verity hash algorithm %d", alg);
	ctx = malloc(sizeof(*ctx));
	if (!ctx)
		return log_oom();
	memset(ctx, 0, offsetof(struct cfs_verity_ctx, data));
	ctx->alg = alg;
	ctx->hash_size = cfs_hash_digest_size(alg);
	ctx->md = EVP_MD_fetch(NULL, alg == CFS_HASH_SHA256 ? "SHA256" : "SHA512", NULL);
	if (!ctx->md) {
		cfs_verity_free(ctx);
		return log_errno(-ENOMEM, "cannot set up %s from OpenSSL", cfs_hash_name(alg));
	}
	r = cfs_verity_hasher_init(&ctx->h, ctx);
	if (r < 0) {
		cfs_verity_free(ctx);
		return r;
	}
	*out = ctx;
	return 0;
}

void cfs_verity_free(struct cfs_verity_ctx *ctx)
{
	if (!ctx)
		return;
	cfs_verity_hasher_done(&ctx->h);
	EVP_MD_free(ctx->md);
	free(ctx);
}

int cfs_verity_update(struct cfs_verity_ctx *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;
	int r;

	ctx->data_size += len;
	if (ctx->data_len > 0) {
		size_t n = MIN(len, CFS_BLOCK_SIZE - ctx->data_len);

		memcpy(ctx->data + ctx->data_len, p, n);
		ctx->data_len += n;
		p += n;
		len -= n;
		if (ctx->data_len < CFS_BLOCK_SIZE)
			return 0;
		r = add_data_block(ctx, ctx->data);
		if (r < 0)
			return r;
		ctx->data_len = 0;
	}
	for (; len >= CFS_BLOCK_SIZE; p += CFS_BLOCK_SIZE, len -= CFS_BLOCK_SIZE) {
		r = add_data_block(ctx, p);
		if (r < 0)
			return r;
	}
	memcpy(ctx->data, p, len);
	ctx->data_len = len;
	return 0;
}

int cfs_verity_update_zeros(struct cfs_verity_ctx *ctx, uint64_t len)
{
	static const uint8_t zeros[CFS_BLOCK_SIZE];
	int r;

	/* Fill the partial block, then add whole zero blocks by their
	 * hash, computed once, then start the next partial block. */
	r = cfs_verity_tree_zero_hash(ctx);
	if (r < 0)
		return r;
	if (ctx->data_len > 0) {
		size_t n = (size_t)MIN(len, (uint64_t)(CFS_BLOCK_SIZE - ctx->data_len));

		r = cfs_verity_update(ctx, zeros, n);
		if (r < 0)
			return r;
		len -= n;
	}
	for (; len >= CFS_BLOCK_SIZE; len -= CFS_BLOCK_SIZE) {
		r = level_add(ctx, 0, ctx->zero_block_hash);
		if (r < 0)
			return r;
		ctx->data_size += CFS_BLOCK_SIZE;
	}
	return cfs_verity_update(ctx, zeros, (size_t)len);
}

int cfs_verity_tree_add_hashes(struct cfs_verity_ctx *ctx, const uint8_t *hashes, size_t n,
			   uint64_t len)
{
	for (size_t i = 0; i < n; i++) {
		int r = level_add(ctx, 0, hashes + i * ctx->hash_size);

		if (r < 0)
			return r;
	}
	ctx->data_size += len;
	return 0;
}

int cfs_verity_final(struct cfs_verity_ctx *ctx, uint8_t *digest)
{
	struct verity_descriptor desc = {
		.version = 1,
		.hash_algorithm = (uint8_t)ctx->alg,
		.log_blocksize = CFS_BLOCK_BITS,
	};
	int r;

	if (ctx->data_len > 0) {
		memset(ctx->data + ctx->data_len, 0, CFS_BLOCK_SIZE - ctx->data_len);
		r = add_data_block(ctx, ctx->data);
		if (r < 0)
			return r;
		ctx->data_len = 0;
	}

	/* An empty file has an all-zero root hash; a one-block file's root is
	 * that block's hash; otherwise climb to the first level that fits in
	 * one block, hashing each unfinished level into the next. */
	if (ctx->level_count[0] == 1) {
		memcpy(desc.root_hash, ctx->level[0], ctx->hash_size);
	} else if (ctx->level_count[0] > 1) {
		unsigned lvl = 0;

		for (;; lvl++) {
			uint8_t up[CFS_MAX_DIGEST_SIZE];

			memset(ctx->level[lvl] + ctx->level_len[lvl], 0,
			       CFS_BLOCK_SIZE - ctx->level_len[lvl]);
			r = hash_block(ctx, ctx->level[lvl], CFS_BLOCK_SIZE, up);
			if (r < 0)
				return r;
			if (ctx->level_count[lvl] * ctx->hash_size <= CFS_BLOCK_SIZE) {
				memcpy(desc.root_hash, up, ctx->hash_size);
				break;
			}
			r = level_add(ctx, lvl + 1, up);
			if (r < 0)
				return r;
		}
	}
	put_le64(&desc.data_size, ctx->data_size);
	return hash_block(ctx, &desc, sizeof(desc), digest);
}

int cfs_verity_digest_buf(enum cfs_hash_alg alg, const void *data, size_t len, uint8_t *digest)
{
	struct cfs_verity_ctx *ctx;
	int r = cfs_verity_new(alg, &ctx);

	if (r < 0)
		return r;
	r = cfs_verity_update(ctx, data, len);
	if (r >= 0)
		r = cfs_verity_final(ctx, digest);
	cfs_verity_free(ctx);
	return r;
}

int cfs_verity_formatted_digest(enum cfs_hash_alg alg, const uint8_t *digest,
				uint8_t *out, size_t *out_len)
{
	size_t size = cfs_hash_digest_size(alg);

	if (!size)
		return log_errno(-EINVAL, "unknown fs-verity hash algorithm %d", alg);
	memcpy(out, "FSVerity", 8);
	put_le16(out + 8, (uint16_t)alg);
	put_le16(out + 10, (uint16_t)size);
	memcpy(out + 12, digest, size);
	*out_len = 12 + size;
	return 0;
}
