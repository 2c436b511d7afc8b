// SPDX-License-Identifier: MIT
/*
 * One line at a time, each a table header, a key = value, a comment or
 * blank.  Everything TOML has beyond what the file needs is refused by
 * name rather than half-understood: the file is read from a verified image,
 * but whoever signed the image need not have meant every byte of it for
 * cfs-pivot, so it is still parsed as if hostile.
 */
#include "pivot/boot/setup_conf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/base/util.h"

enum table { TABLE_NONE, TABLE_ROOT, TABLE_ETC, TABLE_VAR };

struct parser {
	const char *p, *end;       /* the rest of the current line */
	unsigned int line;
	enum table table;
	unsigned int seen;         /* bit per table, then per key of a table */
	struct pivot_setup_conf *c;
	struct pivot_setup_error *err;
};

static const char *const table_names[] = { NULL, "root", "etc", "var" };

static const struct {
	const char *name;
	enum pivot_setup_mount mount;
} mount_names[] = {
	{ "none", PIVOT_SETUP_NONE },
	{ "root", PIVOT_SETUP_NONE },           /* bootc's other name for none */
	{ "bind", PIVOT_SETUP_BIND },
	{ "overlay", PIVOT_SETUP_OVERLAY },
	{ "transient", PIVOT_SETUP_TRANSIENT },
	{ "volatile", PIVOT_SETUP_TRANSIENT },  /* and for transient */
};

