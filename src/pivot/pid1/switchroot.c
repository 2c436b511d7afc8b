// SPDX-License-Identifier: MIT
/*
 * Switching root out of the initramfs, as util-linux's switch_root does:
 * the initramfs is the kernel's rootfs, which can be neither unmounted nor
 * pivoted away, so the API file systems and then the new root are moved
 * over it, the process chroots into the new root, and the initramfs's
 * files are deleted to give their memory back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "pivot/pid1/switchroot.h"
#include "lib/base/util.h"

/* What init finds mounted; it mounts anything else itself. */
static const char *const api_mounts[] = { "/dev", "/proc", "/sys", "/run" };

bool pid1_is_mount_point(int dirfd, const char *path)
{
	struct statx stx;

	if (statx(dirfd, path, AT_SYMLINK_NOFOLLOW, 0, &stx) < 0)
		return false;
	return stx.stx_attributes_mask & stx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
}

/*
 * Opens init inside the new root, before anything changes, while a
 * refusal still leaves the initramfs whole.  Symlinks resolve as if the
 * new root were / (so that /sbin/init -> /lib/systemd/systemd points into
 * it), but never onto another mount: the composed tree is the verified
 * image, while the mounts on it (/sysroot, the physical root; /etc and
 * /var state) hold files nobody verified.  The file opened is the one
 * executed.  The fd, or a negative errno (logged).
 */
static int open_init(int root_fd, const char *newroot, const char *init)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = (int)syscall(SYS_openat2, root_fd, init, &how, sizeof(how));
	if (fd < 0 && errno == ENOENT)
		return log_errno(-ENOENT, "the new root %s has no %s; name its init program with init=",
				 newroot, init);
	if (fd < 0 && errno == EXDEV)
		return log_errno(-EXDEV, "refusing init %s: it leads out of the new root %s onto "
				 "another mount (the physical root, /etc or /var state), whose files "
				 "are not verified; init must be a file of the image", init, newroot);
	if (fd < 0)
		return log_errno(-errno, "cannot open %s in the new root %s: %m", init, newroot);
	if (fstat(fd, &st) < 0)
		return log_errno(-errno, "cannot stat %s in the new root %s: %m", init, newroot);
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return log_errno(-EACCES, "%s in the new root %s is not an executable file",
				 init, newroot);
	return TAKE_FD(fd);
}

/*
 * Executes the file open at fd.  The kernel hands a script's interpreter
 * the script as /dev/fd/N, so a script's fd must stay open across the exec
 * (its $0 is then /dev/fd/N); a program's is closed by it.
 */
static int exec_init(int fd, const char *init)
{
	char magic[2];

	if (pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	    memcmp(magic, "#!", 2) == 0 && fcntl(fd, F_SETFD, 0) < 0)
		return -errno;
	syscall(SYS_execveat, fd, "", (char *const[]){ (char *)init, NULL }, environ,
		AT_EMPTY_PATH);
	return -errno;
}

/* Moves the API file system at path (when one is mounted there) to the
 * same place in the new root.  Where the new root has no empty directory
 * for it, it is detached instead and init has to mount its own. */
static int move_api_mount(const char *newroot, const char *path)
{
	char target[PATH_MAX];
	struct stat st;
	int n;

	if (!pid1_is_mount_point(AT_FDCWD, path))
		return 0;
	n = snprintf(target, sizeof(target), "%s%s", newroot, path);
	if (n < 0 || (size_t)n >= sizeof(target))
		return log_errno(-ENAMETOOLONG, "the new root's path %s is too long", newroot);
	if (lstat(target, &st) < 0 || !S_ISDIR(st.st_mode) || pid1_is_mount_point(AT_FDCWD, target)) {
		log_warning("the new root has no free directory %s; unmounting %s instead of moving it",
			    target, path);
		umount2(path, MNT_DETACH);
		return 0;
	}
	if (mount(path, target, NULL, MS_MOVE, NULL) < 0)
		return log_errno(-errno, "cannot move %s to %s: %m", path, target);
	return 0;
}

