// SPDX-License-Identifier: MIT
/*
 * Test driver of tests/host/pivot-pid1.sh, compiled by that test against
 * the built archives (not part of cfs-pivot): runs the steps of PID-1
 * mode the way the boot flow does, as PID 1 of the PID and mount namespace
 * the test made.
 *
 *   driver [--enter DIR] boot CMDLINE CONFIG SYSROOT
 *	pid1_mount_api, command line and policy from the files named,
 *	pid1_prepare, pid1_switch_root(SYSROOT, init=); pid1_fail on any
 *	refusal, with the class cfs-pivot would use
 *   driver [--enter DIR] compose CMDLINE CONFIG SYSROOT
 *	the whole boot flow of PID-1 mode as main.c runs it (pivot_boot_run
 *	with pid1 set: root device, verification, composition, state), then
 *	pid1_switch_root into the composed tree; pid1_fail on any refusal
 *   driver [--enter DIR] switch NEWROOT [INIT]
 *	pid1_mount_api, pid1_switch_root; exits 13 when it returns
 *   driver modules MODDIR LIST
 *	pid1_load_modules; exits 0 or 14
 *
 * --enter DIR first makes DIR (a mount point, the fake initramfs) the root
 * of the mount namespace, so that / is a tmpfs as in a real initramfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pivot/boot/boot.h"
#include "pivot/boot/cmdline.h"
#include "pivot/boot/errors.h"
#include "lib/base/log.h"
#include "pivot/pid1/modules.h"
#include "pivot/pid1/pid1.h"
#include "pivot/boot/policy.h"

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

static int class_of(int r, int class)
{
	return r == -ENOMEM ? PIVOT_EXIT_INTERNAL : class;
}

static _Noreturn void boot(const char *cmdline, const char *config, const char *sysroot)
{
	struct pivot_cmdline c;
	struct pivot_policy p;
	int r;

	pivot_policy_defaults(&p);
	r = pid1_mount_api();
	if (r < 0)
		pid1_fail(&p, class_of(r, PIVOT_EXIT_ROOTDEV));
	r = pivot_cmdline_load(&c, cmdline);
	if (r < 0)
		pid1_fail(&p, class_of(r, PIVOT_EXIT_CMDLINE));
	r = pivot_policy_load(&p, config);
	if (r < 0)
		pid1_fail(&p, class_of(r, PIVOT_EXIT_POLICY));
	r = pid1_prepare(&c, &p, sysroot);
	if (r < 0)
		pid1_fail(&p, class_of(r, PIVOT_EXIT_ROOTDEV));
	pid1_switch_root(sysroot, c.init);
	pid1_fail(&p, PIVOT_EXIT_SWITCH_ROOT);
}

static _Noreturn void compose(const char *cmdline, const char *config, const char *sysroot)
{
	const struct pivot_boot_options opt = {
		.cmdline_path = cmdline,
		.config_path = config,
		.sysroot = sysroot,
		.status_path = PIVOT_STATUS_PATH,
		.pid1 = true,
	};
	struct pivot_boot b;
	int r;

	pivot_boot_init(&b, &opt);
	r = pid1_mount_api();
	if (r < 0)
		pid1_fail(&b.policy, class_of(r, PIVOT_EXIT_ROOTDEV));
	r = pivot_boot_run(&b);
	if (r != PIVOT_EXIT_OK)
		pid1_fail(&b.policy, r);
	r = pid1_switch_root(sysroot, b.cmdline.init);
	pid1_fail(&b.policy, class_of(r, PIVOT_EXIT_SWITCH_ROOT));
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
	if (argc == 5 && strcmp(argv[1], "compose") == 0)
		compose(argv[2], argv[3], argv[4]);
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "switch") == 0) {
		if (pid1_mount_api() < 0)
			return PIVOT_EXIT_ROOTDEV;
		pid1_switch_root(argv[2], argc == 4 ? argv[3] : NULL);
		return PIVOT_EXIT_SWITCH_ROOT;
	}
	if (argc == 4 && strcmp(argv[1], "modules") == 0)
		return pid1_load_modules(argv[2], argv[3]) < 0 ? PIVOT_EXIT_ROOTDEV : 0;
	fprintf(stderr, "usage: driver [--enter DIR] boot|compose CMDLINE CONFIG SYSROOT | "
		"switch NEWROOT [INIT] | modules MODDIR LIST\n");
	return 2;
}
