/* SPDX-License-Identifier: MIT */
/* Commands chosen by their first argument: cfsboot's and cfsboot tpm's. */
#ifndef CFSBOOT_DISPATCH_H
#define CFSBOOT_DISPATCH_H

#include <stddef.h>
#include <stdio.h>

struct command {
	const char *name;
	int (*run)(int argc, char **argv);   /* argv[0] is the command's name */
	const char *summary;                 /* one line for the usage text */
};

/* One line per command, "  NAME  SUMMARY", names padded to width. */
void commands_list(FILE *out, const struct command *cmds, size_t n, int width);

/* The command called name, or NULL. */
const struct command *commands_find(const struct command *cmds, size_t n, const char *name);

#endif
