/* SPDX-License-Identifier: MIT */
/*
 * The identity of a composefs image as the kernel command line spells it:
 * the fs-verity digest of the image file, either as bare hex or in the
 * self-describing composefs-rs form "v1-<hash>-<log2 block size>:<hex>".
 */
#ifndef CFS_PIVOT_DIGEST_H
#define CFS_PIVOT_DIGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/verity/fsverity.h"

struct pivot_digest {
	enum cfs_hash_alg alg;            /* 0 while no digest is known */
	uint8_t bytes[CFS_MAX_DIGEST_SIZE];
};

/* Longest hex spelling plus its terminator. */
#define PIVOT_DIGEST_HEX_MAX (2 * CFS_MAX_DIGEST_SIZE + 1)

/*
 * Parses the value of a digest word:
 *   <64 hex>                 sha256 (mkcomposefs images)
 *   <128 hex>                sha512 (composefs-rs repositories)
 *   v1-sha256-12:<64 hex>    the same, self-describing
 *   v1-sha512-12:<128 hex>
 * Hex is case-insensitive.  A leading '?' (composefs-rs: "fs-verity
 * optional") is accepted and reported through *optional; it changes
 * nothing else.  key names the word in the one error line logged on
 * refusal; returns 0 or -EINVAL.
 */
int pivot_digest_parse(const char *key, const char *value, struct pivot_digest *d,
		       bool *optional);

bool pivot_digest_equal(const struct pivot_digest *a, const struct pivot_digest *b);

/* Lowercase hex of the digest into out (PIVOT_DIGEST_HEX_MAX bytes). */
void pivot_digest_hex(const struct pivot_digest *d, char *out);

#endif
