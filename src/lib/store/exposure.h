/* SPDX-License-Identifier: MIT */
/*
 * Whether someone other than root could change a store file after the
 * boot checked it.  Under verity = boot-check the kernel never checks an
 * object's content, so a digest computed at boot stays true only of a
 * file that nobody but root can write or replace: owned by root, without
 * write permission for its group or others (an ACL granting write shows
 * in the group bits, its mask), and with one link, since another name of
 * the same inode (in /var, say) is a way to it that the store's
 * directories do not guard.  A directory is held to the first two rules:
 * whoever can write it can replace what it holds.
 *
 * A file with fs-verity needs none of this: the kernel refuses to open it
 * for writing and checks every page read from it.
 */
#ifndef CFS_STORE_EXPOSURE_H
#define CFS_STORE_EXPOSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#define CFS_EXPOSED_MAX 96

/*
 * Returns 0 when only root can change the file or directory st describes,
 * else -EPERM with why filled with what breaks the first rule, completing
 * "it ...": "has 2 hard links", "is owned by uid 1000, not root", "is
 * writable by its group or others (mode 0666)".
 */
int cfs_store_exposed(const struct stat *st, char why[CFS_EXPOSED_MAX]);

/*
 * For a file the boot computes the digest of: fstat()s fd and, when it is
 * exposed, logs one line refusing what (e.g. "the image") at name and
 * returns -EPERM.  Other errors of fstat() are logged and returned.
 */
int cfs_store_refuse_exposed(int fd, const char *what, const char *name);

#endif
