/* SPDX-License-Identifier: MIT */
/*
 * Private state of the image writer, shared by its stages:
 *
 *   writer_tree.c    the inodes in breadth-first order and each directory's
 *                    entries
 *   writer_overlay.c the xattrs each inode gets (the source's, escaped, plus
 *                    the overlay ones composefs adds)
 *   writer_xattr.c   the shared xattr table and each inode's xattr area
 *   writer_layout.c  where each inode, tail and data block goes
 *   writer_emit.c    the bytes
 *
 * Each stage fills the fields of struct winode listed under its name, and
 * declares its functions in its own header (writer_tree.h, ...); writer.c
 * runs them in the order above.  This header holds the types they share.
 */
#ifndef CFS_WRITER_INT_H
#define CFS_WRITER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "lib/image/tree.h"
#include "tool/mkimage/arena.h"
#include "tool/mkimage/writer.h"

struct wxattr {
	const char *key;            /* full name, NUL-terminated */
	size_t key_len;
	const uint8_t *value;
	size_t value_len;
	/* writer_xattr.c */
	uint8_t index;              /* EROFS_XATTR_INDEX_* */
	size_t suffix_len;          /* the name after the prefix the index stands for */
	int32_t shared;             /* entry in the shared table, or -1 */
	bool by_ref;                /* stored as a reference to that entry */
};

struct wdirent {
	const char *name;
	size_t name_len;
	/* The tree node the entry names (a child or a hardlink entry), or NULL
	 * for ".", ".." and the root's added whiteouts. */
	struct cfs_node *node;
	uint32_t target;            /* inode index */
};

struct winode {
	/* writer_tree.c (xattrs: writer_overlay.c) */
	struct cfs_node *node;      /* NULL for the root's added whiteouts */
	uint32_t parent;
	uint32_t mode, nlink, uid, gid;
	uint64_t rdev, size;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	bool external;              /* regular file whose content is in the store */
	bool whiteout;              /* a source whiteout, stored escaped */
	bool has_whiteout_child;
	struct wxattr *xattrs;      /* sorted by key */
	size_t n_xattrs;
	struct wdirent *dirents;    /* directories: sorted by name, with . and .. */
	size_t n_dirents;

	/* writer_xattr.c */
	uint32_t xattr_size;        /* 0 when there are no xattrs */
	uint32_t n_refs;

	/* writer_layout.c */
	bool compact;
	uint32_t n_blocks;          /* data blocks owned */
	uint32_t tail;              /* bytes after inode and xattrs */
	uint32_t blkaddr;           /* first data block, when n_blocks > 0 */
	unsigned chunkbits;         /* external files */
	uint32_t n_chunks;
	uint64_t offset;            /* byte offset of the inode; nid = offset / 32 */
};

struct writer {
	struct arena arena;
	unsigned version;
	bool has_whiteout;          /* the source has a whiteout: format 1 if allowed */
	struct winode *inodes;      /* breadth-first order; index = i_ino */
	size_t n_inodes, inodes_cap;

	/* writer_xattr.c */
	bool has_acl;
	struct wxattr **shared;     /* the shared table, in on-disk order */
	uint32_t *shared_off;       /* byte offset of each entry in the table */
	size_t n_shared;
	uint64_t shared_size;

	/* writer_layout.c */
	int64_t min_mtime_sec;      /* build time: the smallest mtime */
	uint32_t min_mtime_nsec;
	uint64_t inodes_end;        /* 32-aligned end of the inode area */
	uint64_t data_start;        /* first data block, in bytes */
	uint64_t n_data_blocks;
	uint64_t image_size;
};

static inline bool is_whiteout_node(const struct cfs_node *n)
{
	return S_ISCHR(n->mode) && n->rdev == 0;
}

#endif
