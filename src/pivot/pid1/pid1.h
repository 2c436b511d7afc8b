/* SPDX-License-Identifier: MIT */
/*
 * PID-1 mode of cfs-pivot (docs/pid1.md): when it is the init of a minimal
 * initramfs, nobody else mounts the API file systems, loads modules, finds
 * and mounts the physical root or switches root, so cfs-pivot does it.
 *
 * pivot_boot_pid1() (boot.h) calls, in order:
 *	pid1_mount_api()     /proc is there: /proc/cmdline can be read
 *	pid1_prepare()       as the boot's root-device phase: the physical
 *	                     root at sysroot (mount read-only, file system
 *	                     writable)
 *	... verify, measure, compose the image at sysroot ...
 *	pid1_switch_root()   (switchroot.h) does not return on success
 * and pid1_fail() whenever a step refuses the boot, because PID 1 must not
 * exit: the kernel would panic and hide the reason.
 */
#ifndef CFS_PIVOT_PID1_H
#define CFS_PIVOT_PID1_H

struct pivot_cmdline;
struct pivot_policy;

/*
 * Mounts /proc, /sys, /dev (devtmpfs) and /run (tmpfs, 0755) where they are
 * not mounted yet, gives fds 0-2 the console if they are closed and sends
 * the log to /dev/kmsg as well.  The first thing PID 1 does: the command
 * line is only readable once /proc is mounted.  0 or a negative errno
 * (logged; class PIVOT_EXIT_ROOTDEV).
 */
int pid1_mount_api(void);

/*
 * Once pid1_mount_api() has run: loads the modules of PID1_MODULES_LIST
 * (modules.h), waits up to the policy's
 * root_wait seconds for the device named by root= (rootwait does not make
 * the wait endless) and mounts it at sysroot (created if missing) with
 * rootfstype= (else the probed type) and rootflags=, as
 * pid1_rootdev_mount() does: the mount read-only, the file system
 * writable.
 *
 * Returns 0, or a negative errno after logging one line naming the step.
 * Every failure is of class PIVOT_EXIT_ROOTDEV, apart from -ENOMEM
 * (PIVOT_EXIT_INTERNAL).
 */
int pid1_prepare(const struct pivot_cmdline *c, const struct pivot_policy *p,
		 const char *sysroot);

/*
 * Refuses the boot as PID 1: repeats the last error line on the console and
 * in the kernel log with the class of exit_code (a PIVOT_EXIT_*), syncs,
 * and halts (RB_HALT_SYSTEM, the message stays on the screen) or, after
 * PID1_REBOOT_DELAY seconds, reboots, as the policy's on_failure says.
 */
#define PID1_REBOOT_DELAY 10
_Noreturn void pid1_fail(const struct pivot_policy *p, int exit_code);

#endif
