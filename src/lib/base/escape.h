/* SPDX-License-Identifier: MIT */
/*
 * Text from outside (a kernel command line, a file name) shown in a log
 * line: a control byte in it could end the line and forge the next one
 * ("cfs-pivot: booted composefs image ..."), or hide as a terminal escape
 * sequence.
 */
#ifndef CFS_ESCAPE_H
#define CFS_ESCAPE_H

#include <stddef.h>

/*
 * Copies s into out (size > 0 bytes, always NUL-terminated) with every
 * control byte (0x01-0x1f, 0x7f) written as \xNN and a backslash as \\,
 * so that the result is one line and says unambiguously what s held.
 * Bytes from 0x80 up are copied (UTF-8).  Truncates before an escape that
 * does not fit whole.  Returns out.
 */
char *cfs_escape(const char *s, char *out, size_t size);

#endif
