/* SPDX-License-Identifier: MIT */
/* The subcommands of cfsboot: each lives in its own cmd_<name>.c and gets
 * argv with argv[0] = the subcommand name.  Exit codes are in docs/errors.md. */
#ifndef CFSBOOT_COMMANDS_H
#define CFSBOOT_COMMANDS_H

/* Exit codes shared by the subcommands. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,        /* the operation failed; the message says why */
	EXIT_USAGE = 2,         /* bad command line */
};

int cmd_digest(int argc, char **argv);
int cmd_mkimage(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
