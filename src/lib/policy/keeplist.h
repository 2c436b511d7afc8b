/* SPDX-License-Identifier: MIT */
/*
 * The policy's etc-keep list (docs/policy.md, "etc-keep"): the few files of
 * /etc that etc = transient takes from the deployment's state instead of
 * the image.  Everything else in /etc is the image's.  The list is short
 * and bounded because every file on it is unverified data from the
 * physical root; names are paths below /etc, and only the last component
 * may be a pattern (* and ?), matched against what the state holds.
 */
#ifndef CFS_PIVOT_KEEPLIST_H
#define CFS_PIVOT_KEEPLIST_H

#include <stdbool.h>
#include <stddef.h>

#define PIVOT_KEEP_MAX        16    /* entries of etc-keep */
#define PIVOT_KEEP_ENTRY_SIZE 128   /* an entry and its NUL */

struct pivot_keep_list {
	size_t n;
	char entry[PIVOT_KEEP_MAX][PIVOT_KEEP_ENTRY_SIZE];
};

/*
 * Parses value: "none", or entries separated by blanks, each a relative
 * path below /etc without "", "." or ".." components, of printable
 * characters, a pattern (* or ?) only in its last component, none twice.
 * Returns 0, or -EINVAL with *why saying what is wrong (a static string)
 * and *bad the entry it is about (in value, *bad_len bytes), or NULL.
 */
int pivot_keep_parse(const char *value, struct pivot_keep_list *out, const char **why,
		     const char **bad, size_t *bad_len);

/* Whether an entry is a pattern: its last component has * or ?. */
bool pivot_keep_is_pattern(const char *entry);

/* The list as pivot.conf writes it: "none", or the entries joined by
 * single spaces; pivot_keep_parse() reads it back. */
void pivot_keep_format(const struct pivot_keep_list *l, char *out, size_t size);

#endif
