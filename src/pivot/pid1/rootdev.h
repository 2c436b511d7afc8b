/* SPDX-License-Identifier: MIT */
/*
 * The physical root in PID-1 mode: waiting for the device root= names
 * (rootspec.h) to appear, and mounting it (docs/pid1.md, "Root device").
 */
#ifndef CFS_PIVOT_ROOTDEV_H
#define CFS_PIVOT_ROOTDEV_H

#include <stddef.h>

#include "pivot/pid1/rootspec.h"

/*
 * The file system types libblkid looks for on a disk nothing has verified
 * yet: those of rootfstype= (comma-separated), else PID1_ROOT_TYPES, the
 * types a writable root holding a store is made with.  Its other parsers
 * never see the disk.  A root of another type needs rootfstype=.
 */
#define PID1_ROOT_TYPES "ext4,ext3,ext2,xfs,btrfs,f2fs"
#define PID1_ROOT_TYPES_MAX 16
struct pid1_root_types {
	char list[256];                         /* as given, for messages */
	char buf[256];
	char *names[PID1_ROOT_TYPES_MAX + 1];   /* NULL-terminated, into buf */
};
/* 0, or -E2BIG (logged) for a rootfstype= too long to be one. */
int pid1_root_types(const char *rootfstype, struct pid1_root_types *t);

/*
 * Waits until the device spec names exists, at most timeout_s seconds
 * (checking every PID1_ROOT_POLL_MS), and writes its /dev path to path.
 * Two devices answering to the same UUID= or LABEL= at once is an error,
 * not a guess.  0, -ETIMEDOUT, -ENOTUNIQ or another negative errno, each
 * logged.
 */
#define PID1_ROOT_POLL_MS 100
int pid1_rootdev_wait(const struct pid1_rootspec *spec, const struct pid1_root_types *types,
		      unsigned int timeout_s, char *path, size_t size);

/*
 * Mounts the device at sysroot (created if missing): the mount read-only,
 * its file system writable (docs/pid1.md), with rootflags as the file
 * system's options (NULL: none; "ro" among them makes the file system
 * read-only too).  A device that can only be read is mounted read-only
 * as a whole, with a notice.  rootfstype is NULL (use the type libblkid
 * finds among known) or a comma-separated list tried in order, as the
 * kernel does.
 * 0 or a negative errno, logged.
 */
int pid1_rootdev_mount(const char *dev, const char *rootfstype, const struct pid1_root_types *known,
		       const char *rootflags, const char *sysroot);

#endif
