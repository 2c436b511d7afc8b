/* SPDX-License-Identifier: MIT */
/* Extended attributes of an image's inodes (image_xattr.c). */
#ifndef CFS_IMAGE_XATTR_H
#define CFS_IMAGE_XATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/image/image.h"

struct cfs_xattr_ref {
	uint8_t index;              /* EROFS_XATTR_INDEX_* */
	const char *suffix;         /* the name after the index's prefix */
	size_t suffix_len;
	const uint8_t *value;
	size_t value_len;
};

struct cfs_xattr_iter {
	const struct cfs_image_file *img;
	const struct cfs_inode *inode;
	unsigned int shared_i;
	size_t pos;                 /* next inline entry, in the xattr area */
};

void cfs_xattr_iter_init(struct cfs_xattr_iter *it, const struct cfs_image_file *img,
			 const struct cfs_inode *inode);
/* Shared xattrs first, then inline ones: 1, 0 at the end, or -errno. */
int cfs_xattr_iter_next(struct cfs_xattr_iter *it, struct cfs_xattr_ref *x);
/* The full name ("user.foo") into buf of CFS_XATTR_NAME_BUF bytes. */
void cfs_xattr_name(const struct cfs_xattr_ref *x, char *buf);

/* Refuses an inode whose xattr name filter hides one of its xattrs; for
 * the reader's walk. */
int cfs_xattr_check_filter(const struct cfs_image_file *img, const struct cfs_inode *inode);

#endif
