// SPDX-License-Identifier: MIT
/*
 * The store is found on a file system nothing has verified yet, so each
 * step says exactly what it refused: a missing piece is a deployment
 * problem, a link or a mount point on the way is refused outright because
 * it could make the digest check look at one file and the mount use another.
 * The image is opened once, and that fd is what the digest check measures
 * and what EROFS mounts.
 */
#include "pivot/verify/store.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "pivot/verify/beneath.h"
#include "lib/base/log.h"
#include "lib/base/util.h"

void pivot_store_init(struct pivot_store *s)
{
	*s = (struct pivot_store){ .root_fd = -1, .store_fd = -1, .objects_fd = -1, .image_fd = -1 };
}

void pivot_store_close(struct pivot_store *s)
{
	cfs_closep(&s->image_fd);
	cfs_closep(&s->objects_fd);
	cfs_closep(&s->store_fd);
	cfs_closep(&s->root_fd);
	free(s->image_path);
	free(s->objects_path);
	pivot_store_init(s);
}

/* One line for a path of the store that could not be opened beneath the
 * physical root; hint says what to do when it is simply missing. */
static int refuse_path(int r, const char *what, const char *path, const char *hint)
{
	switch (r) {
	case -ENOENT:
		return log_errno(r, "%s %s does not exist (%s)", what, path, hint);
	case -ELOOP:
		return log_errno(r, "refusing %s %s: it is or passes through a symbolic link, and "
				 "cfs-pivot follows no links on the physical root (replace the link "
				 "with what it points to)", what, path);
	case -EXDEV:
		return log_errno(r, "refusing %s %s: it is or passes through a mount point; the store "
				 "must be on the physical root's own file system", what, path);
	case -ENOTDIR:
		return log_errno(r, "refusing %s %s: a component of it is not a directory", what, path);
	case -ENOMEM:
		return log_oom();
	default:
		return log_errno(r, "cannot open %s %s: %m", what, path);
	}
}

/* The physical root is detached from sysroot when the composed tree takes
 * its place, which is only safe when sysroot is its mount point, and not
 * the root everything else runs from. */
static int check_mount_point(int fd, const char *sysroot)
{
	struct statx stx;
	struct stat st, root;

	if (fstat(fd, &st) < 0 || stat("/", &root) < 0)
		return log_errno(-errno, "cannot stat the physical root %s: %m", sysroot);
	if (st.st_dev == root.st_dev && st.st_ino == root.st_ino)
		return log_errno(-EINVAL, "%s is the running root, which cfs-pivot would replace: "
				 "name the physical root's mount point with --sysroot", sysroot);
	if (statx(fd, "", AT_EMPTY_PATH, 0, &stx) < 0)
		return log_errno(-errno, "cannot stat the physical root %s: %m", sysroot);
	if ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	    !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return log_errno(-EINVAL, "%s is not a mount point: the physical root must be mounted "
				 "there (or name its mount point with --sysroot)", sysroot);
	return 0;
}

static int open_root(struct pivot_store *s, const char *sysroot)
{
	s->root_fd = open(sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0)
		return log_errno(-errno, "cannot open the physical root %s: %m (mount it there, or "
				 "name its mount point with --sysroot)", sysroot);
	return check_mount_point(s->root_fd, sysroot);
}

static int open_image(struct pivot_store *s)
{
	char rel[sizeof("images/") + PIVOT_DIGEST_HEX_MAX];
	_cleanup_close_ int path_fd = -1;
	struct stat st;

	snprintf(rel, sizeof(rel), "images/%s", s->hex);
	path_fd = pivot_open_beneath(s->store_fd, rel, false);
	if (path_fd < 0)
		return refuse_path(path_fd, "the image", s->image_path,
				   "deploy the image to the store, or fix composefs.digest= in the boot entry");
	if (fstat(path_fd, &st) < 0)
		return log_errno(-errno, "cannot stat the image %s: %m", s->image_path);
	if (!S_ISREG(st.st_mode))
		return log_errno(-EINVAL, "refusing the image %s: it is not a regular file", s->image_path);
	s->image_fd = pivot_reopen_read(path_fd);
	if (s->image_fd < 0)
		return log_errno(s->image_fd, "cannot open the image %s: %m", s->image_path);
	return 0;
}

/* a + b + c in a new string, or NULL. */
static char *concat3(const char *a, const char *b, const char *c)
{
	char *s;

	return asprintf(&s, "%s%s%s", a, b, c) < 0 ? NULL : s;
}

int pivot_store_open(struct pivot_store *s, const char *sysroot, const char *store_path,
		     const struct pivot_digest *d)
{
	/* Joined for messages only: "/" as sysroot or store must not give "//". */
	const char *prefix = strcmp(sysroot, "/") == 0 ? "" : sysroot;
	const char *store = strcmp(store_path, "/") == 0 ? "" : store_path;
	_cleanup_free_ char *store_name = NULL;
	char image_rel[sizeof("/images/") + PIVOT_DIGEST_HEX_MAX];
	int r;

	pivot_digest_hex(d, s->hex);
	snprintf(image_rel, sizeof(image_rel), "/images/%s", s->hex);
	store_name = concat3(prefix, store_path, "");
	s->objects_path = concat3(prefix, store, "/objects");
	s->image_path = concat3(prefix, store, image_rel);
	if (!store_name || !s->objects_path || !s->image_path)
		return log_oom();

	r = open_root(s, sysroot);
	if (r < 0)
		return r;
	if (strcmp(store_path, "/") == 0)
		s->store_fd = openat(s->root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	else
		s->store_fd = pivot_open_beneath(s->root_fd, store_path + 1, true);
	if (s->store_fd < 0)
		return refuse_path(s->store_fd, "the store", store_name,
				   "deploy an image there, or set store in pivot.conf");

	r = open_image(s);
	if (r < 0)
		return r;

	s->objects_fd = pivot_open_beneath(s->store_fd, "objects", true);
	if (s->objects_fd < 0)
		return refuse_path(s->objects_fd, "the objects directory", s->objects_path,
				   "the store is incomplete: deploy the image with its objects");
	return 0;
}

int pivot_store_open_signature(const struct pivot_store *s)
{
	char rel[sizeof("images/.sig") + PIVOT_DIGEST_HEX_MAX];
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int path_fd = -1;
	struct stat st;
	int fd;

	snprintf(rel, sizeof(rel), "images/%s.sig", s->hex);
	path_fd = pivot_open_beneath(s->store_fd, rel, false);
	if (path_fd == -ENOENT)
		return -ENOENT;
	name = concat3(s->image_path, ".sig", "");
	if (!name)
		return log_oom();
	if (path_fd < 0)
		return refuse_path(path_fd, "the signature", name, "");
	if (fstat(path_fd, &st) < 0)
		return log_errno(-errno, "cannot stat the signature %s: %m", name);
	if (!S_ISREG(st.st_mode))
		return log_errno(-EINVAL, "refusing the signature %s: it is not a regular file", name);
	fd = pivot_reopen_read(path_fd);
	if (fd < 0)
		return log_errno(fd, "cannot open the signature %s: %m", name);
	return fd;
}
