// SPDX-License-Identifier: MIT
#include "lib/policy/keeplist.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/store/beneath.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

bool pivot_keep_is_pattern(const char *entry)
{
	return strpbrk(entry, "*?") != NULL;
}

/* Why one entry (NUL-terminated) is not acceptable, or NULL. */
static const char *entry_problem(const char *e)
{
	const char *last = strrchr(e, '/');

	for (const char *c = e; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return "has a character that is not printable ASCII";
	if (strcmp(e, "none") == 0)
		return "is none, which stands alone (write etc-keep = none for no file)";
	if (!cfs_path_is_normal(e))
		return "is not a relative path below /etc without \"\", \".\" or \"..\" components";
	if (strpbrk(e, "[]\\"))
		return "has [, ] or \\, which patterns do not use here (only * and ? are allowed)";
	if (last && strpbrk(e, "*?") && strpbrk(e, "*?") < last)
		return "has a pattern in a directory's name (only the last component may have * or ?)";
	return NULL;
}

int pivot_keep_parse(const char *value, struct pivot_keep_list *out, const char **why,
		     const char **bad, size_t *bad_len)
{
	const char *c = value;

	out->n = 0;
	*why = NULL;
	*bad = NULL;
	*bad_len = 0;
	while (is_blank(*c))
		c++;
	if (strcmp(c, "none") == 0)
		return 0;
	while (*c) {
		size_t len = 0;

		while (c[len] && !is_blank(c[len]))
			len++;
		*bad = c;
		*bad_len = len;
		if (out->n == PIVOT_KEEP_MAX) {
			*why = "is one entry too many (etc-keep holds at most 16)";
			return -EINVAL;
		}
		if (len >= PIVOT_KEEP_ENTRY_SIZE) {
			*why = "is longer than 127 bytes";
			return -EINVAL;
		}
		memcpy(out->entry[out->n], c, len);
		out->entry[out->n][len] = '\0';
		*why = entry_problem(out->entry[out->n]);
		for (size_t i = 0; !*why && i < out->n; i++)
			if (strcmp(out->entry[i], out->entry[out->n]) == 0)
				*why = "is listed twice";
		if (*why)
			return -EINVAL;
		out->n++;
		c += len;
		while (is_blank(*c))
			c++;
	}
	*bad = NULL;
	if (out->n == 0) {
		*why = "is empty (write etc-keep = none for no file)";
		return -EINVAL;
	}
	return 0;
}

void pivot_keep_format(const struct pivot_keep_list *l, char *out, size_t size)
{
	size_t used = 0;

	snprintf(out, size, "none");
	for (size_t i = 0; i < l->n && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "", l->entry[i]);
}
