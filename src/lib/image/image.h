/* SPDX-License-Identifier: MIT */
/*
 * Reading composefs images, safely.
 *
 * An image may come from anywhere, so every offset, size, count, nid, name
 * and xattr in it is checked against the file before it is used.  Beyond
 * the bounds, a walk over the tree refuses what could make a reader loop
 * or grow without limit: a directory reached twice (a loop, or a directory
 * hard link), two inodes sharing bytes, data blocks used twice, a tree
 * deeper than CFS_IMAGE_MAX_DEPTH.  Because every byte of the image then
 * belongs to at most one inode, the work and memory of a walk grow with the
 * size of the image, whatever it contains.
 *
 * Errors are negative errnos, logged once where they are found with the
 * image name, the nid and the byte offset:
 *   -EUCLEAN     the image is corrupt (or hostile)
 *   -EOPNOTSUPP  a valid EROFS feature that composefs never uses
 *   other        system errors (-ENOMEM, -EIO, ...)
 * cfs_image_is_bad() tells the first two from the rest.
 *
 * Layers, each in its own file:
 *   image.c          open, header and superblock, inodes, data blocks
 *   image_dir.c      directory entries
 *   image_xattr.c    extended attributes
 *   image_walk.c     breadth-first walk of the tree with the checks above
 *   image_objects.c  the store objects an image references
 *   image_tree.c     the whole tree as struct cfs_node, as its source was
 *   image_unescape.c undoing what the writer added for overlayfs
 *   codec.c          the rules the writer applies too (codec.h)
 */
#ifndef CFS_IMAGE_H
#define CFS_IMAGE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/image/format.h"
#include "lib/verity/fsverity.h"
#include "lib/image/tree.h"

/* Images are metadata only: a million files take about 150 MiB. */
#define CFS_IMAGE_MAX_SIZE   (1ull << 30)
/* Deeper trees cannot be reached by path (PATH_MAX) in any useful way. */
#define CFS_IMAGE_MAX_DEPTH  1024u
/* Longest xattr name: the longest prefix, a 255-byte suffix and a NUL. */
#define CFS_XATTR_NAME_BUF   (sizeof(EROFS_XATTR_NAME_POSIX_ACL_DEFAULT) + EROFS_XATTR_SUFFIX_MAX)

struct cfs_image_file;

/* Facts from the composefs header and the EROFS superblock. */
struct cfs_image_info {
	uint32_t flags;             /* CFS_FLAG_* */
	uint32_t format_version;    /* composefs format version: 0 or 1 */
	uint32_t feature_compat;    /* EROFS_FEATURE_COMPAT_* */
	uint64_t root_nid;
	uint64_t inodes;            /* as the superblock says */
	int64_t build_time_sec;     /* the smallest mtime in the image */
	uint32_t build_time_nsec;
	uint32_t blocks;            /* image size / 4096 */
	uint32_t meta_blkaddr;
	uint32_t xattr_blkaddr;
};

/* One inode, checked: everything it points at lies inside the image. */
struct cfs_inode {
	uint64_t nid;
	uint64_t offset;            /* of the inode in the image */
	uint32_t mode, nlink, uid, gid;
	uint32_t rdev;              /* chr/blk: the 32-bit device number */
	uint32_t ino;
	uint64_t size;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	uint8_t layout;             /* EROFS_LAYOUT_* */
	bool extended;
	uint32_t blkaddr;           /* flat layouts: the first data block */
	uint64_t nblocks;           /* flat layouts: data blocks outside the inode */
	const uint8_t *xattrs;      /* the xattr area, header included */
	size_t xattr_size;
	unsigned int shared_count;  /* shared xattr ids at the start of the area */
	const uint8_t *tail;        /* after the xattrs: inline data or the chunk map */
	size_t tail_len;
};

/*
 * Open an image.  _fd reads the whole file (a regular file of at most
 * CFS_IMAGE_MAX_SIZE); _buf uses the caller's buffer, which must outlive the
 * image.  name is used in messages.  The header, the superblock and the
 * root inode are checked here.
 */
int cfs_image_open_fd(int fd, const char *name, struct cfs_image_file **ret);
int cfs_image_open_buf(const void *data, size_t len, const char *name, struct cfs_image_file **ret);
void cfs_image_close(struct cfs_image_file *img);

const struct cfs_image_info *cfs_image_info(const struct cfs_image_file *img);
/* The image's bytes, e.g. to compute its composefs digest. */
const uint8_t *cfs_image_data(const struct cfs_image_file *img, size_t *len);
const char *cfs_image_name(const struct cfs_image_file *img);

/* True for the errors that mean "this is not a good composefs image". */
static inline bool cfs_image_is_bad(int r)
{
	return r == -EUCLEAN || r == -EOPNOTSUPP;
}

int cfs_image_read_inode(const struct cfs_image_file *img, uint64_t nid, struct cfs_inode *ino);

/* Logical block k of a flat inode: k < nblocks is a data block, k ==
 * nblocks the inline tail (when there is one).  Sets *data and *len. */
void cfs_image_block(const struct cfs_image_file *img, const struct cfs_inode *ino, uint64_t k,
		     const uint8_t **data, size_t *len);

#endif
