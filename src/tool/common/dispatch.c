// SPDX-License-Identifier: MIT
#include "tool/common/dispatch.h"

#include <string.h>

void commands_list(FILE *out, const struct command *cmds, size_t n, int width)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-*s %s\n", width, cmds[i].name, cmds[i].summary);
}

const struct command *commands_find(const struct command *cmds, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, cmds[i].name) == 0)
			return &cmds[i];
	return NULL;
}
