/* SPDX-License-Identifier: MIT */
/*
 * The composefs image writer: turns a tree (from a directory scan or a dump
 * file) into the bytes of an image, byte for byte what mkcomposefs 1.0.x
 * writes for the same tree and format version.  The layout rules are in
 * docs/image-format.md; format.h has the structures.
 *
 * The tree is not modified, apart from the nid/ino scratch fields of its
 * nodes, which say where each inode went.
 */
#ifndef CFS_WRITER_H
#define CFS_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "lib/image/tree.h"

struct writer_options {
	/* The writer uses min_version, or 1 when the tree holds a whiteout
	 * and max_version allows it.  min_version <= max_version <= 1. */
	unsigned min_version, max_version;
};

struct writer_image {
	uint8_t *data;              /* malloc'd; size is a multiple of 4096 */
	size_t size;
	unsigned version;           /* the format version used */
};

int writer_build(struct cfs_node *root, const struct writer_options *opts,
		 struct writer_image *image);
void writer_image_free(struct writer_image *image);

#endif
