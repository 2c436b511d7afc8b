/* SPDX-License-Identifier: MIT */
/* Directory entries of an image (image_dir.c), checked as they are read. */
#ifndef CFS_IMAGE_DIR_H
#define CFS_IMAGE_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/image/image.h"

struct cfs_dirent_ref {
	uint64_t nid;
	const char *name;           /* not NUL-terminated */
	size_t name_len;
	uint8_t file_type;          /* EROFS_FT_* */
};

struct cfs_dir_iter {
	const struct cfs_image_file *img;
	const struct cfs_inode *dir;
	uint64_t block, nblocks;    /* block being read, of how many */
	const uint8_t *buf;
	size_t buf_len;
	unsigned int i, n;          /* entry in the block, of how many */
	char prev[CFS_NAME_MAX];    /* names must be strictly increasing */
	size_t prev_len;
};

void cfs_dir_iter_init(struct cfs_dir_iter *it, const struct cfs_image_file *img,
		       const struct cfs_inode *dir);
/* 1 and *de filled, 0 at the end, or a negative errno.  "." and ".." are
 * returned like any other name. */
int cfs_dir_iter_next(struct cfs_dir_iter *it, struct cfs_dirent_ref *de);

static inline bool cfs_name_is_dot(const char *name, size_t len)
{
	return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

#endif
