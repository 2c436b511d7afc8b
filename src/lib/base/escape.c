// SPDX-License-Identifier: MIT
#include "lib/base/escape.h"

#include <stdio.h>
#include <string.h>

char *cfs_escape(const char *s, char *out, size_t size)
{
	size_t used = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[5];
		size_t len;

		if (c < 0x20 || c == 0x7f)
			len = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
		else if (c == '\\')
			len = (size_t)snprintf(esc, sizeof(esc), "\\\\");
		else {
			esc[0] = (char)c;
			len = 1;
		}
		if (used + len >= size)
			break;
		memcpy(out + used, esc, len);
		used += len;
	}
	out[used] = '\0';
	return out;
}
