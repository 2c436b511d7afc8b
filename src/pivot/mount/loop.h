/* SPDX-License-Identifier: MIT */
/*
 * A read-only loop device over an open file, for kernels whose EROFS cannot
 * mount a regular file (before Linux 6.12, or built without
 * CONFIG_EROFS_FS_BACKED_BY_FILE).
 */
#ifndef CFS_PIVOT_LOOP_H
#define CFS_PIVOT_LOOP_H

/*
 * Binds a free loop device to the file open at fd (LOOP_CONFIGURE, so the
 * device reads exactly that file, not whatever a path names later),
 * read-only and cleared automatically when its last user closes it.
 * Returns an fd of the device, or a negative errno, logged; name is the
 * file's name in messages.
 */
int pivot_loop_attach(int fd, const char *name);

#endif
