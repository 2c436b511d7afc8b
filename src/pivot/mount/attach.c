// SPDX-License-Identifier: MIT
/*
 * The physical root leaves the sysroot by a lazy unmount rather than by
 * being moved into the new tree: moving a mount whose parent is shared is
 * refused, and in a systemd initrd "/" is shared.  Clones made beforehand
 * keep it: a read-only one for /sysroot inside the new root, and one as it
 * was, to put back if attaching fails.  The lazy unmount only takes the
 * mount away from the sysroot; the file system stays in use by the clones,
 * the store fds and the overlays.
 *
 * Sub-mounts are attached after the root, on kernels old and new alike:
 * before Linux 6.15 nothing can be attached inside a detached tree.
 */
#include "pivot/mount/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

int pivot_attach_has_sysroot(int root_fd)
{
	_cleanup_close_ int fd = openat(root_fd, "sysroot", O_PATH | O_DIRECTORY | O_NOFOLLOW |
					O_CLOEXEC);

	if (fd >= 0)
		return 1;
	if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
		return log_errno(-errno, "cannot look up /sysroot in the image: %m");
	log_warning("the image has no directory /sysroot: the booted system will not see the "
		    "physical root (its store and state) until it mounts it itself");
	return 0;
}

/*
 * A detached copy of the physical root with its sub-mounts.  The one the
 * booted system sees at /sysroot (read_only) is only there to be looked
 * at: nothing on it was verified, so a setuid program or a device node
 * planted on the disk must do nothing through it.
 */
static int clone_root(int physroot_fd, bool read_only)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			    MOUNT_ATTR_NOEXEC,
	};
	_cleanup_close_ int fd = open_tree(physroot_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					   AT_EMPTY_PATH | AT_RECURSIVE);

	if (fd < 0)
		return log_errno(-errno, "cannot clone the mount of the physical root: %m");
	if (read_only && mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		return log_errno(-errno, "cannot make the clone of the physical root read-only, "
				 "nosuid, nodev and noexec: %m");
	return TAKE_FD(fd);
}

static int attach_at(int fd, int dirfd, const char *path, const char *shown)
{
	if (move_mount(fd, "", dirfd, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return log_errno(-errno, "cannot attach %s: %m", shown);
	return 0;
}

/* Undoes a failed attach: the composed tree (if it was attached) goes, the
 * physical root comes back. */
static void put_back(const char *sysroot, int restore_fd, bool root_attached)
{
	if (root_attached && umount2(sysroot, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		log_error("cannot detach the composed tree from %s again: %m", sysroot);
	if (move_mount(restore_fd, "", AT_FDCWD, sysroot, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		log_error("cannot put the physical root back at %s: %m", sysroot);
}

int pivot_attach(const char *sysroot, int physroot_fd, const struct pivot_attach *a,
		 bool with_sysroot)
{
	_cleanup_close_ int ro_fd = -1, restore_fd = -1;
	int r;

	if (with_sysroot) {
		ro_fd = clone_root(physroot_fd, true);
		if (ro_fd < 0)
			return ro_fd;
	}
	restore_fd = clone_root(physroot_fd, false);
	if (restore_fd < 0)
		return restore_fd;

	if (umount2(sysroot, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return log_errno(-errno, "cannot detach the physical root from %s: %m", sysroot);
	r = attach_at(a->root_fd, AT_FDCWD, sysroot, "the composed tree");
	if (r < 0) {
		put_back(sysroot, restore_fd, false);
		return r;
	}
	if (ro_fd >= 0)
		r = attach_at(ro_fd, a->root_fd, "sysroot", "the physical root at /sysroot");
	if (r == 0 && a->etc_fd >= 0)
		r = attach_at(a->etc_fd, a->root_fd, "etc", "/etc");
	if (r == 0 && a->keep)
		r = pivot_etc_keep_attach(a->keep);
	if (r == 0 && a->var_fd >= 0)
		r = attach_at(a->var_fd, a->root_fd, "var", "/var");
	if (r < 0)
		put_back(sysroot, restore_fd, true);
	return r;
}
