/* SPDX-License-Identifier: MIT */
/*
 * The store objects an image references, checked in user space: all of
 * them for verity = boot-check (the kernel does not check them), one of
 * them for verity = require (the kernel will, and refuses every file whose
 * object has no fs-verity: better to say so before switching root than to
 * boot into a tree where nothing can be read).
 */
#ifndef CFS_STORE_IMAGE_CHECK_H
#define CFS_STORE_IMAGE_CHECK_H

#include <stdint.h>

#include "lib/image/image.h"

struct cfs_image_check_report {
	uint64_t files;      /* inodes whose content is an object */
	uint64_t objects;    /* distinct objects checked */
	uint64_t by_kernel;  /* of them, measured by fs-verity rather than computed */
	uint64_t usec;       /* how long the check took */
};

/*
 * Checks the fs-verity digest of every object the image img references
 * against the digest the image records for it: the kernel's measurement
 * when the object has fs-verity, else computed.  Each distinct object is
 * checked once.  objects_name names the objects directory in messages.
 * Returns 0 with *rep filled and logged in one line, or after logging one
 * line naming the object:
 *   -EBADMSG     an object's digest is not the recorded one
 *   -ENODATA     a file records no digest for its object, so nothing can check it
 *   -ENOENT      an object is missing
 *   -EUCLEAN, -EOPNOTSUPP  the image is corrupt
 *   other        reading failed
 */
int cfs_image_check_parsed(const struct cfs_image_file *img, int objects_fd,
			   const char *objects_name, struct cfs_image_check_report *rep);

/* The same for the image open at image_fd (image_name in messages), read
 * here (cfs_image_open_fd()): for a caller that has not parsed it. */
int cfs_image_check_objects(int image_fd, const char *image_name, int objects_fd,
			    const char *objects_name, struct cfs_image_check_report *rep);

/*
 * Checks that the first object img references (breadth-first) has
 * fs-verity and the digest the image records; 0 when the image references
 * none.  Errors as above, with -ENODATA for an object without fs-verity.
 */
int cfs_image_spot_check(const struct cfs_image_file *img, int objects_fd,
			 const char *objects_name);

#endif
