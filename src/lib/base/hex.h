/* SPDX-License-Identifier: MIT */
/* Lowercase hex, as every digest in composefs is written. */
#ifndef CFS_HEX_H
#define CFS_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit of either case, or -1 for any other byte. */
int cfs_hex_digit_value(char c);

/* Whether the len bytes at s are all lowercase hex digits: the one
 * spelling of digests and fingerprints in files we read strictly. */
bool cfs_hex_is_lower(const char *s, size_t len);

/* Writes 2*len hex digits and a NUL to out (2*len+1 bytes). */
void cfs_hex_encode(const uint8_t *bin, size_t len, char *out);

/* Decodes exactly 2*len hex digits (either case) from the first hex_len
 * bytes of hex; -EINVAL on a wrong length or a non-hex character. */
int cfs_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t len);

#endif
