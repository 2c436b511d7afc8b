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

/*
 * Runs the command argv[1] names, with argv + 1.  Without one, prints
 * usage to standard error; for -h or --help, to standard output.  prefix
 * stands before the command's name in messages ("" or "tpm ").  Returns
 * the command's exit code, EXIT_OK after the help, or EXIT_USAGE (said
 * why: no command, or an unknown one).
 */
int commands_run(const struct command *cmds, size_t n, const char *prefix,
		 void (*usage)(FILE *out), int argc, char **argv);

#endif
