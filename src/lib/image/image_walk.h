/* SPDX-License-Identifier: MIT */
/* The breadth-first walk of an image's tree with the checks that bound
 * it (image_walk.c). */
#ifndef CFS_IMAGE_WALK_H
#define CFS_IMAGE_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/image/image.h"

struct cfs_walk_entry {
	void *parent;               /* the cookie the parent directory got */
	uint64_t parent_nid;
	const char *name;           /* NULL for the root */
	size_t name_len;
	const struct cfs_inode *inode;
	bool first;                 /* the first entry reaching this inode */
	unsigned int depth;         /* 0 for the root */
	uint64_t seq;               /* position in breadth-first order, root 0 */
};

/* Called for every entry but "." and ".." (whose targets are checked),
 * breadth-first, entries of a directory in name order.  For a directory,
 * *cookie may be set; it comes back as parent for its entries.  A negative
 * return stops the walk and is returned. */
typedef int (*cfs_walk_fn)(const struct cfs_walk_entry *e, void **cookie, void *userdata);

int cfs_image_walk(const struct cfs_image_file *img, cfs_walk_fn fn, void *userdata);

#endif
