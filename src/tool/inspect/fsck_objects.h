/* SPDX-License-Identifier: MIT */
/*
 * The objects a set of images references, and checking them against a store:
 * each must exist, be a regular file, and have the fs-verity digest its
 * trusted.overlay.metacopy records.  Used by `cfsboot fsck`.
 */
#ifndef CFS_FSCK_OBJECTS_H
#define CFS_FSCK_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/verity/fsverity.h"
#include "lib/image/image.h"

enum fsck_state {
	FSCK_UNCHECKED,
	FSCK_OK,
	FSCK_MISSING,               /* no such file */
	FSCK_CORRUPT,               /* not a regular file, unreadable, or wrong digest */
};

struct fsck_object {
	char *path;                 /* relative to the objects directory */
	enum cfs_hash_alg alg;      /* 0: the image records no digest */
	uint8_t digest[CFS_MAX_DIGEST_SIZE];
	const char *image;          /* the first image needing it, for messages */

	enum fsck_state state;
	int err;                    /* FSCK_CORRUPT: why it could not be read */
	bool not_regular;
	uint8_t found[CFS_MAX_DIGEST_SIZE];
};

struct fsck_objects {
	struct fsck_object *v;
	size_t n, cap;
	size_t no_redirect;         /* files with a metacopy but no object path */
};

/* Adds every object img references; image names it in messages and must
 * outlive the set.  A redirect that would leave the objects directory
 * makes the image bad (-EUCLEAN). */
int fsck_objects_add_image(struct fsck_objects *set, const struct cfs_image_file *img, const char *image);
/* Sorts and keeps each (path, digest) once. */
void fsck_objects_unique(struct fsck_objects *set);
/* Checks every object below objects_fd on up to threads threads. */
int fsck_objects_check(struct fsck_objects *set, int objects_fd, unsigned threads);
void fsck_objects_free(struct fsck_objects *set);

#endif
