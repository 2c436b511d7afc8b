/* SPDX-License-Identifier: MIT */
/*
 * File system contexts of the new mount API (fsopen, fsconfig, fsmount):
 * mounts are made detached, with each option set and checked on its own,
 * and a failure comes with the kernel's own reason, which it keeps in the
 * context rather than in the kernel log.
 *
 * Nothing here logs but pivot_fs_fail(): a refused option is often a probe
 * or a step with a fallback, not an error, and the caller knows which.
 */
#ifndef CFS_PIVOT_FSCTX_H
#define CFS_PIVOT_FSCTX_H

#include <stddef.h>

/* A new context for fstype ("erofs", "overlay", "tmpfs"): an fd, or a
 * negative errno (-ENODEV: the kernel has no such file system). */
int pivot_fsopen(const char *fstype);

int pivot_fsconfig_string(int fsfd, const char *key, const char *value);
int pivot_fsconfig_flag(int fsfd, const char *key);

/* Creates the superblock and a detached mount of it with the MOUNT_ATTR_*
 * attrs: the mount fd, or a negative errno. */
int pivot_fsmount(int fsfd, unsigned int attrs);

/*
 * The kernel's last error message about the context ("erofs: cannot find
 * valid superblock"), read from fsfd into buf; "" when it gave none.  The
 * messages are consumed.  Returns buf.
 */
const char *pivot_fs_reason(int fsfd, char *buf, size_t size);

#define PIVOT_FS_REASON_MAX 256

/* Logs "cannot mount <what>: <errno> (kernel: <reason>)" and returns r. */
int pivot_fs_fail(int r, const char *what, const char *reason);

/* "/proc/self/fd/N", the path by which overlayfs and EROFS are given an fd. */
#define PIVOT_FD_PATH_MAX sizeof("/proc/self/fd/-2147483648")
void pivot_fd_path(int fd, char buf[PIVOT_FD_PATH_MAX]);

#endif
