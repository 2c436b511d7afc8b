// SPDX-License-Identifier: MIT
/*
 * cfs-pivot: the initramfs helper that verifies a composefs image named on
 * the kernel command line, measures it, composes it and hands it over.
 * As PID 1 it also brings up the physical root and switches root itself;
 * otherwise (a systemd unit, a dracut hook) the physical root is already
 * mounted and whoever runs it switches root afterwards.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "lib/tpm/measure_log.h"
#include "pivot/boot/boot.h"
#include "pivot/boot/errors.h"
#include "pivot/boot/lockdown.h"
#include "pivot/boot/policy.h"
#include "pivot/boot/status.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: cfs-pivot [OPTIONS]\n\n"
		     "Verify, measure and mount the composefs image named by composefs.digest=\n"
		     "on the kernel command line in place of the physical root.  See cfs-pivot(8).\n\n"
		     "  -h, --help           show this help\n"
		     "      --version        show the version\n"
		     "      --cmdline FILE   read the kernel command line from FILE\n"
		     "                       (default /proc/cmdline)\n"
		     "      --config FILE    read the policy from FILE\n"
		     "                       (default " PIVOT_POLICY_PATH ")\n"
		     "      --sysroot DIR    the physical root is mounted at DIR; the verified tree\n"
		     "                       takes its place (default " PIVOT_SYSROOT ")\n"
		     "      --status FILE    write the status to FILE\n"
		     "                       (default " PIVOT_STATUS_PATH ")\n"
		     "      --measure-log FILE\n"
		     "                       append the measurement's records to FILE\n"
		     "                       (default " CFS_MEASURE_LOG_PATH ")\n"
		     "      --avoid LIST     do not use these kernel features even if present, to\n"
		     "                       test the fallbacks: erofs-file, lowerdir-plus,\n"
		     "                       detached-layers (comma-separated)\n"
		     "      --check          parse the command line and the policy, print the\n"
		     "                       policy in force and the image named, and exit;\n"
		     "                       changes nothing\n"
		     "      --check-cmdline  refuse a command line with words that would skip,\n"
		     "                       stop or replace cfs-pivot in the initramfs, when the\n"
		     "                       policy requires an image; a refusal marks PCR 15\n"
		     "                       as a refused boot does\n");
}

static int parse_avoid(const char *list, struct pivot_avoid *avoid)
{
	static const struct {
		const char *name;
		size_t offset;
	} features[] = {
		{ "erofs-file",      offsetof(struct pivot_avoid, erofs_file) },
		{ "lowerdir-plus",   offsetof(struct pivot_avoid, layer_append) },
		{ "detached-layers", offsetof(struct pivot_avoid, detached_layers) },
	};
	const char *c = list;

	for (;;) {
		size_t len = strcspn(c, ",");
		size_t i;

		for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
			if (strlen(features[i].name) == len && strncmp(features[i].name, c, len) == 0)
				break;
		if (i == sizeof(features) / sizeof(features[0])) {
			log_error("--avoid: unknown feature '%.*s' (write erofs-file, lowerdir-plus "
				  "or detached-layers)", (int)len, c);
			return -EINVAL;
		}
		*(bool *)((char *)avoid + features[i].offset) = true;
		if (!c[len])
			return 0;
		c += len + 1;
	}
}

/* The boot where the physical root is already mounted, or --check. */
static int boot(const struct pivot_boot_options *opt, bool check)
{
	struct pivot_boot b;
	int r;

	pivot_boot_init(&b, opt);
	r = check ? pivot_boot_check(&b, stdout) : pivot_boot_run(&b);
	pivot_boot_done(&b);
	return r;
}

int main(int argc, char **argv)
{
	enum { OPT_VERSION = 0x100, OPT_CMDLINE, OPT_CONFIG, OPT_CHECK, OPT_SYSROOT, OPT_STATUS,
	       OPT_AVOID, OPT_MEASURE_LOG, OPT_CHECK_CMDLINE };
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "check-cmdline", no_argument, NULL, OPT_CHECK_CMDLINE },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "avoid", required_argument, NULL, OPT_AVOID },
		{ "measure-log", required_argument, NULL, OPT_MEASURE_LOG },
		{}
	};
	struct pivot_boot_options opt = {
		.cmdline_path = "/proc/cmdline",
		.config_path = PIVOT_POLICY_PATH,
		.sysroot = PIVOT_SYSROOT,
		.status_path = PIVOT_STATUS_PATH,
	};
	bool do_check = false, do_check_cmdline = false;
	int c;

	cfs_log_init("cfs-pivot");
	/* PID 1's arguments are the kernel's leftover command-line words,
	 * not options: they are ignored, and the defaults hold. */
	if (getpid() == 1)
		pivot_boot_pid1(&opt);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return PIVOT_EXIT_OK;
		case OPT_VERSION:
			printf("cfs-pivot %s\n", CFSBOOT_VERSION);
			return PIVOT_EXIT_OK;
		case OPT_CMDLINE:
			opt.cmdline_path = optarg;
			break;
		case OPT_CONFIG:
			opt.config_path = optarg;
			break;
		case OPT_CHECK:
			do_check = true;
			break;
		case OPT_CHECK_CMDLINE:
			do_check_cmdline = true;
			break;
		case OPT_SYSROOT:
			opt.sysroot = optarg;
			break;
		case OPT_STATUS:
			opt.status_path = optarg;
			break;
		case OPT_MEASURE_LOG:
			opt.measure_log_path = optarg;
			break;
		case OPT_AVOID:
			if (parse_avoid(optarg, &opt.avoid) < 0)
				return PIVOT_EXIT_USAGE;
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

	if (do_check_cmdline)
		return pivot_lockdown_check(opt.cmdline_path, opt.config_path, opt.measure_log_path);
	return boot(&opt, do_check);
}
