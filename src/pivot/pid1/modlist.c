// SPDX-License-Identifier: MIT
/*
 * The list of modules PID-1 mode loads.  Apart from modules.c, which needs
 * libkmod, so that the parser is tested on its own.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/array.h"
#include "lib/base/log.h"
#include "pivot/pid1/modlist.h"

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int add(struct pid1_modlist *l, const char *name, size_t len)
{
	if (CFS_GROW(l->names, l->cap, l->n + 1, 8) < 0)
		return log_oom();
	l->names[l->n] = strndup(name, len);
	if (!l->names[l->n])
		return log_oom();
	l->n++;
	return 0;
}

static int parse_line(struct pid1_modlist *l, const char *file, unsigned int lineno,
		      const char *s, size_t len)
{
	size_t n;

	while (len > 0 && blank(*s))
		s++, len--;
	while (len > 0 && blank(s[len - 1]))
		len--;
	if (len == 0 || *s == '#')
		return 0;
	for (n = 0; n < len && name_char(s[n]); n++)
		;
	if (n < len)
		return log_errno(-EINVAL, "%s:%u: '%.*s' is not a module name (one name per line; "
				 "letters, digits, '-' and '_'; parameters go into modprobe.d)",
				 file, lineno, (int)len, s);
	if (len > PID1_MODULE_NAME_MAX)
		return log_errno(-EINVAL, "%s:%u: module name '%.*s' is longer than the kernel's "
				 "%d characters", file, lineno, (int)len, s, PID1_MODULE_NAME_MAX);
	return add(l, s, len);
}

int pid1_modlist_parse(struct pid1_modlist *l, const char *file, const char *text, size_t len)
{
	const char *end = text + len;
	unsigned int lineno = 0;

	*l = (struct pid1_modlist){};
	for (const char *s = text; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *eol = nl ? nl : end;
		int r = parse_line(l, file, ++lineno, s, (size_t)(eol - s));
		if (r < 0)
			return r;
		s = nl ? nl + 1 : end;
	}
	return 0;
}

void pid1_modlist_done(struct pid1_modlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	*l = (struct pid1_modlist){};
}
