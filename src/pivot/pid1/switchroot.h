/* SPDX-License-Identifier: MIT */
/* Mount helpers PID-1 mode shares between its files (pid1.h has the
 * switch itself). */
#ifndef CFS_PIVOT_SWITCHROOT_H
#define CFS_PIVOT_SWITCHROOT_H

#include <stdbool.h>

/* Whether path (relative to dirfd) is the root of a mount, as statx
 * reports it (Linux 5.8 and later).  A symlink is never one. */
bool pid1_is_mount_point(int dirfd, const char *path);

#endif
