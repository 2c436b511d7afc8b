// SPDX-License-Identifier: MIT
/* cfsboot: build, sign, inspect and check composefs images. */
#include <stdio.h>
#include <string.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "tool/commands.h"
#include "tool/common/dispatch.h"

static const struct command commands[] = {
	{ "digest",  cmd_digest,  "print the fs-verity digest of files" },
	{ "mkimage", cmd_mkimage, "build a composefs image (and fill an object store)" },
	{ "inspect", cmd_inspect, "describe an image: header, objects, dump" },
	{ "fsck",    cmd_fsck,    "check that a store holds every object its images need" },
	{ "sign",    cmd_sign,    "sign an image's fs-verity digest (CMS, security version)" },
	{ "verify",  cmd_verify,  "verify an image signature as cfs-pivot does" },
	{ "tpm",     cmd_tpm,     "measurement log replay and the TPM's anti-rollback floor" },
	{ "deploy",  cmd_deploy,  "make an image of the store the next boot's default" },
	{ "status",  cmd_status,  "the booted, default, rollback and pending deployments" },
	{ "bless",   cmd_bless,   "mark the booted deployment good; then raise the floor" },
	{ "rollback", cmd_rollback, "make the previous deployment the default" },
	{ "gc",      cmd_gc,      "remove what no deployment references" },
	{ "publish", cmd_publish, "write images into a static update repository, sign a channel" },
	{ "pull",    cmd_pull,    "fetch a channel's image from a repository (directory or URL)" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: cfsboot COMMAND [OPTIONS] [ARGS]\n\n"
		     "Build, sign, inspect and check verified composefs root images.\n\n"
		     "Commands:\n");
	commands_list(out, commands, ARRAY_SIZE(commands), 10);
	fprintf(out, "\n'cfsboot COMMAND --help' describes a command; see cfsboot(1).\n");
}

int main(int argc, char **argv)
{
	cfs_log_init("cfsboot");
	if (argc >= 2 && strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("cfsboot %s\n", CFSBOOT_VERSION);
		return EXIT_OK;
	}
	return commands_run(commands, ARRAY_SIZE(commands), "", usage, argc, argv);
}
