/* SPDX-License-Identifier: MIT */
/*
 * The image's fs-verity digest, checked against the command line (the
 * store objects' are checked by lib/store/objects.h).
 */
#ifndef CFS_PIVOT_VERITY_H
#define CFS_PIVOT_VERITY_H

#include <stdbool.h>

#include "pivot/boot/digest.h"

/* How the image's digest was established. */
enum pivot_image_check {
	PIVOT_IMAGE_KERNEL,    /* fs-verity: measured by the kernel, the file is immutable */
	PIVOT_IMAGE_COMPUTED,  /* no fs-verity: computed here, nothing stops later changes */
};

/*
 * Checks that the image open at fd (named name in messages) has the digest
 * want.  The kernel's measurement is used when the file has fs-verity;
 * without it the digest is computed in user space when allow_computed,
 * else the image is refused.  Returns 0 with *how set, or after logging
 * one line:
 *   -EBADMSG  the digest (or its algorithm) is not want; both are named
 *   -ENODATA  the image has no fs-verity and allow_computed is false
 *   other     reading or measuring failed
 */
int pivot_check_image(int fd, const char *name, const struct pivot_digest *want,
		      bool allow_computed, enum pivot_image_check *how);

#endif
