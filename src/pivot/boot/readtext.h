/* SPDX-License-Identifier: MIT */
/* Small text files of the initramfs and /proc, read whole. */
#ifndef CFS_PIVOT_READTEXT_H
#define CFS_PIVOT_READTEXT_H

#include <stddef.h>

/*
 * Reads path to end of file, at most max bytes, into a new NUL-terminated
 * buffer.  It reads until EOF rather than trusting the size: files in /proc
 * report a size of 0.  A missing file returns -ENOENT without a message
 * (the caller knows whether that is fine); any other failure is logged.
 */
int pivot_read_text(const char *path, size_t max, char **out, size_t *out_len);

#endif
