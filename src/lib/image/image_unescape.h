/* SPDX-License-Identifier: MIT */
/* Undoing what the writer adds to a tree for overlayfs (image_unescape.c). */
#ifndef CFS_IMAGE_UNESCAPE_H
#define CFS_IMAGE_UNESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/image/image.h"

/* Undoes the writer's overlayfs encoding on a tree read from img.  linked:
 * the nids of hard-linked inodes, increasing. */
int cfs_tree_unescape(const struct cfs_image_file *img, struct cfs_node *root,
		      const uint64_t *linked, size_t n_linked);

#endif
