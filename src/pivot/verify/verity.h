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

/* What an image without fs-verity may be, by the policy's verity mode. */
enum pivot_image_rule {
	PIVOT_IMAGE_KERNEL_ONLY,  /* verity = require: refused */
	PIVOT_IMAGE_SEALED,       /* verity = boot-check: root's, and copied into sealed memory */
	PIVOT_IMAGE_AS_IS,        /* verity = insecure-dev: computed on the file, which stays */
};

/*
 * Checks that the image open at *fd (named name in messages) has the
 * digest want.  The kernel's measurement is used when the file has
 * fs-verity (the file is immutable then, and stays what is mounted).
 * Without it the image is refused under PIVOT_IMAGE_KERNEL_ONLY; under
 * PIVOT_IMAGE_SEALED it must be one only root can change
 * (lib/store/exposure.h), *fd is replaced by a sealed in-memory copy of it
 * (memfd; the file's fd is closed), and the digest is computed over that
 * copy, which is what the caller measures and mounts, so that rewriting
 * the file later changes nothing of the booted tree; under
 * PIVOT_IMAGE_AS_IS it is computed on the file.  Returns 0 with *how set,
 * or after logging one line:
 *   -EBADMSG  the digest (or its algorithm) is not want; both are named
 *   -ENODATA  the image has no fs-verity, and the rule is KERNEL_ONLY
 *   -EPERM    the image has no fs-verity, the rule is SEALED, and someone
 *             other than root could have changed it: more than one link,
 *             another owner, or group/other write permission
 *   other     reading, copying or measuring failed
 */
int pivot_check_image(int *fd, const char *name, const struct pivot_digest *want,
		      enum pivot_image_rule rule, enum pivot_image_check *how);

#endif
