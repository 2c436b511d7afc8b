/* SPDX-License-Identifier: MIT */
/*
 * Reads a composefs-dump(5) file, the text form of an image that
 * mkcomposefs --from-file and composefs-info dump use, into a tree.  One
 * line per file:
 *
 *   PATH SIZE MODE NLINK UID GID RDEV MTIME PAYLOAD CONTENT DIGEST XATTR...
 *
 * Fields are separated by single spaces; `\\`, `\n`, `\r`, `\t` and `\xHH`
 * escape bytes; `-` is an absent optional field; MODE starting with `@`
 * makes the line a hardlink to the path in PAYLOAD.  A line that does not
 * follow the format is refused with "FILE:LINE: what is wrong".
 */
#ifndef CFS_DUMP_PARSE_H
#define CFS_DUMP_PARSE_H

#include <stddef.h>

#include "lib/image/tree.h"

/* Inline CONTENT is limited as in composefs' own parsers. */
#define CFS_DUMP_CONTENT_MAX 5000u

/* Parses len bytes of text; file names the source in messages. */
int cfs_dump_parse(const char *file, const char *text, size_t len, struct cfs_node **root);

/* Reads and parses a file, or standard input for "-". */
int cfs_dump_read(const char *path, struct cfs_node **root);

#endif
