/* SPDX-License-Identifier: MIT */
/*
 * <store>/meta.json, composefs-rs's repository metadata (its
 * doc/repository.md):
 *
 *   { "version": 1, "algorithm": "fsverity-sha512-12",
 *     "features": { "compatible": [], "read-only-compatible": [],
 *                   "incompatible": [] } }
 *
 * version is the repository format (we know 1 and refuse a higher one),
 * algorithm "fsverity-<sha256|sha512>-12" the fs-verity hash and log2 block
 * size that name every object and image, and the three feature lists follow
 * the ext4 model: a compatible feature is ignored, an unknown
 * read-only-compatible one forbids writing, an unknown incompatible one
 * forbids using the store at all.  We know no feature yet.  Members we do
 * not know are ignored, as composefs-rs ignores them.
 *
 * cfs-pivot reads the file from a disk nothing has verified, so the parser
 * takes any bytes (tests/fuzz/fuzz_store_meta.c).  A store without the
 * file (cfsboot before it, composefs-rs before 0.7) is read as before: the
 * length of a digest says its algorithm.
 */
#ifndef CFS_STORE_META_H
#define CFS_STORE_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/verity/fsverity.h"

#define CFS_STORE_META         "meta.json"
#define CFS_STORE_META_VERSION 1u
#define CFS_STORE_META_MAX     65536u   /* bytes; composefs-rs writes about 150 */
#define CFS_STORE_FEATURE_MAX  64u      /* a feature's name shown in a message */

struct cfs_store_meta {
	uint64_t version;
	enum cfs_hash_alg alg;
	/* An unknown read-only-compatible feature: the store may be read, and
	 * written by nothing of ours.  Its name, for the writer's refusal. */
	char read_only[CFS_STORE_FEATURE_MAX];
};

/*
 * Parses the text of meta.json; name says where it is in messages.
 * Returns 0, or after one line: -EBADMSG when it is not such a document,
 * -EPROTONOSUPPORT for a version, algorithm or incompatible feature we do
 * not support.
 */
int cfs_store_meta_parse(const char *text, size_t len, const char *name,
			 struct cfs_store_meta *m);

/*
 * Reads meta.json beneath store_fd (a regular file, no link: beneath.h);
 * store names the store in messages.  Returns 1 with *m filled, 0 when the
 * store has no meta.json (*m zeroed), or a negative errno after one line.
 */
int cfs_store_meta_read(int store_fd, const char *store, struct cfs_store_meta *m);

/* Refuses, in one line, an image digest of alg in a store whose meta.json
 * (read as m, 0 when absent: anything goes) names another algorithm;
 * what names the digest ("composefs.digest=", "--hash sha512").
 * Returns 0 or -EPROTONOSUPPORT. */
int cfs_store_meta_check_alg(const struct cfs_store_meta *m, enum cfs_hash_alg alg,
			     const char *store, const char *what);

/* Refuses, in one line, writing to a store whose meta.json has a
 * read-only-compatible feature we do not know.  Returns 0 or -EROFS. */
int cfs_store_meta_check_writable(const struct cfs_store_meta *m, const char *store);

/* The text of meta.json for a new store of alg, as composefs-rs writes it
 * (pretty-printed, two-space indent, a newline at the end); malloc'd, NULL
 * when out of memory. */
char *cfs_store_meta_format(enum cfs_hash_alg alg);

#endif
