/* SPDX-License-Identifier: MIT */
/* Inside the image reader: the open image, and how its files report
 * damage (image.c). */
#ifndef CFS_IMAGE_PRIV_H
#define CFS_IMAGE_PRIV_H

#include "lib/image/image.h"

struct cfs_image_file {
	const uint8_t *data;
	size_t size;
	uint8_t *owned;             /* data, when read from an fd */
	char *name;
	struct cfs_image_info info;
	uint64_t meta_start;        /* byte offset of nid 0 */
	uint64_t xattr_start;       /* byte offset of shared xattr id 0 */
	uint64_t n_nids;            /* nids whose first slot lies in the file */
};

/* "No inode" for cfs_image_bad(). */
#define CFS_NO_NID UINT64_MAX

/* Logs "NAME: nid N (offset O): MESSAGE" (or "NAME: MESSAGE" for
 * CFS_NO_NID) and returns err, which is -EUCLEAN or -EOPNOTSUPP. */
__attribute__((format(printf, 4, 5)))
int cfs_image_bad(const struct cfs_image_file *img, int err, uint64_t nid, const char *fmt, ...);

#define cfs_image_corrupt(img, nid, ...) cfs_image_bad((img), -EUCLEAN, (nid), __VA_ARGS__)
#define cfs_image_unsupported(img, nid, ...) cfs_image_bad((img), -EOPNOTSUPP, (nid), __VA_ARGS__)

/* Writes name into buf (4 * CFS_NAME_MAX + 1 bytes) with every byte that is
 * not printable ASCII as \xNN, so that a hostile name cannot garble a log. */
#define CFS_NAME_PRINT_BUF (4 * CFS_NAME_MAX + 1)
const char *cfs_name_printable(const char *name, size_t len, char *buf);

#endif
