/* SPDX-License-Identifier: MIT */
/*
 * The in-memory tree of a composefs image: what a directory scan or a dump
 * file produces, what the image writer consumes, and what the image reader
 * and the dump printer work on.  It holds the metadata only; the content of
 * a large file is named by its digest and payload (its path in the store).
 */
#ifndef CFS_TREE_H
#define CFS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/verity/fsverity.h"

struct cfs_xattr {
	char *key;                  /* full name, e.g. "user.foo"; never contains NUL */
	uint8_t *value;
	size_t value_len;
};

struct cfs_node {
	char *name;                 /* entry name in the parent (NUL-terminated copy) */
	size_t name_len;
	struct cfs_node *parent;
	struct cfs_node **children; /* directories only */
	size_t n_children, children_cap;
	struct cfs_node *link_to;   /* hardlink entry: the inode this name refers to */

	uint32_t mode;              /* st_mode: type and permission bits */
	uint32_t nlink;
	uint32_t uid, gid;
	uint64_t rdev;              /* glibc dev_t */
	uint64_t size;              /* st_size; for symlinks the target length */
	int64_t mtime_sec;
	uint32_t mtime_nsec;

	struct cfs_xattr *xattrs;
	size_t n_xattrs, xattrs_cap;

	char *payload;              /* symlink target, or a regular file's path in
	                               the store ("ab/cdef..."); NUL-terminated */
	size_t payload_len;
	uint8_t *content;           /* inline content of small regular files */
	size_t content_len;
	uint8_t digest[CFS_MAX_DIGEST_SIZE]; /* fs-verity digest of the file's content */
	enum cfs_hash_alg digest_alg;  /* its algorithm: sha256, or sha512 (composefs-rs) */
	bool has_digest;

	char *src_path;             /* directory sources: where the content lives */

	/* Set while an image is written or read. */
	uint64_t nid;
	uint32_t ino;
};

struct cfs_node *cfs_node_new(void);
/* Frees the node, its children and its hardlink entries (not link targets). */
void cfs_node_free(struct cfs_node *node);

int cfs_node_set_name(struct cfs_node *node, const char *name, size_t len);
/* Appends child (taking ownership).  Children stay in the order they were
 * added: the image writer sorts each directory's entries itself. */
int cfs_node_add_child(struct cfs_node *parent, struct cfs_node *child);
struct cfs_node *cfs_node_lookup(const struct cfs_node *dir, const char *name, size_t len);
/* Removes and frees the child at index i. */
void cfs_node_remove_child(struct cfs_node *dir, size_t i);

/* Sets key to value, replacing an existing value of that key. */
int cfs_node_set_xattr(struct cfs_node *node, const char *key, const void *value, size_t len);
const struct cfs_xattr *cfs_node_get_xattr(const struct cfs_node *node, const char *key);
void cfs_node_remove_xattr(struct cfs_node *node, const char *key);

int cfs_node_set_payload(struct cfs_node *node, const char *payload, size_t len);
int cfs_node_set_content(struct cfs_node *node, const void *content, size_t len);

/* The inode a name refers to: follows hardlink entries. */
struct cfs_node *cfs_node_resolve(struct cfs_node *node);

/* The node's absolute path in the tree ("/" for the root), for messages;
 * malloc'd, NULL when out of memory. */
char *cfs_node_path(const struct cfs_node *node);

/* Byte order of names (memcmp, shorter first on a common prefix). */
int cfs_name_cmp(const char *a, size_t alen, const char *b, size_t blen);

static inline uint32_t cfs_node_type(const struct cfs_node *node)
{
	return node->mode & 0170000u;
}

#endif
