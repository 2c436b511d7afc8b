/* SPDX-License-Identifier: MIT */
/*
 * fs-verity file digests computed in user space, exactly as the kernel and
 * `fsverity digest` compute them: a Merkle tree over 4096-byte blocks, no
 * salt, and the digest of the 256-byte descriptor that names its root.
 * The composefs digest of an image and the name of every store object are
 * such digests.
 */
#ifndef CFS_FSVERITY_H
#define CFS_FSVERITY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* FS_VERITY_HASH_ALG_* from <linux/fsverity.h> */
enum cfs_hash_alg {
	CFS_HASH_SHA256 = 1,
	CFS_HASH_SHA512 = 2,
};

#define CFS_MAX_DIGEST_SIZE 64
#define CFS_SHA256_DIGEST_SIZE 32

struct cfs_verity_ctx;

/* Size in bytes of the digest of alg, or 0 for an unknown algorithm. */
size_t cfs_hash_digest_size(enum cfs_hash_alg alg);
/* "sha256" / "sha512", or NULL. */
const char *cfs_hash_name(enum cfs_hash_alg alg);
/* Parses "sha256" / "sha512"; -EINVAL otherwise. */
int cfs_hash_from_name(const char *name, enum cfs_hash_alg *alg);

/* Incremental digest: new, then update with the file's bytes in order, then
 * final.  update_zeros() adds len zero bytes without reading them, which is
 * how holes of sparse files are digested quickly. */
int cfs_verity_new(enum cfs_hash_alg alg, struct cfs_verity_ctx **ctx);
int cfs_verity_update(struct cfs_verity_ctx *ctx, const void *data, size_t len);
int cfs_verity_update_zeros(struct cfs_verity_ctx *ctx, uint64_t len);
int cfs_verity_final(struct cfs_verity_ctx *ctx, uint8_t *digest);
void cfs_verity_free(struct cfs_verity_ctx *ctx);

/* Files from this size on are hashed on several threads (cfs_verity_digest_fd()):
 * below it, starting a thread costs more than it saves. */
#define CFS_VERITY_SPLIT_MIN ((off_t)4 << 20)

/* Digest of a whole buffer or of an open file from offset 0 to EOF, a
 * large file on one thread per CPU.  Returns 0 or a negative errno,
 * logged: a failed read as "cannot read NAME for its fs-verity digest", so
 * callers do not log it again. */
int cfs_verity_digest_buf(enum cfs_hash_alg alg, const void *data, size_t len, uint8_t *digest);
int cfs_verity_digest_file(enum cfs_hash_alg alg, int fd, const char *name, uint8_t *digest);
/* The same on at most threads threads (0: one per CPU, 1: the caller's
 * alone), with a failed read of fd returned unlogged (everything else is
 * logged), for a caller that reports each file's failure in its own form,
 * as fsck counts damaged objects. */
int cfs_verity_digest_fd(enum cfs_hash_alg alg, int fd, unsigned threads, uint8_t *digest);

/* The formatted digest (the kernel's struct fsverity_formatted_digest):
 * "FSVerity", le16 algorithm, le16 digest size, then the digest.  It is the
 * payload of fs-verity built-in signatures, of `fsverity sign` and of
 * cfsboot's image signatures.  Writes at most CFS_VERITY_FORMATTED_MAX
 * bytes to out; -EINVAL for an unknown algorithm. */
#define CFS_VERITY_FORMATTED_MAX (8 + 2 + 2 + CFS_MAX_DIGEST_SIZE)
int cfs_verity_formatted_digest(enum cfs_hash_alg alg, const uint8_t *digest,
				uint8_t *out, size_t *out_len);

#endif
