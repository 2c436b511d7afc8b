// SPDX-License-Identifier: MIT
#include "tool/deploy/etc_merge.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/base/log.h"
#include "lib/base/read_file.h"
#include "lib/base/util.h"
#include "tool/deploy/tree.h"

#define S_TYPE(m) ((m) & 0170000u)

struct merge {
	const struct image_tree *old, *new;
};

/* Whether the device's path (at dirfd/name) is what node n of image t has. */
static int same(const struct image_tree *t, const struct cfs_node *n, int dirfd,
		const char *name, const char *path, const struct stat *st)
{
	_cleanup_free_ uint8_t *want = NULL;
	_cleanup_free_ char *have = NULL;
	_cleanup_close_ int fd = -1;
	size_t want_len, have_len;
	int r;

	if (S_TYPE(st->st_mode) != cfs_node_type(n))
		return 0;
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t len = readlinkat(dirfd, name, target, sizeof(target) - 1);

		if (len < 0)
			return log_errno(-errno, "cannot read the link %s: %m", path);
		return n->payload && (size_t)len == n->payload_len &&
		       memcmp(target, n->payload, (size_t)len) == 0;
	}
	if (!S_ISREG(st->st_mode))
		return S_ISDIR(st->st_mode);
	if ((uint64_t)st->st_size != n->size)
		return 0;
	r = image_file_read(t, n, path, &want, &want_len);
	if (r < 0)
		return r;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return log_errno(-errno, "cannot open %s: %m", path);
	r = cfs_read_fd(fd, path, want_len + 1, &have, &have_len);
	if (r < 0)
		return r;
	return have_len == want_len && memcmp(have, want, want_len) == 0;
}

/* Puts node n of the new image at dirfd/name, replacing what is there
 * (a temporary name, then rename). */
static int install(const struct merge *m, const struct cfs_node *n, int dirfd, const char *name,
		   const char *path)
{
	char tmp[NAME_MAX + 1];
	_cleanup_free_ uint8_t *data = NULL;
	_cleanup_close_ int fd = -1;
	size_t len;
	int r;

	snprintf(tmp, sizeof(tmp), ".merge-%.*s", NAME_MAX - 8, name);
	(void)unlinkat(dirfd, tmp, 0);
	if (cfs_node_type(n) == 0120000u) {
		if (symlinkat(n->payload, dirfd, tmp) < 0 ||
		    fchownat(dirfd, tmp, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
			return log_errno(-errno, "cannot write the link %s: %m", path);
	} else {
		r = image_file_read(m->new, n, path, &data, &len);
		if (r < 0)
			return r;
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, data, len) != (ssize_t)len ||
		    fchown(fd, n->uid, n->gid) < 0 || fchmod(fd, n->mode & 07777) < 0 ||
		    fsync(fd) < 0)
			return log_errno(errno ? -errno : -EIO, "cannot write %s: %m", path);
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0)
		return log_errno(-errno, "cannot put %s in place: %m", path);
	return 0;
}

static int merge_dir(const struct merge *m, const struct cfs_node *o, const struct cfs_node *n,
		     int fd, const char *path);

/* merge_dir() of dirfd/name. */
static int merge_subdir(const struct merge *m, const struct cfs_node *o, const struct cfs_node *n,
			int dirfd, const char *name, const char *path)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					O_CLOEXEC);

	if (fd < 0)
		return log_errno(-errno, "cannot open %s: %m", path);
	return merge_dir(m, o, n, fd, path);
}

/* One name: o in the old image, n in the new (either may be NULL). */
static int merge_one(const struct merge *m, const struct cfs_node *o, const struct cfs_node *n,
		     int dirfd, const char *name, const char *path)
{
	struct stat st;
	bool here = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	int unchanged = 0;

	if (!here && errno != ENOENT)
		return log_errno(-errno, "cannot stat %s: %m", path);
	if (o)
		o = cfs_node_resolve((struct cfs_node *)o);
	if (n)
		n = cfs_node_resolve((struct cfs_node *)n);
	if (here && o) {
		unchanged = same(m->old, o, dirfd, name, path, &st);
		if (unchanged < 0)
			return unchanged;
	}
	if (!here) {
		/* Removed on the device: stays removed.  New in the image: added. */
		if (o || !n)
			return 0;
		if (cfs_node_type(n) == 0040000u) {
			if (mkdirat(dirfd, name, n->mode & 07777) < 0 ||
			    fchownat(dirfd, name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
				return log_errno(-errno, "cannot create %s: %m", path);
			return merge_subdir(m, NULL, n, dirfd, name, path);
		}
		return cfs_node_type(n) == 0100000u || cfs_node_type(n) == 0120000u ?
		       install(m, n, dirfd, name, path) : 0;
	}
	if (S_ISDIR(st.st_mode)) {
		bool odir = o && cfs_node_type(o) == 0040000u, ndir = n && cfs_node_type(n) == 0040000u;

		return odir || ndir ?
		       merge_subdir(m, odir ? o : NULL, ndir ? n : NULL, dirfd, name, path) : 0;
	}
	if (!o || !unchanged)
		return 0;            /* the device's own, or changed on it */
	if (!n)
		return unlinkat(dirfd, name, 0) < 0 ?
		       log_errno(-errno, "cannot remove %s: %m", path) : 0;
	if (cfs_node_type(n) != 0100000u && cfs_node_type(n) != 0120000u)
		return 0;
	return install(m, n, dirfd, name, path);
}

static bool listed(const struct cfs_node *dir, const char *name)
{
	return dir && cfs_node_lookup(dir, name, strlen(name));
}

static int merge_dir(const struct merge *m, const struct cfs_node *o, const struct cfs_node *n,
		     int fd, const char *path)
{
	int r = 0;

	/* Every name of the new image, then those only the old one has. */
	for (size_t pass = 0; pass < 2 && r == 0; pass++) {
		const struct cfs_node *dir = pass == 0 ? n : o;

		for (size_t i = 0; dir && r == 0 && i < dir->n_children; i++) {
			const struct cfs_node *c = dir->children[i];
			_cleanup_free_ char *sub = NULL;

			if (pass == 1 && listed(n, c->name))
				continue;
			if (asprintf(&sub, "%s/%s", path, c->name) < 0)
				return log_oom();
			if (pass == 0)
				r = merge_one(m, o ? cfs_node_lookup(o, c->name, c->name_len) : NULL, c,
					      fd, c->name, sub);
			else
				r = merge_one(m, c, NULL, fd, c->name, sub);
		}
	}
	if (r == 0 && fsync(fd) < 0)
		r = log_errno(-errno, "cannot sync %s: %m", path);
	return r;
}

int etc_merge(const char *etc, const struct image_tree *old, const struct image_tree *new)
{
	const struct merge m = { .old = old, .new = new };
	const struct cfs_node *o = image_node_find(old->root, "/etc");
	const struct cfs_node *n = image_node_find(new->root, "/etc");

	if (o && cfs_node_type(o) != 0040000u)
		o = NULL;
	if (n && cfs_node_type(n) != 0040000u)
		n = NULL;
	return merge_subdir(&m, o, n, AT_FDCWD, etc, etc);
}
