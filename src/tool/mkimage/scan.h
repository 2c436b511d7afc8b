/* SPDX-License-Identifier: MIT */
/*
 * Reads a directory into a tree, as mkcomposefs does: the metadata of every
 * entry (lstat, xattrs, symlink targets, never following a link), the
 * content of files of 1..64 bytes (they are inlined in the image), and the
 * fs-verity digest of larger files (they go to the object store; their
 * payload is the object's name "ab/cdef...").
 */
#ifndef CFS_SCAN_H
#define CFS_SCAN_H

#include <stdbool.h>

#include "lib/image/tree.h"

struct scan_options {
	bool use_epoch;             /* every mtime 0 */
	/* Keep hardlinks as hardlink entries of one inode whose nlink counts
	 * its names in the tree.  mkcomposefs makes each name its own inode,
	 * so this changes the image and its digest. */
	bool hardlinks;
	unsigned threads;           /* for hashing; the tree does not depend on it */
	enum cfs_hash_alg alg;      /* of the digests naming the objects */
};

/* Every node of the tree is sorted by name; regular files keep src_path. */
int scan_tree(const char *path, const struct scan_options *opts, struct cfs_node **root);

#endif
