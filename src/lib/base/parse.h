/* SPDX-License-Identifier: MIT */
/* Numbers in files and arguments we read strictly. */
#ifndef CFS_PARSE_H
#define CFS_PARSE_H

#include <stdint.h>

/*
 * An unsigned decimal that is all of s: no sign, no blanks, no base
 * prefix, at least one digit, at most UINT64_MAX.  Returns 0, -EINVAL (not
 * a number) or -ERANGE (too large), without logging: the caller knows the
 * option or the line the number came from and says so.
 */
int cfs_parse_u64(const char *s, uint64_t *out);

#endif
