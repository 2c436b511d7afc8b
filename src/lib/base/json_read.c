// SPDX-License-Identifier: MIT
#include "lib/base/json_read.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/array.h"
#include "lib/base/hex.h"

struct parser {
	const char *s;
	size_t len, pos;
	struct cfs_json_tok *tok;
	size_t n, cap, max;
	const char *error;
};

static int fail(struct parser *p, const char *what)
{
	p->error = what;
	return -EBADMSG;
}

static bool at_end(const struct parser *p)
{
	return p->pos >= p->len;
}

static char peek(const struct parser *p)
{
	return at_end(p) ? '\0' : p->s[p->pos];
}

static void skip_blanks(struct parser *p)
{
	while (!at_end(p)) {
		char c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

/* Appends a token; its index, since the array may move. */
static int new_token(struct parser *p, enum cfs_json_type type, size_t *idx)
{
	if (p->n == p->max) {
		p->error = "too many values";
		return -E2BIG;
	}
	if (CFS_GROW(p->tok, p->cap, p->n + 1, 16) < 0)
		return -ENOMEM;
	p->tok[p->n] = (struct cfs_json_tok){ .type = type, .start = p->pos };
	*idx = p->n++;
	return 0;
}

static void end_token(struct parser *p, size_t idx)
{
	p->tok[idx].end = p->pos;
	p->tok[idx].next = p->n;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* At the opening quote.  Validates escapes; decoding waits for a reader. */
static int parse_string(struct parser *p)
{
	size_t idx;
	int r;

	p->pos++;
	r = new_token(p, CFS_JSON_STRING, &idx);
	if (r < 0)
		return r;
	for (;;) {
		unsigned char c;

		if (at_end(p))
			return fail(p, "unterminated string");
		c = (unsigned char)p->s[p->pos];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(p, "control character in a string");
		p->pos++;
		if (c != '\\')
			continue;
		c = (unsigned char)peek(p);
		if (c == 'u') {
			for (int i = 1; i <= 4; i++)
				if (p->pos + i >= p->len || cfs_hex_digit_value(p->s[p->pos + i]) < 0)
					return fail(p, "bad \\u escape");
			p->pos += 5;
		} else if (c && strchr("\"\\/bfnrt", c)) {
			p->pos++;
		} else {
			return fail(p, "bad escape in a string");
		}
	}
	end_token(p, idx);
	p->pos++;
	return 0;
}

static int parse_digits(struct parser *p)
{
	if (!is_digit(peek(p)))
		return fail(p, "bad number");
	while (is_digit(peek(p)))
		p->pos++;
	return 0;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int parse_number(struct parser *p)
{
	size_t idx;
	int r;

	r = new_token(p, CFS_JSON_NUMBER, &idx);
	if (r < 0)
		return r;
	if (peek(p) == '-')
		p->pos++;
	if (peek(p) == '0')
		p->pos++;
	else if ((r = parse_digits(p)) < 0)
		return r;
	if (peek(p) == '.') {
		p->pos++;
		if ((r = parse_digits(p)) < 0)
			return r;
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		p->pos++;
		if (peek(p) == '+' || peek(p) == '-')
			p->pos++;
		if ((r = parse_digits(p)) < 0)
			return r;
	}
	end_token(p, idx);
	return 0;
}

static int parse_literal(struct parser *p, const char *word, enum cfs_json_type type)
{
	size_t n = strlen(word), idx;
	int r;

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return fail(p, "unexpected character");
	r = new_token(p, type, &idx);
	if (r < 0)
		return r;
	p->pos += n;
	end_token(p, idx);
	return 0;
}

static int parse_value(struct parser *p, unsigned int depth);

/* At '{' or '['. */
static int parse_container(struct parser *p, unsigned int depth)
{
	bool object = peek(p) == '{';
	char close = object ? '}' : ']';
	size_t idx;
	int r;

	if (depth >= CFS_JSON_MAX_DEPTH) {
		p->error = "nested too deeply";
		return -E2BIG;
	}
	r = new_token(p, object ? CFS_JSON_OBJECT : CFS_JSON_ARRAY, &idx);
	if (r < 0)
		return r;
	p->pos++;
	skip_blanks(p);
	if (peek(p) == close)
		goto done;
	for (;;) {
		if (object) {
			if (peek(p) != '"')
				return fail(p, "expected a member name");
			r = parse_string(p);
			if (r < 0)
				return r;
			skip_blanks(p);
			if (peek(p) != ':')
				return fail(p, "expected ':'");
			p->pos++;
		}
		r = parse_value(p, depth + 1);
		if (r < 0)
			return r;
		p->tok[idx].count++;
		skip_blanks(p);
		if (peek(p) == close)
			break;
		if (peek(p) != ',')
			return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
		p->pos++;
		skip_blanks(p);
	}
done:
	p->pos++;
	end_token(p, idx);
	return 0;
}

static int parse_value(struct parser *p, unsigned int depth)
{
	char c;

	skip_blanks(p);
	c = peek(p);
	if (at_end(p))
		return fail(p, "unexpected end");
	if (c == '{' || c == '[')
		return parse_container(p, depth);
	if (c == '"')
		return parse_string(p);
	if (c == '-' || is_digit(c))
		return parse_number(p);
	if (c == 't')
		return parse_literal(p, "true", CFS_JSON_TRUE);
	if (c == 'f')
		return parse_literal(p, "false", CFS_JSON_FALSE);
	if (c == 'n')
		return parse_literal(p, "null", CFS_JSON_NULL);
	return fail(p, "unexpected character");
}

int cfs_json_parse(const char *text, size_t len, size_t max_tokens, struct cfs_json *j,
		   const char **error, size_t *error_at)
{
	struct parser p = { .s = text, .len = len, .max = max_tokens };
	int r;

	*j = (struct cfs_json){ 0 };
	r = parse_value(&p, 0);
	if (r == 0) {
		skip_blanks(&p);
		if (!at_end(&p))
			r = fail(&p, "text after the value");
	}
	if (r < 0) {
		free(p.tok);
		*error = p.error ? p.error : "out of memory";
		*error_at = p.pos;
		return r;
	}
	*j = (struct cfs_json){ .text = text, .tok = p.tok, .n = p.n };
	return 0;
}

void cfs_json_free(struct cfs_json *j)
{
	free(j->tok);
	*j = (struct cfs_json){ 0 };
}

static int hex4(const char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++)
		v = v * 16 + cfs_hex_digit_value(s[i]);
	return v;
}

/* Appends the UTF-8 encoding of code point cp; false when it does not fit. */
static bool put_utf8(char *buf, size_t size, size_t *len, uint32_t cp)
{
	uint8_t b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6);
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12);
		b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | cp >> 18);
		b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (size - *len <= n)
		return false;
	memcpy(buf + *len, b, n);
	*len += n;
	return true;
}

