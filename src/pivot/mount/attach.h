/* SPDX-License-Identifier: MIT */
/*
 * Putting the composed tree where the physical root was (docs/design.md,
 * "cfs-pivot: three ways to run"): whoever switches root next (systemd,
 * dracut, or PID-1 mode) finds the verified tree at the sysroot, with /etc
 * and /var in place and the physical root reachable read-only at /sysroot
 * inside it.
 */
#ifndef CFS_PIVOT_ATTACH_H
#define CFS_PIVOT_ATTACH_H

#include <stdbool.h>

#include "pivot/mount/etc_keep.h"

struct pivot_attach {
	int root_fd;        /* the composed tree, detached */
	int etc_fd;         /* the mount for /etc, or -1 */
	int var_fd;         /* the mount for /var, or -1 */
	const struct pivot_etc_keep *keep;  /* the kept files bound over /etc, or NULL */
};

/*
 * Whether the image has a /sysroot directory for the physical root; 0 (no:
 * a warning is logged, the booted system will not see the physical root),
 * 1, or a negative errno, logged.
 */
int pivot_attach_has_sysroot(int root_fd);

/*
 * Detaches the physical root (open at physroot_fd, mounted at sysroot) and
 * attaches the composed tree there, then a read-only clone of the physical
 * root at its /sysroot (with_sysroot), /etc with its kept files, and /var.  If a step fails,
 * what was attached is detached again and the physical root put back, and
 * a negative errno is returned after logging one line.
 */
int pivot_attach(const char *sysroot, int physroot_fd, const struct pivot_attach *a,
		 bool with_sysroot);

#endif
