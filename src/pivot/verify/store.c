// SPDX-License-Identifier: MIT
/*
 * The store is found on a file system nothing has verified yet, so each
 * step says exactly what it refused: a missing piece is a deployment
 * problem, a link or a mount point on the way is refused outright because
 * it could make the digest check look at one file and the mount use another
 * (only images/<hex> may be a link, to its own object: store_image.h; a
 * signature is looked for in signatures/, then where earlier cfsboot
 * versions kept it: store_sig.h).
 * The image is opened once, and that fd is what the digest check measures
 * and what EROFS mounts; for an image without fs-verity the digest check
 * puts its sealed in-memory copy in its place (verity.h).
 */
#include "pivot/verify/store.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/base/log.h"
#include "lib/store/beneath.h"
#include "lib/store/layout.h"
#include "lib/store/meta.h"
#include "lib/store/store_image.h"
#include "lib/store/store_sig.h"
#include "lib/base/util.h"

void pivot_store_init(struct pivot_store *s)
{
	*s = (struct pivot_store){ .root_fd = -1, .store_fd = -1, .objects_fd = -1, .image_fd = -1 };
}

int pivot_store_image(struct pivot_store *s, const struct cfs_image_file **img)
{
	/* Read, not mapped: fs-verity fails a read of a corrupted page with
	 * EIO, which refuses the boot in one line, where a mapping would
	 * kill PID 1 with SIGBUS and panic the kernel. */
	int r = s->image ? 0 : cfs_image_open_fd(s->image_fd, s->image_path, &s->image);

	*img = s->image;
	return r;
}

void pivot_store_close(struct pivot_store *s)
{
	cfs_image_close(s->image);
	cfs_closep(&s->image_fd);
	cfs_closep(&s->objects_fd);
	cfs_closep(&s->store_fd);
	cfs_closep(&s->root_fd);
	free(s->store_path);
	free(s->image_path);
	free(s->objects_path);
	pivot_store_init(s);
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

/* images/<hex>, a regular file or composefs-rs's link to its object. */
static int open_image(struct pivot_store *s)
{
	s->image_fd = cfs_store_open_image(s->store_fd, s->hex, s->hex, s->image_path,
					   "add the image to the store with cfsboot mkimage --store, or fix "
					   "composefs.digest= in the boot entry");
	return s->image_fd < 0 ? s->image_fd : 0;
}

/* A store whose meta.json we do not support, or that names the other
 * algorithm than the command line's digest, is refused before its image
 * is opened. */
static int check_meta(const struct pivot_store *s, const char *store_name,
		      const struct pivot_digest *d)
{
	struct cfs_store_meta meta;
	int r = cfs_store_meta_read(s->store_fd, store_name, &meta);

	if (r < 0)
		return r;
	return cfs_store_meta_check_alg(&meta, d->alg, store_name, "composefs.digest=");
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
	char image_rel[1 + CFS_STORE_IMAGE_REL_SIZE];
	int r;

	pivot_digest_hex(d, s->hex);
	snprintf(image_rel, sizeof(image_rel), "/" CFS_STORE_IMAGE_FMT, s->hex);
	store_name = concat3(prefix, store_path, "");
	s->store_path = concat3(prefix, store, "");
	s->objects_path = concat3(prefix, store, "/" CFS_STORE_OBJECTS);
	s->image_path = concat3(prefix, store, image_rel);
	if (!store_name || !s->store_path || !s->objects_path || !s->image_path)
		return log_oom();

	r = open_root(s, sysroot);
	if (r < 0)
		return r;
	if (strcmp(store_path, "/") == 0)
		s->store_fd = openat(s->root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	else
		s->store_fd = cfs_open_beneath(s->root_fd, store_path + 1, true);
	if (s->store_fd < 0)
		return cfs_beneath_refusal(s->store_fd, "the store", store_name,
				   "cfsboot mkimage --store makes one, or set store in pivot.conf");

	r = check_meta(s, store_name, d);
	if (r < 0)
		return r;
	r = open_image(s);
	if (r < 0)
		return r;

	s->objects_fd = cfs_open_beneath(s->store_fd, CFS_STORE_OBJECTS, true);
	if (s->objects_fd < 0)
		return cfs_beneath_refusal(s->objects_fd, "the objects directory", s->objects_path,
				   "the store is incomplete: cfsboot mkimage --store adds the image "
					   "with its objects");
	return 0;
}

int pivot_store_open_signature(const struct pivot_store *s, char name[PATH_MAX])
{
	char rel[CFS_STORE_SIGNATURE_REL_SIZE];
	int fd = cfs_store_open_signature(s->store_fd, s->hex, rel);

	snprintf(name, PATH_MAX, "%s/%s", s->store_path, rel);
	if (fd >= 0 || fd == -ENOENT)
		return fd;
	return cfs_beneath_refusal(fd, "the signature", name, "");
}
