/* SPDX-License-Identifier: MIT */
/*
 * Filling the object store (lib/store/layout.h) as composefs-rs fills a
 * repository: file content under DIR/objects/, named by its fs-verity
 * digest; each image an object too, named in DIR/images/ by a relative
 * link, images/<hex> -> ../objects/XX/<rest>; its signature, when it has
 * one, in DIR/signatures/<hex>.sig; DIR/meta.json saying the
 * algorithm (lib/store/meta.h) for a new store.  The store's shared lock
 * (lib/store/lock.h) is held from store_open() to store_close().
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
#include "lib/verity/fsverity.h"

struct store {
	char *dir;
	int dir_fd, objects_fd, images_fd, lock_fd;
	enum cfs_hash_alg alg;      /* of every digest in the store */
	unsigned threads;
	atomic_bool no_verity;      /* the file system said it has no fs-verity */
	atomic_bool no_clone;       /* nor reflinks */
	atomic_size_t added, present;
};

/*
 * Creates DIR, DIR/objects and DIR/images as needed and takes the lock.
 * alg is the one --hash asked for, 0 when not given: a store's meta.json
 * decides then (sha256 without one), and one naming another algorithm is
 * refused.  A new store gets a meta.json of its algorithm.
 */
int store_open(struct store *s, const char *dir, enum cfs_hash_alg alg, unsigned threads);
void store_close(struct store *s);
/* How to place a file into s (atomic_file_place): with fs-verity, unless
 * the file system already said it has none (no_verity). */
unsigned store_commit_flags(struct store *s);

/* Copies the content of every external file of a scanned tree (they have
 * src_path and a digest), each distinct content once; then syncs the file
 * system, so that the objects are durable before any image names them. */
int store_add_objects(struct store *s, const struct cfs_node *root);

/* The image as the object of its digest (of s->alg), and its link. */
int store_add_image(struct store *s, const uint8_t *data, size_t size, const uint8_t *digest);

/* The signature of the image hex as signatures/<hex>.sig, replacing one
 * there, durable when this returns (lib/store/store_sig.h). */
int store_add_signature(struct store *s, const char *hex, const uint8_t *sig, size_t len);

#endif
