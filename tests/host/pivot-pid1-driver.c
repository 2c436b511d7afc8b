// SPDX-License-Identifier: MIT
/*
 * Test driver of tests/host/pivot-pid1.sh, compiled by that test against
 * the built archives (not part of cfs-pivot), run as PID 1 of the PID and
 * mount namespace the test made.
 *
 *   driver [--enter DIR] boot CMDLINE CONFIG SYSROOT
 *	PID-1 mode as cfs-pivot runs it, pivot_boot_pid1(), with the command
 *	line and the policy read from the files named instead of
 *	/proc/cmdline (which is the host's) and /etc/cfsboot/pivot.conf
 *   driver [--enter DIR] switch NEWROOT [INIT]
 *	pid1_mount_api, pid1_switch_root; exits 13 when it returns
 *   driver modules MODDIR LIST
 *	pid1_load_modules; exits 0 or 14
 *
 * --enter DIR first makes DIR (a mount point, the fake initramfs) the root
 * of the mount namespace, so that / is a tmpfs as in a real initramfs.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "pivot/boot/boot.h"
#include "pivot/boot/errors.h"
#include "pivot/boot/status.h"
#include "pivot/pid1/modules.h"
#include "pivot/pid1/pid1.h"
#include "pivot/pid1/switchroot.h"

/* pivot_root(".", ".") stacks the old root on the new one; detaching the
 * top of the stack then leaves the new one alone. */
static int enter(const char *dir)
{
	if (chdir(dir) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
		perror("driver: entering the fake initramfs");
		return -1;
	}
	return 0;
}

static _Noreturn void boot(const char *cmdline, const char *config, const char *sysroot)
{
	const struct pivot_boot_options opt = {
		.cmdline_path = cmdline,
		.config_path = config,
		.sysroot = sysroot,
		.status_path = PIVOT_STATUS_PATH,
	};

	pivot_boot_pid1(&opt);
}

int main(int argc, char **argv)
{
	cfs_log_init("cfs-pivot");
	if (argc > 2 && strcmp(argv[1], "--enter") == 0) {
		if (enter(argv[2]) < 0)
			return 99;
		argc -= 2;
		argv += 2;
	}
	if (argc == 5 && strcmp(argv[1], "boot") == 0)
		boot(argv[2], argv[3], argv[4]);
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "switch") == 0) {
		if (pid1_mount_api() < 0)
			return PIVOT_EXIT_ROOTDEV;
		pid1_switch_root(argv[2], argc == 4 ? argv[3] : NULL);
		return PIVOT_EXIT_SWITCH_ROOT;
	}
	if (argc == 4 && strcmp(argv[1], "modules") == 0)
		return pid1_load_modules(argv[2], argv[3]) < 0 ? PIVOT_EXIT_ROOTDEV : 0;
	fprintf(stderr, "usage: driver [--enter DIR] boot CMDLINE CONFIG SYSROOT | "
		"switch NEWROOT [INIT] | modules MODDIR LIST\n");
	return 2;
}
