// SPDX-License-Identifier: MIT
#include "pivot/boot/json.h"

#include <assert.h>

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or 0.  Stops at a NUL, which is
 * never a continuation byte. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;      /* overlong */
		if (s[0] == 0xed)
			hi = 0x9f;      /* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;      /* overlong */
		if (s[0] == 0xf4)
			hi = 0x8f;      /* above U+10FFFF */
	} else {
		return 0;
	}
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void json_write_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		size_t n;

		switch (*p) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(f, "\\u%04x", *p);
			} else if (*p < 0x80) {
				fputc(*p, f);
			} else if ((n = utf8_len(p)) > 0) {
				fwrite(p, 1, n, f);
				p += n;
				continue;
			} else {
				fprintf(f, "\\u%04x", *p);
			}
		}
		p++;
	}
	fputc('"', f);
}

void json_init(struct json_writer *j, FILE *f)
{
	*j = (struct json_writer){ .f = f };
}

static void newline(struct json_writer *j)
{
	fputc('\n', j->f);
	for (unsigned int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Before a member or an array element: the comma after the previous one. */
static void separate(struct json_writer *j)
{
	if (!j->empty[j->depth])
		fputc(',', j->f);
	j->empty[j->depth] = false;
	newline(j);
}

/* A value is either a member's (its key was just written) or an array
 * element, or the document itself at depth 0. */
static void before_value(struct json_writer *j)
{
	if (j->after_key)
		j->after_key = false;
	else if (j->depth > 0)
		separate(j);
}

static void begin(struct json_writer *j, char c)
{
	before_value(j);
	fputc(c, j->f);
	assert(j->depth + 1 < JSON_MAX_DEPTH);
	j->depth++;
	j->empty[j->depth] = true;
}

static void end(struct json_writer *j, char c)
{
	bool empty = j->empty[j->depth];

	assert(j->depth > 0 && !j->after_key);
	j->depth--;
	if (!empty)
		newline(j);
	fputc(c, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_begin_object(struct json_writer *j)
{
	begin(j, '{');
}

void json_end_object(struct json_writer *j)
{
	end(j, '}');
}

void json_begin_array(struct json_writer *j)
{
	begin(j, '[');
}

void json_end_array(struct json_writer *j)
{
	end(j, ']');
}

void json_key(struct json_writer *j, const char *key)
{
	assert(j->depth > 0 && !j->after_key);
	separate(j);
	json_write_string(j->f, key);
	fputs(": ", j->f);
	j->after_key = true;
}

void json_string(struct json_writer *j, const char *s)
{
	before_value(j);
	json_write_string(j->f, s);
}

void json_uint(struct json_writer *j, uint64_t v)
{
	before_value(j);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_bool(struct json_writer *j, bool v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->f);
}
