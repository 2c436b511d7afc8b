// SPDX-License-Identifier: MIT
/*
 * openat2() (Linux 5.6) resolves a whole path with the guarantees we need
 * in one call.  Without it, the walk opens one component at a time with
 * O_NOFOLLOW and checks each with fstat(): a symbolic link is refused, and
 * so is a component on another device (the walk cannot see a bind mount of
 * the same file system; openat2() can).  Normal paths have no "..", so
 * neither way can climb out of the directory it starts from.
 */
#include "lib/store/beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

bool cfs_path_is_normal(const char *path)
{
	const char *c = path;

	if (!*path || *path == '/')
		return false;
	for (;;) {
		const char *end = strchrnul(c, '/');
		size_t len = (size_t)(end - c);

		if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!*end)
			return true;
		c = end + 1;
	}
}

/* glibc 2.36 has no wrapper for openat2(). */
static int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

static int walk(int dirfd, const char *path, bool dir, bool last_link);

/* Atomic: cfsboot fsck opens objects on several threads. */
static atomic_bool no_openat2;

/* With follow, links that stay beneath dirfd are followed by the kernel;
 * with last_link, a symbolic link as the last component is opened itself
 * (O_PATH | O_NOFOLLOW gives the link), for a caller that reads it. */
static int open_beneath(int dirfd, const char *path, bool dir, bool follow, bool last_link)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (dir ? O_DIRECTORY : 0) | (last_link ? O_NOFOLLOW : 0),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV |
			   (follow ? 0 : RESOLVE_NO_SYMLINKS),
	};
	int fd;

	if (!cfs_path_is_normal(path))
		return -EINVAL;
	if (no_openat2)
		return walk(dirfd, path, dir, last_link);
	/* EAGAIN: a rename or mount anywhere raced the resolution of a ".."
	 * (in a link's target, with follow), and the kernel asks for another
	 * try; a few are enough unless something renames without end. */
	for (int tries = 0; tries < 8; tries++) {
		fd = sys_openat2(dirfd, path, &how);
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	if (fd >= 0)
		return fd;
	if (errno != ENOSYS)
		return -errno;
	no_openat2 = true;
	return walk(dirfd, path, dir, last_link);
}

int cfs_open_beneath(int dirfd, const char *path, bool dir)
{
	return open_beneath(dirfd, path, dir, false, false);
}

int cfs_open_beneath_link(int dirfd, const char *path)
{
	return open_beneath(dirfd, path, false, false, true);
}

int cfs_open_beneath_follow(int dirfd, const char *path, bool dir)
{
	return open_beneath(dirfd, path, dir, true, false);
}

/* Opens one component, refusing a link (unless link_ok) and a change of
 * device. */
static int open_component(int dirfd, const char *name, dev_t dev, bool want_dir, bool link_ok)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_PATH | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode) && !link_ok)
		return -ELOOP;
	if (st.st_dev != dev)
		return -EXDEV;
	if (want_dir && !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return TAKE_FD(fd);
}

int cfs_open_beneath_walk(int dirfd, const char *path, bool dir)
{
	return walk(dirfd, path, dir, false);
}

int cfs_open_beneath_link_walk(int dirfd, const char *path)
{
	return walk(dirfd, path, false, true);
}

static int walk(int dirfd, const char *path, bool dir, bool last_link)
{
	char name[256];
	_cleanup_close_ int cur = -1;
	const char *c = path;
	struct stat st;

	if (!cfs_path_is_normal(path))
		return -EINVAL;
	if (fstat(dirfd, &st) < 0)
		return -errno;
	for (;;) {
		const char *end = strchrnul(c, '/');
		size_t len = (size_t)(end - c);
		bool last = !*end;
		int fd;

		if (len >= sizeof(name))
			return -ENAMETOOLONG;
		memcpy(name, c, len);
		name[len] = '\0';
		fd = open_component(cur >= 0 ? cur : dirfd, name, st.st_dev, !last || dir,
				    last && last_link);
		if (fd < 0)
			return fd;
		if (cur >= 0)
			close(cur);
		cur = fd;
		if (last)
			return TAKE_FD(cur);
		c = end + 1;
	}
}

int cfs_reopen_read(int path_fd)
{
	char proc[64];
	int fd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", path_fd);
	fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

int cfs_mkdir_beneath(int dirfd, const char *name, unsigned int mode, bool *created)
{
	if (strchr(name, '/'))
		return -EINVAL;
	*created = mkdirat(dirfd, name, mode) == 0;
	if (!*created && errno != EEXIST)
		return -errno;
	return cfs_open_beneath(dirfd, name, true);
}

int cfs_open_beneath_regular(int dirfd, const char *path)
{
	_cleanup_close_ int path_fd = cfs_open_beneath(dirfd, path, false);
	struct stat st;

	if (path_fd < 0)
		return path_fd;
	if (fstat(path_fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EUCLEAN;
	return cfs_reopen_read(path_fd);
}

int cfs_beneath_refusal(int r, const char *what, const char *path, const char *hint)
{
	switch (r) {
	case -ENOENT:
		return log_errno(r, "%s %s does not exist (%s)", what, path, hint);
	case -ELOOP:
		return log_errno(r, "refusing %s %s: it is or passes through a symbolic link, and "
				 "links in the store or on the way to it are not followed (replace "
				 "the link with what it points to)", what, path);
	case -EXDEV:
		return log_errno(r, "refusing %s %s: it is or passes through a mount point; the store "
				 "must be on the physical root's own file system", what, path);
	case -ENOTDIR:
		return log_errno(r, "refusing %s %s: a component of it is not a directory", what, path);
	case -EUCLEAN:
		return log_errno(r, "refusing %s %s: it is not a regular file", what, path);
	case -ENOMEM:
		return log_oom();
	default:
		return log_errno(r, "cannot open %s %s: %m", what, path);
	}
}
