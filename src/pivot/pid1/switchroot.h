/* SPDX-License-Identifier: MIT */
/* Switching root out of the initramfs in PID-1 mode, and the mount-point
 * test the other PID-1 steps share with it. */
#ifndef CFS_PIVOT_SWITCHROOT_H
#define CFS_PIVOT_SWITCHROOT_H

#include <stdbool.h>

/*
 * Makes newroot (a mount point) the root and execs init
 * there (NULL means /sbin/init) as PID 1, with argv[0] = init.
 *
 * Before anything changes it opens init inside newroot without leaving
 * newroot's own mount (symlinks included), and checks that it is an
 * executable file; that file is what is executed.  Then it moves /proc, /sys, /dev and /run into
 * newroot, deletes the initramfs's own files when / is a ramfs or tmpfs
 * (never crossing into another mount), moves newroot onto / and chroots.
 *
 * Does not return on success.  Returns a negative errno after logging one
 * line naming the step, class PIVOT_EXIT_SWITCH_ROOT; when exec itself
 * fails the old root is already gone, so the only way on is pid1_fail().
 */
int pid1_switch_root(const char *newroot, const char *init);

/* Whether path (relative to dirfd) is the root of a mount, as statx
 * reports it (Linux 5.8 and later).  A symlink is never one. */
bool pid1_is_mount_point(int dirfd, const char *path);

#endif
