// SPDX-License-Identifier: MIT
#include "tool/common/dir_names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/array.h"
#include "lib/base/log.h"

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dir_names(DIR *d, const char *name, bool (*keep)(const char *name), char ***out,
	      size_t *n_out)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int r = 0;

	for (errno = 0; (de = readdir(d)); errno = 0) {
		if (keep ? !keep(de->d_name) :
			   strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (CFS_GROW(names, cap, n + 1, 16) < 0) {
			r = log_oom();
			break;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = log_oom();
			break;
		}
		n++;
	}
	if (r == 0 && errno != 0)
		r = log_errno(-errno, "cannot read directory %s: %m", name);
	if (r < 0) {
		dir_names_free(names, n);
		*out = NULL;
		*n_out = 0;
		return r;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	*out = names;
	*n_out = n;
	return 0;
}

void dir_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