__attribute__((format(printf, 2, 3)))
static int bad(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	ps->err->line = ps->line;
	va_start(ap, fmt);
	vsnprintf(ps->err->what, sizeof(ps->err->what), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void skip_blank(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
}

/* After a header or a value: blanks, then a comment or the end. */
static int line_end(struct parser *ps, const char *after)
{
	skip_blank(ps);
	if (ps->p < ps->end && *ps->p != '#')
		return bad(ps, "unexpected text after %s", after);
	return 0;
}

static bool is_bare(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-';
}

/* A bare key: *name and *len, at least one character. */
static int bare_key(struct parser *ps, const char **name, size_t *len, const char *what)
{
	*name = ps->p;
	while (ps->p < ps->end && is_bare(*ps->p))
		ps->p++;
	*len = (size_t)(ps->p - *name);
	if (*len == 0)
		return bad(ps, "expected a bare %s (quoted and dotted ones are not read)", what);
	if (*len > 32)
		return bad(ps, "a %s of %zu characters is longer than any this file has", what, *len);
	return 0;
}

static bool is(const char *name, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(name, word, len) == 0;
}

static int header(struct parser *ps)
{
	const char *name;
	size_t len;
	int r;

	ps->p++;
	if (ps->p < ps->end && *ps->p == '[')
		return bad(ps, "arrays of tables are not read");
	skip_blank(ps);
	r = bare_key(ps, &name, &len, "table name");
	if (r < 0)
		return r;
	skip_blank(ps);
	if (ps->p >= ps->end || *ps->p != ']')
		return bad(ps, "expected ] after the table name");
	ps->p++;
	ps->table = TABLE_NONE;
	for (enum table t = TABLE_ROOT; t <= TABLE_VAR; t++)
		if (is(name, len, table_names[t]))
			ps->table = t;
	if (ps->table == TABLE_NONE)
		return bad(ps, "unknown table [%.*s] (the tables are root, etc and var)", (int)len,
			   name);
	if (ps->seen & (1u << ps->table))
		return bad(ps, "table [%s] a second time", table_names[ps->table]);
	ps->seen |= 1u << ps->table;
	return line_end(ps, "the table header");
}

struct value {
	bool is_bool, b;
	const char *s;
	size_t len;
};

static int string_value(struct parser *ps, struct value *v)
{
	char quote = *ps->p;

	if (ps->end - ps->p >= 3 && ps->p[1] == quote && ps->p[2] == quote)
		return bad(ps, "multi-line strings are not read");
	v->s = ++ps->p;
	while (ps->p < ps->end && *ps->p != quote) {
		if (quote == '"' && *ps->p == '\\')
			return bad(ps, "escapes in strings are not read");
		if ((unsigned char)*ps->p >= 0x80)
			return bad(ps, "a string holds a byte that is not ASCII");
		ps->p++;
	}
	if (ps->p >= ps->end)
		return bad(ps, "a string is not closed on its line");
	v->len = (size_t)(ps->p - v->s);
	ps->p++;
	return 0;
}

static int value(struct parser *ps, struct value *v)
{
	const char *word;
	size_t len;

	*v = (struct value){};
	if (ps->p < ps->end && (*ps->p == '"' || *ps->p == '\''))
		return string_value(ps, v);
	word = ps->p;
	while (ps->p < ps->end && is_bare(*ps->p))
		ps->p++;
	len = (size_t)(ps->p - word);
	v->is_bool = true;
	if (is(word, len, "true"))
		v->b = true;
	else if (!is(word, len, "false"))
		return bad(ps, "a value must be a string or true or false");
	return 0;
}

static int set_mount(struct parser *ps, struct pivot_setup_dir *d, const struct value *v)
{
	if (v->is_bool)
		return bad(ps, "mount takes a string, such as \"bind\"");
	for (size_t i = 0; i < ARRAY_SIZE(mount_names); i++)
		if (is(v->s, v->len, mount_names[i].name)) {
			d->mount = mount_names[i].mount;
			return 0;
		}
	return bad(ps, "unknown mount \"%.*s\" (none, bind, overlay or transient)", (int)v->len,
		   v->s);
}

static int key_value(struct parser *ps)
{
	struct pivot_setup_dir *d = NULL;
	const char *name;
	struct value v;
	size_t len;
	unsigned int bit;
	bool transient;
	int r;

	r = bare_key(ps, &name, &len, "key");
	if (r < 0)
		return r;
	if (ps->table == TABLE_NONE)
		return bad(ps, "key %.*s outside a table", (int)len, name);
	skip_blank(ps);
	if (ps->p >= ps->end || *ps->p != '=')
		return bad(ps, "expected = after the key %.*s", (int)len, name);
	ps->p++;
	skip_blank(ps);
	r = value(ps, &v);
	if (r == 0)
		r = line_end(ps, "the value");
	if (r < 0)
		return r;

	if (ps->table != TABLE_ROOT)
		d = ps->table == TABLE_ETC ? &ps->c->etc : &ps->c->var;
	transient = is(name, len, "transient");
	if (!transient && !(d && is(name, len, "mount")))
		return bad(ps, "unknown key %.*s in [%s] (it has %s)", (int)len, name,
			   table_names[ps->table], d ? "mount and transient" : "transient");
	/* Bits 0-3 are the tables'; then two per table, its keys'. */
	bit = 1u << (4 + 2 * ps->table + !transient);
	if (ps->seen & bit)
		return bad(ps, "key %.*s a second time in [%s]", (int)len, name,
			   table_names[ps->table]);
	ps->seen |= bit;
	if (transient) {
		if (!v.is_bool)
			return bad(ps, "transient takes true or false");
		if (d)
			d->transient = v.b;
		else
			ps->c->root_transient = v.b;
		return 0;
	}
	return set_mount(ps, d, &v);
}

/* Bytes a line may hold: printable ASCII, tabs, and anything in a
 * comment (which may be UTF-8). */
static int check_bytes(struct parser *ps)
{
	bool comment = false;

	for (const char *q = ps->p; q < ps->end; q++) {
		unsigned char ch = (unsigned char)*q;

		comment |= ch == '#';
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return bad(ps, "a control character (0x%02x)", ch);
		if (ch >= 0x80 && !comment)
			return bad(ps, "a byte that is not ASCII outside a comment");
	}
	return 0;
}

int pivot_setup_conf_parse(const char *text, size_t len, struct pivot_setup_conf *c,
			   struct pivot_setup_error *err)
{
	struct parser ps = { .c = c, .err = err };
	const char *p = text, *end = text + len;

	*c = (struct pivot_setup_conf){};
	*err = (struct pivot_setup_error){};
	if (len > PIVOT_SETUP_CONF_MAX)
		return bad(&ps, "%zu bytes, more than the %d read", len, PIVOT_SETUP_CONF_MAX);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		int r;

		ps.line++;
		ps.p = p;
		ps.end = nl ? nl : end;
		p = nl ? nl + 1 : end;
		if (ps.end > ps.p && ps.end[-1] == '\r')
			ps.end--;
		r = check_bytes(&ps);
		if (r < 0)
			return r;
		skip_blank(&ps);
		if (ps.p == ps.end || *ps.p == '#')
			continue;
		r = *ps.p == '[' ? header(&ps) : key_value(&ps);
		if (r < 0)
			return r;
	}
	return 0;
}

enum pivot_setup_mount pivot_setup_dir_mode(const struct pivot_setup_dir *d)
{
	if (d->mount != PIVOT_SETUP_UNSET)
		return d->mount;
	return d->transient ? PIVOT_SETUP_TRANSIENT : PIVOT_SETUP_BIND;
}

const char *pivot_setup_mount_to_string(enum pivot_setup_mount m)
{
	static const char *const names[] = {
		[PIVOT_SETUP_UNSET] = "unset",
		[PIVOT_SETUP_NONE] = "none",
		[PIVOT_SETUP_BIND] = "bind",
		[PIVOT_SETUP_OVERLAY] = "overlay",
		[PIVOT_SETUP_TRANSIENT] = "transient",
	};

	return (unsigned int)m < ARRAY_SIZE(names) ? names[m] : NULL;
}
