/* SPDX-License-Identifier: MIT */
/*
 * Files deploy takes out of an image: the kernel, the initramfs and the
 * kernel arguments it ships.  The image pins each file's content by its
 * fs-verity digest, so what is read from the store is checked against
 * that digest before anyone uses it: the bytes copied to the boot
 * partition are the bytes the signature vouched for.
 */
#ifndef CFSBOOT_IMAGE_FILE_H
#define CFSBOOT_IMAGE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/image/tree.h"

/* An image of the store, its tree read whole, and the store's objects. */
struct image_tree {
	struct cfs_node *root;
	char *name;                 /* the image's path, for messages */
	char *objects;              /* the objects directory, for messages */
	int objects_fd;
};

/* Reads the image hex of the store.  0 or a negative errno, logged. */
int image_tree_open(const char *store, const char *hex, struct image_tree *t);
void image_tree_close(struct image_tree *t);

/* The node at the absolute path in the tree, following no link; NULL
 * when there is none.  image_file_find(): the same, a regular file. */
const struct cfs_node *image_node_find(const struct cfs_node *root, const char *path);
const struct cfs_node *image_file_find(const struct cfs_node *root, const char *path);

/*
 * The content of the regular file f of t (path for messages): inline in
 * the image, or its object, checked against the digest the image records.
 * 0 with a new buffer (NUL after *len bytes), or a negative errno, logged
 * (-EBADMSG: the object is not what the image says).
 */
int image_file_read(const struct image_tree *t, const struct cfs_node *f, const char *path,
		    uint8_t **out, size_t *len);

/* The kernel the image ships: the one /usr/lib/modules/<kver>/vmlinuz.
 * Sets *kver (pointing into the tree); -ENOENT or -ENOTUNIQ, logged. */
int image_file_kernel(const struct cfs_node *root, const char *image, const char **kver);

#endif
