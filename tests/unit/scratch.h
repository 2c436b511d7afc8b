/* SPDX-License-Identifier: MIT */
/*
 * The scratch directory of a group of tests, dir: made under $TMPDIR
 * (else /tmp) by the group's setup and removed, with all it holds, by its
 * teardown, so that each group starts empty and leaves nothing behind.
 */
#ifndef CFS_TEST_SCRATCH_H
#define CFS_TEST_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>

static char dir[256];

/* Makes dir, <TMPDIR>/<name>.XXXXXX: 0, or -1 as a failed setup returns. */
static inline int scratch_make(const char *name)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
	return mkdtemp(dir) ? 0 : -1;
}

/* A group teardown: removes dir and everything in it. */
static inline int scratch_teardown(void **state)
{
	char cmd[sizeof(dir) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* dir/name, malloc()ed. */
static inline char *scratch_path(const char *name)
{
	char *p;

	return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

#endif