/* The code point of the \u escape at s + *i, joining a surrogate pair;
 * advances *i past what it used.  -1 for a lone half. */
static int32_t unicode_escape(const char *s, size_t end, size_t *i)
{
	int hi = hex4(s + *i + 2), lo;

	*i += 6;
	if (hi < 0xd800 || hi > 0xdfff)
		return hi;
	if (hi > 0xdbff || *i + 6 > end || s[*i] != '\\' || s[*i + 1] != 'u')
		return -1;
	lo = hex4(s + *i + 2);
	if (lo < 0xdc00 || lo > 0xdfff)
		return -1;
	*i += 6;
	return 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
}

int cfs_json_string(const struct cfs_json *j, size_t tok, char *buf, size_t size)
{
	static const char plain[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
	const struct cfs_json_tok *t;
	const char *s = j->text;
	size_t len = 0;

	if (tok >= j->n || j->tok[tok].type != CFS_JSON_STRING || size == 0)
		return -EBADMSG;
	t = &j->tok[tok];
	for (size_t i = t->start; i < t->end;) {
		char c = s[i];

		if (c == '\\' && s[i + 1] == 'u') {
			int32_t cp = unicode_escape(s, t->end, &i);

			/* The reader's strings are C strings: no NUL inside. */
			if (cp <= 0)
				return -EBADMSG;
			if (!put_utf8(buf, size, &len, (uint32_t)cp))
				return -E2BIG;
			continue;
		}
		if (c == '\\') {
			c = decoded[strchr(plain, s[i + 1]) - plain];
			i++;
		}
		i++;
		if (size - len <= 1)
			return -E2BIG;
		buf[len++] = c;
	}
	buf[len] = '\0';
	return (int)len;
}

int cfs_json_member(const struct cfs_json *j, size_t obj, const char *key)
{
	char name[64];
	size_t i;
	int found = -ENOENT;

	if (obj >= j->n || j->tok[obj].type != CFS_JSON_OBJECT)
		return -EBADMSG;
	i = obj + 1;
	for (size_t m = 0; m < j->tok[obj].count; m++) {
		/* A key too long for name is none of the short keys asked for. */
		if (cfs_json_string(j, i, name, sizeof(name)) >= 0 && strcmp(name, key) == 0) {
			if (found >= 0)
				return -EBADMSG;
			found = (int)(i + 1);
		}
		i = j->tok[i + 1].next;
	}
	return found;
}

int cfs_json_uint(const struct cfs_json *j, size_t tok, uint64_t *v)
{
	const struct cfs_json_tok *t;
	uint64_t x = 0;

	if (tok >= j->n || j->tok[tok].type != CFS_JSON_NUMBER)
		return -EBADMSG;
	t = &j->tok[tok];
	for (size_t i = t->start; i < t->end; i++) {
		unsigned int d = (unsigned int)(j->text[i] - '0');

		if (d > 9)
			return -EBADMSG;
		if (x > (UINT64_MAX - d) / 10)
			return -ERANGE;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}
