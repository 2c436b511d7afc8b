/* SPDX-License-Identifier: MIT */
/* An image's whole tree as struct cfs_node (image_tree.c). */
#ifndef CFS_IMAGE_TREE_H
#define CFS_IMAGE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/image/image.h"

/*
 * Builds the tree the image was written from, as a dump file describes it:
 * the overlayfs encoding the writer added is undone (image_unescape.c), a
 * hard-linked inode becomes one node and link_to entries, names are sorted.
 * Memory is bounded by a multiple of the image size.
 */
int cfs_image_read_tree(const struct cfs_image_file *img, struct cfs_node **root);

/* Sorts a node's xattrs by name; a name that appears twice is -EUCLEAN. */
int cfs_tree_sort_xattrs(const struct cfs_image_file *img, struct cfs_node *node);

#endif
