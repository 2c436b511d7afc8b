/* SPDX-License-Identifier: MIT */
/* Files read whole into memory: configuration, signatures, logs, dumps. */
#ifndef CFS_READ_FILE_H
#define CFS_READ_FILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Reads fd from where it is to its end, but never more than max bytes
 * (max < SIZE_MAX), into a new buffer with a NUL after the *out_len bytes
 * read.  It reads until end of file rather than trusting a size (files in
 * /proc say 0) and grows the buffer as data comes, so a large max costs
 * nothing for a small file.  Reading max bytes is not an error: a caller
 * that refuses longer files asks for max + 1 and refuses *out_len > max in
 * its own words.  A failed read is logged as "cannot read NAME: ...".
 * Returns 0 or a negative errno, logged.
 */
int cfs_read_fd(int fd, const char *name, size_t max, char **out, size_t *out_len);

/* Reads the regular file at path, of at most max bytes, whole.  Returns 0
 * or a negative errno, logged (a missing file included). */
int cfs_read_file(const char *path, size_t max, uint8_t **out, size_t *out_len);

#endif
