/* SPDX-License-Identifier: MIT */
/*
 * xxHash32: the 32-bit non-cryptographic hash EROFS uses for its xattr name
 * filter (a per-inode bloom filter of one 32-bit word).  Only the one-shot
 * form is needed: names are short and hashed once.
 */
#ifndef CFS_XXHASH_H
#define CFS_XXHASH_H

#include <stddef.h>
#include <stdint.h>

uint32_t cfs_xxh32(const void *data, size_t len, uint32_t seed);

#endif
