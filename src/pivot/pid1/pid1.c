// SPDX-License-Identifier: MIT
/*
 * PID-1 mode: what an init must do before cfs-pivot's boot flow can run
 * (API file systems, console, modules, the physical root), and how PID 1
 * refuses a boot.  Switching root is in switchroot.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pivot/boot/cmdline.h"
#include "pivot/boot/errors.h"
#include "lib/base/log.h"
#include "pivot/pid1/modules.h"
#include "pivot/pid1/pid1.h"
#include "pivot/boot/policy.h"
#include "pivot/pid1/rootdev.h"
#include "pivot/pid1/rootspec.h"
#include "pivot/pid1/switchroot.h"
#include "lib/base/util.h"

static const struct api_mount {
	const char *path, *type;
	unsigned long flags;
	const char *data;
} api_mounts[] = {
	{ "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
	{ "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
};

static int mount_api(const struct api_mount *m)
{
	if (mkdir(m->path, 0755) < 0 && errno != EEXIST)
		return log_errno(-errno, "cannot create %s: %m", m->path);
	if (pid1_is_mount_point(AT_FDCWD, m->path)) {
		log_debug("%s is mounted already", m->path);
		return 0;
	}
	if (mount(m->type, m->path, m->type, m->flags, m->data) < 0)
		return log_errno(-errno, "cannot mount %s on %s: %m; the kernel needs %s support",
				 m->type, m->path, m->type);
	return 0;
}

/* The kernel gives init /dev/console as fds 0-2 when the initramfs has
 * that node; without it they are closed, and messages would go nowhere. */
static void open_console(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		/* The lower fds are open, so this one is the lowest free. */
		if (open("/dev/console", O_RDWR | O_NOCTTY) != fd)
			return;
	}
}

int pid1_mount_api(void)
{
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(api_mounts); i++) {
		r = mount_api(&api_mounts[i]);
		if (r < 0)
			return r;
	}
	/* An init script is executed from an fd (switchroot.c), and its
	 * interpreter opens it as /dev/fd/N: a link devtmpfs lacks until udev
	 * or systemd make it. */
	if (symlink("/proc/self/fd", "/dev/fd") < 0 && errno != EEXIST)
		log_warning("cannot create /dev/fd (%s): an init script will not start", strerror(errno));
	open_console();
	r = cfs_log_open_kmsg();
	if (r < 0)
		log_warning("cannot open /dev/kmsg (%s); messages go to the console only",
			    strerror(-r));
	return 0;
}

int pid1_prepare(const struct pivot_cmdline *c, const struct pivot_policy *p,
		 const char *sysroot)
{
	struct pid1_root_types types;
	struct pid1_rootspec spec;
	char dev[PATH_MAX];
	int r;

	r = pid1_load_modules(NULL, PID1_MODULES_LIST);
	if (r < 0)
		return r;
	if (!c->root)
		return log_errno(-EINVAL, "PID-1 mode needs root= on the kernel command line to find "
				 "the physical root");
	r = pid1_rootspec_parse(c->root, &spec);
	if (r == 0)
		r = pid1_root_types(c->rootfstype, &types);
	if (r < 0)
		return r;
	/* rootwait asks the kernel to wait for ever.  A missing disk would
	 * then hang the machine without a word; the policy's bound holds. */
	if (c->rootwait)
		log_debug("rootwait: waiting at most root-wait = %u s", p->root_wait);
	r = pid1_rootdev_wait(&spec, &types, p->root_wait, dev, sizeof(dev));
	if (r < 0)
		return r;
	return pid1_rootdev_mount(dev, c->rootfstype, &types, c->rootflags, sysroot);
}

_Noreturn void pid1_fail(const struct pivot_policy *p, int exit_code)
{
	const char *class = pivot_exit_name(exit_code);
	const char *reason = cfs_log_last_error();
	bool restart = p->on_failure == PIVOT_ON_FAILURE_REBOOT;

	/* Messages before /dev was mounted went to the console alone. */
	cfs_log_open_kmsg();
	log_error("boot refused (%s, exit %d): %s", class ? class : "unknown", exit_code,
		  *reason ? reason : "no reason was logged");
	if (restart)
		log_notice("rebooting in %d seconds", PID1_REBOOT_DELAY);
	else
		log_notice("halting; the machine stays on until it is switched off");
	sync();
	if (restart)
		sleep(PID1_REBOOT_DELAY);
	reboot(restart ? RB_AUTOBOOT : RB_HALT_SYSTEM);
	/* Only without CAP_SYS_BOOT.  PID 1 must not exit: the kernel would
	 * panic and scroll the reason away. */
	log_error("cannot %s: %s; stopping here", restart ? "reboot" : "halt", strerror(errno));
	for (;;)
		pause();
}
