// SPDX-License-Identifier: MIT
#include "lib/base/hex.h"

#include <errno.h>

int cfs_hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool cfs_hex_is_lower(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (cfs_hex_digit_value(s[i]) < 0 || (s[i] >= 'A' && s[i] <= 'F'))
			return false;
	return true;
}

void cfs_hex_encode(const uint8_t *bin, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bin[i] >> 4];
		out[2 * i + 1] = digits[bin[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int cfs_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t len)
{
	if (hex_len != 2 * len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int hi = cfs_hex_digit_value(hex[2 * i]), lo = cfs_hex_digit_value(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
