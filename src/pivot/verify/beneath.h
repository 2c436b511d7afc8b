/* SPDX-License-Identifier: MIT */
/*
 * Opening paths on the physical root without following links.  The store
 * and the state live on a file system that nothing has verified yet: a
 * symbolic link there (images/<digest> pointing at an image elsewhere, a
 * store directory that is a link) or a mount point under it must not make
 * cfs-pivot open something other than what the path names.
 *
 * Paths are relative and normalised ("a/b/c": no empty, "." or ".."
 * component) and are resolved beneath a directory fd, refusing every
 * symbolic link, magic link and mount point on the way, with openat2()
 * where the kernel has it and an equivalent walk where it does not.
 *
 * Nothing here logs: the callers know what the path is for and say so.
 */
#ifndef CFS_PIVOT_BENEATH_H
#define CFS_PIVOT_BENEATH_H

#include <stdbool.h>

/* True for a non-empty relative path without "", "." or ".." components. */
bool pivot_path_is_normal(const char *path);

/*
 * Opens path beneath dirfd as an O_PATH fd (O_CLOEXEC).  With dir, the last
 * component must be a directory.  Returns the fd, or:
 *   -EINVAL  the path is not normal
 *   -ELOOP   a component is a symbolic link
 *   -EXDEV   a component is a mount point (or on another file system)
 *   -ENOENT, -ENOTDIR, -EACCES ...  as open(2) says
 */
int pivot_open_beneath(int dirfd, const char *path, bool dir);

/* The same resolved by the walk, whatever the kernel has: each component
 * opened with O_NOFOLLOW and checked with fstat().  Used when openat2()
 * is missing; exposed so that tests compare both. */
int pivot_open_beneath_walk(int dirfd, const char *path, bool dir);

/* Reopens an O_PATH fd of a regular file for reading, through
 * /proc/self/fd, so that the file opened is the one that was checked.
 * Returns the new fd or a negative errno. */
int pivot_reopen_read(int path_fd);

/*
 * Creates the directory name (one component) in the directory dirfd with
 * mode when it does not exist, then opens it as pivot_open_beneath() does.
 * *created says whether it was made now.  Returns the O_PATH fd or a
 * negative errno.
 */
int pivot_mkdir_beneath(int dirfd, const char *name, unsigned int mode, bool *created);

#endif
