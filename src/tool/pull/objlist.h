/* SPDX-License-Identifier: MIT */
/*
 * The distinct objects an image needs, as publish copies them and pull
 * fetches them: each named by its digest ("XX/<rest>", lib/store/layout.h),
 * with the size the image records.  An image whose redirect is not its
 * object's digest names a file that may lie outside the object directory
 * and is refused, as fsck refuses it.
 */
#ifndef CFSBOOT_OBJLIST_H
#define CFSBOOT_OBJLIST_H

#include <stddef.h>
#include <stdint.h>

#include "lib/image/image.h"
#include "lib/store/layout.h"

struct objlist_entry {
	char path[CFS_OBJECT_PATH_SIZE];    /* "XX/<rest>" */
	enum cfs_hash_alg alg;
	uint8_t digest[CFS_MAX_DIGEST_SIZE];
	uint64_t size;
};

struct objlist {
	struct objlist_entry *v;
	size_t n, cap;
	uint64_t bytes;                     /* of all entries */
};

/* Fills l with the objects of img, sorted by path, each once.  Returns 0,
 * -EBADMSG after logging which inode names a bad object, or another
 * negative errno, logged. */
int objlist_build(const struct cfs_image_file *img, struct objlist *l);
void objlist_free(struct objlist *l);

#endif
