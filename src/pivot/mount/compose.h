/* SPDX-License-Identifier: MIT */
/*
 * The composefs mounts, all detached until the boot attaches them: EROFS
 * reading the verified image (through the very fd that was measured) and
 * overlayfs stacking it over the objects directory as a data-only layer,
 * with metacopy=on and redirect_dir=on, and verity=require when the plan
 * has the kernel enforce per-file verity.
 */
#ifndef CFS_PIVOT_COMPOSE_H
#define CFS_PIVOT_COMPOSE_H

#include <stdbool.h>

#include "pivot/mount/plan.h"
#include "pivot/mount/stage.h"
#include "lib/store/layout.h"

/* The composed root's mount source: bootc's "composefs:<hex digest>" (its
 * other form, "transient:composefs=<hex>", names a writable root, which
 * cfs-pivot never mounts). */
#define PIVOT_ROOT_SOURCE_PREFIX "composefs:"
#define PIVOT_ROOT_SOURCE_SIZE (sizeof(PIVOT_ROOT_SOURCE_PREFIX) + CFS_DIGEST_HEX_LEN)

/*
 * Mounts the image open at image_fd as EROFS, read-only and detached: from
 * the file itself where the kernel can, else (or with avoid_file) through
 * a read-only loop device bound to the same fd.  Returns the mount fd with
 * *loop set accordingly, or a negative errno after logging one line with
 * the kernel's reason.
 */
int pivot_mount_erofs(int image_fd, const char *image_name, bool avoid_file, bool *loop);

struct pivot_overlay {
	const char *what;          /* in messages: "the composed root", "/etc" */
	/* The root's: the image's digest in hex, which names the mount's
	 * source "composefs:<hex>" (bootc finds the booted deployment in
	 * /proc/self/mountinfo by it); NULL leaves the source "none". */
	const char *root_hex;
	int lower_fd;              /* the image's tree, or a directory of it */
	int data_fd;               /* the objects directory */
	int upper_fd, work_fd;     /* both -1: a read-only overlay */
	/* The mounts the layers above lie on that may be detached, which
	 * must be staged on kernels that cannot use detached layers; -1 for
	 * none. */
	int detached[2];
};

/*
 * Mounts the overlay as plan says, detached; read-only when it has no
 * upper layer.  *fsfd is a fresh overlayfs context to use (such as the one
 * probe.h probed), taken over and set to -1, or -1 to open one.  Layers
 * are given to overlayfs as detached mounts first; when the kernel refuses
 * that, they are staged (stage.h) and the mount is tried again, and st
 * stays active for the overlays that follow.  Returns the mount fd, or a
 * negative errno after logging one line with the kernel's reason.
 */
int pivot_mount_overlay(const struct pivot_overlay *o, const struct pivot_plan *plan,
			struct pivot_stage *st, int *fsfd);

#endif
