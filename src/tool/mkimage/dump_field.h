/* SPDX-License-Identifier: MIT */
/*
 * One field of a composefs-dump(5) line, read as mkcomposefs 1.0.8 reads
 * it by default (without CFS_PARSE_STRICT): the escapes, the '-' of an
 * absent field, numbers with C's strtoull() syntax, and the DIGEST's hex.
 * dump_parse.c builds the entries from these; the rules of which field
 * counts for which file type are there.
 */
#ifndef CFS_DUMP_FIELD_H
#define CFS_DUMP_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/verity/fsverity.h"

/* A field: bytes of the line, not NUL-terminated; may be empty. */
struct dump_span {
	const char *p;
	size_t len;
};

/* "-" alone: an optional field left out ("\x2d" is a real dash). */
bool dump_field_absent(struct dump_span s);

/* Decodes \\, \n, \r, \t and \xHH into a new NUL-terminated buffer of
 * *out_len bytes (it may hold NUL bytes; out_len may be NULL).  On a bad
 * escape, -EINVAL and
 * *why says what is wrong. */
int dump_unescape(struct dump_span s, char **out, size_t *out_len, const char **why);

/* A number as strtoull(s, base) takes it: leading blanks, an optional
 * sign (a '-' wraps modulo 2^64), at least one digit and nothing after;
 * a value too large reads as UINT64_MAX.  -EINVAL when it is not one. */
int dump_number(struct dump_span s, unsigned base, uint64_t *out);

/* The bytes of a DIGEST of alg (32 for sha256, 64 for sha512) into out:
 * its first 64 (128) characters must be hex digits, anything after them
 * is ignored (as mkcomposefs ignores it).  -EINVAL when there are fewer
 * hex digits. */
int dump_digest(const char *text, enum cfs_hash_alg alg, uint8_t *out);

#endif
