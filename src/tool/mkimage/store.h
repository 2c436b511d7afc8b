/* SPDX-License-Identifier: MIT */
/*
 * Filling the object store (lib/store/layout.h): file content under
 * DIR/objects/, named by its fs-verity digest, and images under
 * DIR/images/, named by theirs.
 *
 * Every file is added atomically, mode 0644, with fs-verity enabled where
 * the file system supports it, and never replaces one already there.
 */
#ifndef CFS_STORE_H
#define CFS_STORE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/image/tree.h"

struct store {
	char *dir;
	int dir_fd, objects_fd, images_fd;
	unsigned threads;
	atomic_bool no_verity;      /* the file system said it has no fs-verity */
	atomic_bool no_clone;       /* nor reflinks */
	atomic_size_t added, present;
};

/* Creates DIR, DIR/objects and DIR/images as needed. */
int store_open(struct store *s, const char *dir, unsigned threads);
void store_close(struct store *s);

/* Copies the content of every external file of a scanned tree (they have
 * src_path and a digest), each distinct content once; then syncs the file
 * system, so that the objects are durable before any image names them. */
int store_add_objects(struct store *s, const struct cfs_node *root);

int store_add_image(struct store *s, const uint8_t *data, size_t size,
		    const uint8_t digest[32]);

#endif
