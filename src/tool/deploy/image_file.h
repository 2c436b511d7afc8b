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

/* The regular file at the absolute path in the tree, following no link. */
const struct cfs_node *image_file_find(const struct cfs_node *root, const char *path);

/*
 * The content of file f (path for messages): inline in the image, or its
 * object read beneath objects_fd (objects names it) and checked against
 * the digest the image records.  0 with a new buffer, or a negative errno,
 * logged (-EBADMSG: the object is not what the image says).
 */
int image_file_read(const struct cfs_node *f, const char *path, int objects_fd,
		    const char *objects, uint8_t **out, size_t *len);

/* The kernel the image ships: the one /usr/lib/modules/<kver>/vmlinuz.
 * Sets *kver (pointing into the tree); -ENOENT or -ENOTUNIQ, logged. */
int image_file_kernel(const struct cfs_node *root, const char *image, const char **kver);

#endif
