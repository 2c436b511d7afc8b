// SPDX-License-Identifier: MIT
#include "tool/deploy/tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

#define XATTR_LIST_MAX_LEN 65536

static int copy_xattrs(int from, int to, const char *path)
{
	char list[XATTR_LIST_MAX_LEN], value[XATTR_LIST_MAX_LEN];
	ssize_t n = flistxattr(from, list, sizeof(list));

	if (n < 0)
		return errno == ENOTSUP ? 0 : log_errno(-errno, "cannot list the xattrs of %s: %m", path);
	for (char *k = list; k < list + n; k += strlen(k) + 1) {
		ssize_t v = fgetxattr(from, k, value, sizeof(value));

		if (v < 0 || fsetxattr(to, k, value, (size_t)v, 0) < 0)
			return log_errno(-errno, "cannot copy the xattr %s of %s: %m", k, path);
	}
	return 0;
}

/* Owner, mode, times and xattrs of from onto to (not a symbolic link). */
static int copy_meta(int from, int to, const struct stat *st, const char *path)
{
	struct timespec t[2] = { st->st_atim, st->st_mtim };
	int r = copy_xattrs(from, to, path);

	if (r < 0)
		return r;
	if (fchown(to, st->st_uid, st->st_gid) < 0 || fchmod(to, st->st_mode & 07777) < 0 ||
	    futimens(to, t) < 0)
		return log_errno(-errno, "cannot copy the owner, mode or times of %s: %m", path);
	return 0;
}

static int copy_file(int from, int dirfd, const char *name, const char *path)
{
	_cleanup_close_ int to = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	char buf[65536];
	ssize_t n;

	if (to < 0)
		return log_errno(-errno, "cannot create the copy of %s: %m", path);
	while ((n = read(from, buf, sizeof(buf))) > 0)
		if (write(to, buf, (size_t)n) != n)
			return log_errno(errno ? -errno : -EIO, "cannot copy %s: %m", path);
	if (n < 0)
		return log_errno(-errno, "cannot read %s: %m", path);
	if (fsync(to) < 0)
		return log_errno(-errno, "cannot sync the copy of %s: %m", path);
	return 0;
}

static int copy_dir(int from, int to, const char *path);

static int copy_entry(int from_dir, int to_dir, const char *name, const char *path)
{
	struct stat st;
	_cleanup_close_ int src = -1, dst = -1;
	int r;

	if (fstatat(from_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return log_errno(-errno, "cannot stat %s: %m", path);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(from_dir, name, target, sizeof(target) - 1);

		if (n < 0)
			return log_errno(-errno, "cannot read the link %s: %m", path);
		target[n] = '\0';
		if (symlinkat(target, to_dir, name) < 0 ||
		    fchownat(to_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
			return log_errno(-errno, "cannot copy the link %s: %m", path);
		return 0;
	}
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode) ||
	    S_ISSOCK(st.st_mode)) {
		if (mknodat(to_dir, name, st.st_mode, st.st_rdev) < 0)
			return log_errno(-errno, "cannot copy the node %s: %m", path);
		src = openat(from_dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		dst = openat(to_dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (src < 0 || dst < 0 || fchownat(to_dir, name, st.st_uid, st.st_gid, 0) < 0 ||
		    fchmodat(to_dir, name, st.st_mode & 07777, 0) < 0)
			return log_errno(-errno, "cannot copy the node %s: %m", path);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(to_dir, name, 0700) < 0)
			return log_errno(-errno, "cannot create the copy of %s: %m", path);
		src = openat(from_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		dst = openat(to_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (src < 0 || dst < 0)
			return log_errno(-errno, "cannot open %s or its copy: %m", path);
		r = copy_dir(src, dst, path);
	} else {
		src = openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (src < 0)
			return log_errno(-errno, "cannot open %s: %m", path);
		r = copy_file(src, to_dir, name, path);
		if (r == 0)
			dst = openat(to_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (r == 0 && dst < 0)
			r = log_errno(-errno, "cannot open the copy of %s: %m", path);
	}
	return r < 0 ? r : copy_meta(src, dst, &st, path);
}

static int copy_dir(int from, int to, const char *path)
{
	int fd = dup(from), r = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		cfs_closep(&fd);
		return log_errno(-errno, "cannot read %s: %m", path);
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&sub, "%s/%s", path, de->d_name) < 0)
			r = log_oom();
		else
			r = copy_entry(from, to, de->d_name, sub);
	}
	if (r == 0 && errno)
		r = log_errno(-errno, "cannot read %s: %m", path);
	closedir(d);
	if (r == 0 && fsync(to) < 0)
		r = log_errno(-errno, "cannot sync the copy of %s: %m", path);
	return r;
}

int tree_copy(const char *from, const char *to)
{
	_cleanup_close_ int src = open(from, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int dst = -1;
	struct stat st;

	if (src < 0 || fstat(src, &st) < 0)
		return log_errno(-errno, "cannot open %s: %m", from);
	if (mkdir(to, 0700) < 0)
		return log_errno(-errno, "cannot create %s: %m", to);
	dst = open(to, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return log_errno(-errno, "cannot open %s: %m", to);
	int r = copy_dir(src, dst, from);

	return r < 0 ? r : copy_meta(src, dst, &st, from);
}

static int remove_at(int at, const char *name, const char *path)
{
	struct stat st;
	int fd, r = 0;
	struct dirent *de;
	DIR *d;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : log_errno(-errno, "cannot stat %s: %m", path);
	if (S_ISDIR(st.st_mode)) {
		fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || !(d = fdopendir(fd))) {
			cfs_closep(&fd);
			return log_errno(-errno, "cannot read %s: %m", path);
		}
		while (r == 0 && (de = readdir(d))) {
			_cleanup_free_ char *sub = NULL;

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			r = asprintf(&sub, "%s/%s", path, de->d_name) < 0 ? log_oom() :
			    remove_at(dirfd(d), de->d_name, sub);
		}
		closedir(d);
		if (r < 0)
			return r;
	}
	if (unlinkat(at, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
		return log_errno(-errno, "cannot remove %s: %m", path);
	return 0;
}

int tree_remove(const char *path)
{
	return remove_at(AT_FDCWD, path, path);
}

int tree_sync_dir(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0)
		return log_errno(-errno, "cannot sync the directory %s: %m", path);
	return 0;
}
