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
 * Checks that the image open at *fd (named name in messages) has the
 * digest want.  The kernel's measurement is used when the file has
 * fs-verity (the file is immutable then, and stays what is mounted);
 * without it, when allow_computed, the image must be one only root can
 * change (lib/store/exposure.h), *fd is replaced by a sealed in-memory
 * copy of it (memfd, closing the file's fd, also on a refusal after the
 * copy), and the digest is computed over that copy, which is what the
 * caller measures and mounts; else the image is refused.  Returns 0 with
 * *how set, or after logging one line:
 *   -EBADMSG  the digest (or its algorithm) is not want; both are named
 *   -ENODATA  the image has no fs-verity and allow_computed is false
 *   -EPERM    the image has no fs-verity and someone other than root could
 *             have changed it: more than one link, another owner, or
 *             group/other write permission
 *   other     reading, copying or measuring failed
 */
int pivot_check_image(int *fd, const char *name, const struct pivot_digest *want,
		      bool allow_computed, enum pivot_image_check *how);

#endif
