/* SPDX-License-Identifier: MIT */
/* Inside the image reader: the open image and how its files report damage. */
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

/* Refuses an inode whose xattr name filter hides one of its xattrs. */
int cfs_xattr_check_filter(const struct cfs_image_file *img, const struct cfs_inode *inode);

/* Sorts a node's xattrs by name; a name that appears twice is -EUCLEAN. */
int cfs_tree_sort_xattrs(const struct cfs_image_file *img, struct cfs_node *node);

/* Undoes the writer's overlayfs encoding on a tree read from img (see
 * image_unescape.c).  linked: the nids of hard-linked inodes, increasing. */
int cfs_tree_unescape(const struct cfs_image_file *img, struct cfs_node *root,
		      const uint64_t *linked, size_t n_linked);

/* Writes name into buf (4 * CFS_NAME_MAX + 1 bytes) with every byte that is
 * not printable ASCII as \xNN, so that a hostile name cannot garble a log. */
#define CFS_NAME_PRINT_BUF (4 * CFS_NAME_MAX + 1)
const char *cfs_name_printable(const char *name, size_t len, char *buf);

#endif
