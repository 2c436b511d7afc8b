// SPDX-License-Identifier: MIT
/*
 * cfs-pivot: the initramfs helper that verifies a composefs image named on
 * the kernel command line, measures it, composes it and switches root.
 * The boot sequence itself arrives with its own issue; this file is its
 * entry point and command-line front end.
 */
#include <getopt.h>
#include <stdio.h>

#include "log.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: cfs-pivot [OPTIONS]\n\n"
		     "Verify, measure and mount the composefs image named by composefs.digest=\n"
		     "on the kernel command line, then switch into it.  See cfs-pivot(8).\n\n"
		     "  -h, --help      show this help\n"
		     "      --version   show the version\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	int c;

	cfs_log_init("cfs-pivot");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("cfs-pivot %s\n", CFSBOOT_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	log_error("the boot sequence is not built yet; nothing was changed");
	return 1;
}
