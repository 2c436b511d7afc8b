// SPDX-License-Identifier: MIT
#include "tool/common/dispatch.h"

#include <string.h>

#include "lib/base/log.h"
#include "tool/commands.h"

void commands_list(FILE *out, const struct command *cmds, size_t n, int width)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-*s %s\n", width, cmds[i].name, cmds[i].summary);
}

int commands_run(const struct command *cmds, size_t n, const char *prefix,
		 void (*usage)(FILE *out), int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	log_error("unknown command '%s%s'; 'cfsboot %s--help' lists the commands", prefix,
		  argv[1], prefix);
	return EXIT_USAGE;
}
