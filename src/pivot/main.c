// SPDX-License-Identifier: MIT
/*
 * cfs-pivot: the initramfs helper that verifies a composefs image named on
 * the kernel command line, measures it, composes it and switches root.
 * The boot sequence itself arrives with its own issue; this file is its
 * entry point and command-line front end.
 */
#include <getopt.h>
#include <stdio.h>

#include "cmdline.h"
#include "errors.h"
#include "log.h"
#include "policy.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: cfs-pivot [OPTIONS]\n\n"
		     "Verify, measure and mount the composefs image named by composefs.digest=\n"
		     "on the kernel command line, then switch into it.  See cfs-pivot(8).\n\n"
		     "  -h, --help           show this help\n"
		     "      --version        show the version\n"
		     "      --cmdline FILE   read the kernel command line from FILE\n"
		     "                       (default /proc/cmdline)\n"
		     "      --config FILE    read the policy from FILE\n"
		     "                       (default " PIVOT_POLICY_PATH ")\n"
		     "      --check          parse both, print the policy in force and the image\n"
		     "                       named, and exit; changes nothing\n");
}

/* An allocation failure is cfs-pivot's fault, not the input's. */
static int exit_code(int r, enum pivot_exit class)
{
	return r == -ENOMEM ? PIVOT_EXIT_INTERNAL : (int)class;
}

/* --check: what a boot with these inputs would enforce. */
static int check(const char *cmdline_path, const char *config_path)
{
	struct pivot_cmdline c;
	struct pivot_policy p;
	char hex[PIVOT_DIGEST_HEX_MAX];
	int r;

	r = pivot_cmdline_load(&c, cmdline_path);
	if (r < 0) {
		pivot_cmdline_done(&c);
		return exit_code(r, PIVOT_EXIT_CMDLINE);
	}
	if (c.debug)
		cfs_log_set_level(LOG_DEBUG);

	r = pivot_policy_load(&p, config_path);
	if (r < 0) {
		pivot_cmdline_done(&c);
		return exit_code(r, PIVOT_EXIT_POLICY);
	}
	pivot_policy_apply_cmdline(&p, &c);

	if (c.have_digest) {
		pivot_digest_hex(&c.digest, hex);
		printf("# image: %s:%s\n", cfs_hash_name(c.digest.alg), hex);
	} else {
		printf("# image: none named on the command line; nothing to do\n");
	}
	pivot_cmdline_done(&c);
	if (pivot_policy_print(&p, stdout) < 0 || fflush(stdout) != 0) {
		log_error("cannot write the policy to standard output");
		return PIVOT_EXIT_INTERNAL;
	}
	return PIVOT_EXIT_OK;
}

int main(int argc, char **argv)
{
	enum { OPT_VERSION = 0x100, OPT_CMDLINE, OPT_CONFIG, OPT_CHECK };
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "check", no_argument, NULL, OPT_CHECK },
		{}
	};
	const char *cmdline_path = "/proc/cmdline", *config_path = PIVOT_POLICY_PATH;
	bool do_check = false;
	int c;

	cfs_log_init("cfs-pivot");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return PIVOT_EXIT_OK;
		case OPT_VERSION:
			printf("cfs-pivot %s\n", CFSBOOT_VERSION);
			return PIVOT_EXIT_OK;
		case OPT_CMDLINE:
			cmdline_path = optarg;
			break;
		case OPT_CONFIG:
			config_path = optarg;
			break;
		case OPT_CHECK:
			do_check = true;
			break;
		default:
			usage(stderr);
			return PIVOT_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s'; cfs-pivot takes options only (see --help)",
			  argv[optind]);
		return PIVOT_EXIT_USAGE;
	}

	if (do_check)
		return check(cmdline_path, config_path);
	log_error("the boot sequence is not built yet; nothing was changed");
	return PIVOT_EXIT_INTERNAL;
}
