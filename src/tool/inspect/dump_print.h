/* SPDX-License-Identifier: MIT */
/*
 * Printing a tree in the composefs dump format (composefs-dump(5)): one line
 * per entry, depth-first in name order,
 *   PATH SIZE MODE NLINK UID GID RDEV MTIME PAYLOAD CONTENT DIGEST XATTR...
 * with a hard link marked by '@' before MODE and the path of the entry
 * holding the inode as its PAYLOAD.  tool/mkimage/dump_parse.c reads it back.
 */
#ifndef CFS_DUMP_PRINT_H
#define CFS_DUMP_PRINT_H

#include <stdio.h>

#include "lib/image/tree.h"

/* Writes bytes escaped as a dump field (a path, say) is. */
void dump_escape(FILE *out, const void *data, size_t len);

/* 0, or -EIO when out could not be written (logged). */
int dump_print(FILE *out, const struct cfs_node *root);

#endif
