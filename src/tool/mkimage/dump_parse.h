/* SPDX-License-Identifier: MIT */
/*
 * Reads a composefs-dump(5) file, the text form of an image that
 * mkcomposefs --from-file and composefs-info dump use, into a tree.  One
 * line per file:
 *
 *   PATH SIZE MODE NLINK UID GID RDEV MTIME PAYLOAD CONTENT DIGEST XATTR...
 *
 * It accepts what mkcomposefs 1.0.8 accepts by default and refuses what it
 * refuses, so that a dump makes the same image with either tool; the rules
 * are in docs/mkimage.md ("Dump files"), dump_field.h reads the fields.  A
 * refused line is reported as "FILE:LINE: what is wrong".
 */
#ifndef CFS_DUMP_PARSE_H
#define CFS_DUMP_PARSE_H

#include <stddef.h>

#include "lib/image/tree.h"

/* Inline CONTENT is limited as in composefs' own parsers. */
#define DUMP_CONTENT_MAX 5000u

/* Parses len bytes of text; file names the source in messages.  Each
 * DIGEST is of alg: 64 hex digits for sha256 (mkcomposefs's dumps), 128
 * for sha512 (composefs-rs's). */
int dump_parse(const char *file, const char *text, size_t len, enum cfs_hash_alg alg,
	       struct cfs_node **root);

/* Reads and parses a file, or standard input for "-". */
int dump_read(const char *path, enum cfs_hash_alg alg, struct cfs_node **root);

#endif
