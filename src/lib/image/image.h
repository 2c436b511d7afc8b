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

/* ---- directories -------------------------------------------------------- */

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

/* ---- extended attributes ------------------------------------------------ */

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

/* ---- walking the tree --------------------------------------------------- */

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

/* ---- store objects ------------------------------------------------------ */

/* A file whose content lives in the store (it has trusted.overlay.metacopy). */
struct cfs_object_ref {
	uint64_t nid;
	uint64_t size;
	const char *path;           /* trusted.overlay.redirect without its leading
	                               '/' (not NUL-terminated), or NULL */
	size_t path_len;
	enum cfs_hash_alg alg;      /* 0 when the metacopy holds no digest */
	const uint8_t *digest;
	size_t digest_len;
};

typedef int (*cfs_object_fn)(const struct cfs_object_ref *obj, void *userdata);

/* Calls fn once per inode that references an object.  It allocates only the
 * walk's bitmaps and queue. */
int cfs_image_walk_objects(const struct cfs_image_file *img, cfs_object_fn fn, void *userdata);

/* The object a regular file's inode references: 1 with *obj filled, 0 if
 * it has no trusted.overlay.metacopy (its content is in the image), or a
 * negative errno for a malformed metacopy (empty, or version 0 with a
 * SHA-256 or SHA-512 digest, are valid) or redirect (absolute). */
int cfs_image_object_of(const struct cfs_image_file *img, const struct cfs_inode *ino,
			struct cfs_object_ref *obj);

/* ---- the whole tree ----------------------------------------------------- */

/*
 * Builds the tree the image was written from, as a dump file describes it:
 * the overlayfs encoding the writer added is undone (image_unescape.c), a
 * hard-linked inode becomes one node and link_to entries, names are sorted.
 * Memory is bounded by a multiple of the image size.
 */
int cfs_image_read_tree(const struct cfs_image_file *img, struct cfs_node **root);

#endif
