// SPDX-License-Identifier: MIT
#include "tool/mkimage/dump_field.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/util.h"

bool dump_field_absent(struct dump_span s)
{
	return s.len == 1 && s.p[0] == '-';
}

int dump_unescape(struct dump_span s, char **out, size_t *out_len, const char **why)
{
	_cleanup_free_ char *buf = malloc(s.len + 1);
	size_t n = 0;

	if (!buf)
		return log_oom();
	for (size_t i = 0; i < s.len; i++) {
		uint8_t byte;

		if (s.p[i] != '\\') {
			buf[n++] = s.p[i];
			continue;
		}
		if (++i == s.len) {
			*why = "ends in a lone backslash";
			return -EINVAL;
		}
		switch (s.p[i]) {
		case '\\': buf[n++] = '\\'; break;
		case 'n':  buf[n++] = '\n'; break;
		case 'r':  buf[n++] = '\r'; break;
		case 't':  buf[n++] = '\t'; break;
		case 'x':
			if (s.len - i < 3 || cfs_hex_decode(s.p + i + 1, 2, &byte, 1) < 0) {
				*why = "has a \\x escape without two hex digits";
				return -EINVAL;
			}
			buf[n++] = (char)byte;
			i += 2;
			break;
		default:
			*why = "has an unknown escape (\\\\, \\n, \\r, \\t and \\xHH exist)";
			return -EINVAL;
		}
	}
	buf[n] = '\0';
	if (out_len)
		*out_len = n;
	*out = TAKE_PTR(buf);
	return 0;
}

static unsigned digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	return 99;      /* no base of ours has it */
}

int dump_number(struct dump_span s, unsigned base, uint64_t *out)
{
	const char *p = s.p, *end = s.p + s.len;
	bool negative = false, overflow = false;
	uint64_t v = 0;

	/* The blanks strtoull skips that a field can hold (not ' ' or '\n'). */
	while (p < end && strchr("\t\v\f\r", *p) && *p)
		p++;
	if (p < end && (*p == '+' || *p == '-'))
		negative = *p++ == '-';
	if (p == end)
		return -EINVAL;
	for (; p < end; p++) {
		unsigned d = digit_value(*p);

		if (d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	*out = overflow ? UINT64_MAX : negative ? -v : v;
	return 0;
}

int dump_digest(const char *text, enum cfs_hash_alg alg, uint8_t *out)
{
	size_t size = cfs_hash_digest_size(alg);

	if (strlen(text) < 2 * size)
		return -EINVAL;
	return cfs_hex_decode(text, 2 * size, out, size);
}
