/* SPDX-License-Identifier: MIT */
/* The store objects an image references (image_objects.c). */
#ifndef CFS_IMAGE_OBJECTS_H
#define CFS_IMAGE_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/image/image.h"

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

#endif
