/* SPDX-License-Identifier: MIT */
/*
 * The subcommands of cfsboot: each lives in its own cmd_<name>.c and gets
 * argv with argv[0] = the subcommand name.  Exit codes are in docs/errors.md.
 *
 * The one header that declares other files' functions, on purpose: it is
 * the table of subcommands main.c dispatches to, and a cmd_<name>.c has
 * nothing else to export.
 */
#ifndef CFSBOOT_COMMANDS_H
#define CFSBOOT_COMMANDS_H

/* Exit codes shared by the subcommands. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,        /* the operation failed; the message says why */
	EXIT_USAGE = 2,         /* bad command line */
	EXIT_BAD_IMAGE = 3,     /* an image is corrupt or not a composefs image */
	EXIT_MISSING_OBJECTS = 4, /* fsck: objects an image needs are missing */
	EXIT_CORRUPT_OBJECTS = 5, /* fsck: objects do not match their digests */
};

int cmd_digest(int argc, char **argv);
int cmd_mkimage(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_fsck(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_tpm(int argc, char **argv);
int cmd_deploy(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_bless(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_pull(int argc, char **argv);

#endif
