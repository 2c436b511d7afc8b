/* SPDX-License-Identifier: MIT */
/*
 * The kernel's fs-verity measurement of an open file (FS_IOC_MEASURE_VERITY):
 * the digest the kernel checks every page read from the file against, so
 * unlike a digest computed in user space it stays true of the content.
 */
#ifndef CFS_VERITY_MEASURE_H
#define CFS_VERITY_MEASURE_H

#include <stdint.h>

#include "lib/verity/fsverity.h"

struct cfs_verity_digest {
	enum cfs_hash_alg alg;              /* 0: none */
	uint8_t bytes[CFS_MAX_DIGEST_SIZE];
};

/*
 * Returns 1 with *alg and digest (CFS_MAX_DIGEST_SIZE bytes, zero after
 * the digest) filled, 0 when the file has no fs-verity (or its file system
 * none at all), -EPROTO for a digest algorithm cfsboot does not know (*alg
 * names it), or another negative errno.  Does not log: whether a file
 * without fs-verity is fine is the caller's call.
 */
int cfs_verity_measure(int fd, enum cfs_hash_alg *alg, uint8_t *digest);

#endif
