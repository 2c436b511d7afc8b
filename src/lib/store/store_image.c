// SPDX-License-Identifier: MIT
/*
 * The links are resolved here, one hop at a time, rather than by the
 * kernel: openat2() can follow links beneath a directory
 * (RESOLVE_BENEATH without RESOLVE_NO_SYMLINKS), but it cannot say where
 * they led, bound the hops below the kernel's 40, or insist that the end
 * is the image's own object.  Each target is joined to the directory of
 * the link lexically, which is exact because every directory on the way is
 * opened with no link in it: ".." then means the parent in the store.
 */
#include "lib/store/store_image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/store/beneath.h"
#include "lib/store/layout.h"

/*
 * The path of target, read from a link at path (both relative to the
 * store), into out: the link's directory joined with target, "." and empty
 * components dropped and ".." taking one off.  -EXDEV when target is
 * absolute or climbs above the store, -ENAMETOOLONG when it does not fit.
 */
static int join_target(const char *path, const char *target, char out[PATH_MAX])
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;
	const char *c = target;

	if (target[0] == '/')
		return -EXDEV;
	memcpy(out, path, len);
	out[len] = '\0';
	for (;;) {
		const char *end = strchrnul(c, '/');
		size_t n = (size_t)(end - c);

		if (n == 2 && c[0] == '.' && c[1] == '.') {
			char *up;

			if (len == 0)
				return -EXDEV;
			up = strrchr(out, '/');
			len = up ? (size_t)(up - out) : 0;
			out[len] = '\0';
		} else if (n > 0 && !(n == 1 && c[0] == '.')) {
			if (len + 1 + n >= PATH_MAX)
				return -ENAMETOOLONG;
			if (len > 0)
				out[len++] = '/';
			memcpy(out + len, c, n);
			len += n;
			out[len] = '\0';
		}
		if (!*end)
			break;
		c = end + 1;
	}
	return len > 0 ? 0 : -EXDEV;
}

/* The line for a link that was read but may not be followed (r from
 * join_target or a hop that did not lead to the object). */
static int refuse_link(int r, const char *shown, const char *target)
{
	switch (r) {
	case -EXDEV:
		return log_errno(-ELOOP, "refusing the image %s: its symbolic link leads out of the "
				 "store (to %s); an image may only link to its object in the "
				 "store's objects/", shown, target);
	case -ELOOP:
		return log_errno(r, "refusing the image %s: more than %d symbolic links in a row "
				 "(a loop?); link images/<digest> to its object", shown,
				 CFS_STORE_IMAGE_HOPS);
	default:
		return log_errno(r, "refusing the image %s: its symbolic link to %s: %m", shown, target);
	}
}

/* The line for a link whose target could not be opened beneath the store. */
static int refuse_target(int r, const char *shown, const char *path)
{
	switch (r) {
	case -ENOENT:
		return log_errno(r, "refusing the image %s: its symbolic link leads to %s, which "
				 "does not exist (add the image again with cfsboot mkimage --store)",
				 shown, path);
	case -ELOOP:
		return log_errno(r, "refusing the image %s: its symbolic link leads through another "
				 "link on the way to %s, which is not followed", shown, path);
	case -EXDEV:
		return log_errno(r, "refusing the image %s: its symbolic link leads to %s, which is "
				 "or passes through a mount point; the store must be on one file "
				 "system", shown, path);
	case -ENOMEM:
		return log_oom();
	default:
		return log_errno(r, "refusing the image %s: its symbolic link leads to %s: %m",
				 shown, path);
	}
}

/* Where the links ended: it must be the object named by the image's digest. */
static int check_end(int fd, const char *path, const char *hex, const char *shown)
{
	char object[sizeof(CFS_STORE_OBJECTS "/") + CFS_OBJECT_PATH_SIZE];
	struct stat st;

	if (fstat(fd, &st) < 0)
		return log_errno(-errno, "cannot stat %s: %m", shown);
	if (S_ISDIR(st.st_mode))
		return log_errno(-EUCLEAN, "refusing the image %s: its symbolic link leads to the "
				 "directory %s, not to the image's object", shown, path);
	snprintf(object, sizeof(object), CFS_STORE_OBJECTS "/%.2s/%s", hex, hex + 2);
	if (strcmp(path, object) != 0)
		return log_errno(-EUCLEAN, "refusing the image %s: its symbolic link leads to %s, "
				 "not to the image's object %s", shown, path, object);
	if (!S_ISREG(st.st_mode))
		return log_errno(-EUCLEAN, "refusing the image %s: its object %s is not a regular "
				 "file", shown, path);
	return 0;
}

int cfs_store_open_image(int store_fd, const char *name, const char *hex, const char *shown,
			 const char *hint)
{
	char path[PATH_MAX], target[PATH_MAX], next[PATH_MAX];
	struct stat st;
	int r;

	/* A directory entry's name fits: NAME_MAX is well below PATH_MAX. */
	snprintf(path, sizeof(path), CFS_STORE_IMAGE_FMT, name);
	for (int hops = 0;; hops++) {
		_cleanup_close_ int fd = cfs_open_beneath_link(store_fd, path);
		ssize_t n;

		if (fd < 0)
			return hops == 0 ? cfs_beneath_refusal(fd, "the image", shown, hint) :
			       refuse_target(fd, shown, path);
		if (fstat(fd, &st) < 0)
			return log_errno(-errno, "cannot stat %s: %m", shown);
		if (!S_ISLNK(st.st_mode)) {
			if (hops == 0)
				r = S_ISREG(st.st_mode) ? 0 :
				    cfs_beneath_refusal(-EUCLEAN, "the image", shown, hint);
			else
				r = check_end(fd, path, hex, shown);
			if (r < 0)
				return r;
			r = cfs_reopen_read(fd);
			return r < 0 ? log_errno(r, "cannot open %s: %m", shown) : r;
		}
		if (hops == CFS_STORE_IMAGE_HOPS)
			return refuse_link(-ELOOP, shown, path);
		n = readlinkat(fd, "", target, sizeof(target) - 1);
		if (n < 0)
			return log_errno(-errno, "cannot read the symbolic link %s: %m", shown);
		target[n] = '\0';
		r = join_target(path, target, next);
		if (r < 0)
			return refuse_link(r, shown, target);
		memcpy(path, next, strlen(next) + 1);
	}
}