/*
 * Deletes everything in the directory dfd (which it closes) that lives on
 * device dev.  An entry on another device is a mount point: whatever is
 * mounted there is not the initramfs's to delete, so it is never entered.
 * Returns how many entries could not be removed.
 */
static unsigned int remove_tree(int dfd, dev_t dev)
{
	unsigned int failed = 0;
	struct dirent *de;
	DIR *dir;

	dir = fdopendir(dfd);
	if (!dir) {
		close(dfd);
		return 1;
	}
	while ((de = readdir(dir))) {
		struct stat st;
		bool is_dir;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			failed++;
			continue;
		}
		if (st.st_dev != dev)
			continue;
		is_dir = S_ISDIR(st.st_mode);
		if (is_dir) {
			int sub = openat(dirfd(dir), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0) {
				failed++;
				continue;
			}
			failed += remove_tree(sub, dev);
		}
		if (unlinkat(dirfd(dir), de->d_name, is_dir ? AT_REMOVEDIR : 0) < 0)
			failed++;
	}
	closedir(dir);
	return failed;
}

/* Frees the old root, reachable only through old_fd (consumed) now, when
 * it is an initramfs: a ramfs or tmpfs.  Anything else is a real file
 * system, whose files are nobody's to delete. */
static void free_initramfs(int old_fd)
{
	struct statfs sfs;
	struct stat st;
	unsigned int failed;

	if (fstatfs(old_fd, &sfs) < 0 || fstat(old_fd, &st) < 0) {
		log_warning("cannot stat the old root (%s); its files are left in memory",
			    strerror(errno));
		close(old_fd);
		return;
	}
	if (sfs.f_type != RAMFS_MAGIC && sfs.f_type != TMPFS_MAGIC) {
		log_notice("the old root is not an initramfs (file system 0x%lx); its files are "
			   "left alone", (unsigned long)sfs.f_type);
		close(old_fd);
		return;
	}
	failed = remove_tree(old_fd, st.st_dev);
	if (failed)
		log_warning("%u entries of the initramfs could not be removed; their memory stays "
			    "in use", failed);
}

int pid1_switch_root(const char *newroot, const char *init)
{
	_cleanup_close_ int root_fd = -1, old_fd = -1, init_fd = -1;
	int r;

	if (!init)
		init = "/sbin/init";
	if (init[0] != '/')
		return log_errno(-EINVAL, "init=%s is not an absolute path", init);
	root_fd = open(newroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return log_errno(-errno, "cannot open the new root %s: %m", newroot);
	if (!pid1_is_mount_point(AT_FDCWD, newroot))
		return log_errno(-EINVAL, "the new root %s is not a mount point", newroot);
	init_fd = open_init(root_fd, newroot, init);
	if (init_fd < 0)
		return init_fd;
	/* Once the new root covers /, this is the only way to the old one. */
	old_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (old_fd < 0)
		return log_errno(-errno, "cannot open the old root: %m");

	for (size_t i = 0; i < ARRAY_SIZE(api_mounts); i++) {
		r = move_api_mount(newroot, api_mounts[i]);
		if (r < 0)
			return r;
	}
	if (chdir(newroot) < 0)
		return log_errno(-errno, "cannot change directory to %s: %m", newroot);
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return log_errno(-errno, "cannot move %s to /: %m", newroot);
	if (chroot(".") < 0 || chdir("/") < 0)
		return log_errno(-errno, "cannot change root to %s: %m", newroot);
	free_initramfs(TAKE_FD(old_fd));

	log_info("switched root to %s; executing %s", newroot, init);
	r = exec_init(init_fd, init);
	return log_errno(r, "cannot execute %s in the new root: %m; the initramfs is gone, "
			 "so the boot stops here", init);
}
