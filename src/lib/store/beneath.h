/* SPDX-License-Identifier: MIT */
/*
 * Opening paths in the store and the state without following links.  They
 * live on a file system that nothing has verified yet: a symbolic link
 * there (images/<digest> pointing at an image elsewhere, a store directory
 * that is a link) or a mount point under it must not make cfs-pivot, or
 * `cfsboot fsck` vouching for what cfs-pivot will boot, open something
 * other than what the path names.
 *
 * Paths are relative and normalised ("a/b/c": no empty, "." or ".."
 * component) and are resolved beneath a directory fd, refusing every
 * symbolic link, magic link and mount point on the way, with openat2()
 * where the kernel has it and an equivalent walk where it does not.
 *
 * Only cfs_beneath_refusal() logs: the callers know what a path is for,
 * and say so with it or in their own words.
 */
#ifndef CFS_STORE_BENEATH_H
#define CFS_STORE_BENEATH_H

#include <stdbool.h>

/* True for a non-empty relative path without "", "." or ".." components. */
bool cfs_path_is_normal(const char *path);

/*
 * Opens path beneath dirfd as an O_PATH fd (O_CLOEXEC).  With dir, the last
 * component must be a directory.  Returns the fd, or:
 *   -EINVAL  the path is not normal
 *   -ELOOP   a component is a symbolic link
 *   -EXDEV   a component is a mount point (or on another file system)
 *   -ENOENT, -ENOTDIR, -EACCES ...  as open(2) says
 */
int cfs_open_beneath(int dirfd, const char *path, bool dir);

/* The same for a file whose last component may be a symbolic link: the
 * O_PATH fd is then of the link itself (fstat() says S_IFLNK), for
 * readlinkat(fd, "").  Links before the last component are refused as
 * above.  For images/<digest>, which composefs-rs makes a link
 * (store_image.h follows it). */
int cfs_open_beneath_link(int dirfd, const char *path);

/* The same resolved by the walk, whatever the kernel has: each component
 * opened with O_NOFOLLOW and checked with fstat().  Used when openat2()
 * is missing; exposed so that tests compare both. */
int cfs_open_beneath_walk(int dirfd, const char *path, bool dir);
int cfs_open_beneath_link_walk(int dirfd, const char *path);

/*
 * Opens path beneath dirfd as cfs_open_beneath() does, but follows the
 * symbolic links on the way and at its end as long as each stays beneath
 * dirfd: bootc's state names a deployment's var with a relative link into
 * the state directory.  A link that leaves dirfd (an absolute one, or
 * "..") or crosses a mount point fails with -EXDEV, a magic link with
 * -ELOOP, and so do more than the kernel's 40 links (a loop).  Without
 * openat2() no link is followed (-ELOOP): the walk cannot resolve one as
 * safely.
 */
int cfs_open_beneath_follow(int dirfd, const char *path, bool dir);

/* Reopens an O_PATH fd of a regular file for reading, through
 * /proc/self/fd, so that the file opened is the one that was checked.
 * Returns the new fd or a negative errno. */
int cfs_reopen_read(int path_fd);

/*
 * Opens path beneath dirfd for reading; it must be a regular file (a FIFO
 * would block the reader, a directory is not what the store holds there).
 * Returns the fd (O_RDONLY), -EUCLEAN for another type, or an error of
 * cfs_open_beneath().
 */
int cfs_open_beneath_regular(int dirfd, const char *path);

/*
 * Creates the directory name (one component) in the directory dirfd with
 * mode when it does not exist, then opens it as cfs_open_beneath() does.
 * *created says whether it was made now.  Returns the O_PATH fd or a
 * negative errno.
 */
int cfs_mkdir_beneath(int dirfd, const char *name, unsigned int mode, bool *created);

/*
 * Logs the one line for what (e.g. "the image") at path (as messages name
 * it) that could not be opened beneath its directory with the error r of
 * the functions above; hint says what to do when it is simply missing.
 * Returns r.
 */
int cfs_beneath_refusal(int r, const char *what, const char *path, const char *hint);

#endif
