// SPDX-License-Identifier: MIT
/*
 * The directory walk runs on one thread, in name order, so that the first
 * name of a hardlinked inode is always the same one.  Hashing the large
 * files is the slow part; it is collected into a list of jobs and spread
 * over the worker threads once the walk is done.
 */
#include "tool/mkimage/scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "lib/image/format.h"
#include "lib/verity/fsverity.h"
#include "lib/base/array.h"
#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/store/layout.h"
#include "tool/common/dir_names.h"
#include "lib/base/workers.h"

struct scanner {
	const struct scan_options *opts;
	struct cfs_node **jobs;     /* files to hash */
	size_t n_jobs, jobs_cap;
	void *inodes;               /* tsearch tree of struct inode_key, for --hardlinks */
};

struct inode_key {
	dev_t dev;
	ino_t ino;
	struct cfs_node *node;
};

static int inode_key_cmp(const void *pa, const void *pb)
{
	const struct inode_key *a = pa, *b = pb;

	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return 0;
}

static int add_job(struct scanner *s, struct cfs_node *node)
{
	if (CFS_GROW(s->jobs, s->jobs_cap, s->n_jobs + 1, 256) < 0)
		return log_oom();
	s->jobs[s->n_jobs++] = node;
	return 0;
}

/* Reads a list of the xattr names, growing the buffer if they change
 * between the size query and the read. */
static ssize_t list_xattrs(const char *path, char **out)
{
	for (;;) {
		ssize_t size = llistxattr(path, NULL, 0), n;
		char *buf;

		if (size < 0)
			return (errno == ENOTSUP) ? 0 : -errno;
		if (size == 0)
			return 0;
		buf = malloc((size_t)size);
		if (!buf)
			return -ENOMEM;
		n = llistxattr(path, buf, (size_t)size);
		if (n >= 0) {
			*out = buf;
			return n;
		}
		free(buf);
		if (errno != ERANGE)
			return -errno;
	}
}

static int read_xattr(const char *path, const char *key, struct cfs_node *node)
{
	for (;;) {
		ssize_t size = lgetxattr(path, key, NULL, 0), n;
		_cleanup_free_ uint8_t *buf = NULL;

		if (size < 0)
			return log_errno(-errno, "cannot read xattr %s of %s: %m", key, path);
		buf = malloc((size_t)size + 1);
		if (!buf)
			return log_oom();
		n = lgetxattr(path, key, buf, (size_t)size);
		if (n >= 0)
			return cfs_node_set_xattr(node, key, buf, (size_t)n);
		if (errno != ERANGE)
			return log_errno(-errno, "cannot read xattr %s of %s: %m", key, path);
	}
}

static int read_xattrs(const char *path, struct cfs_node *node)
{
	_cleanup_free_ char *names = NULL;
	ssize_t len = list_xattrs(path, &names);

	if (len < 0)
		return log_errno((int)len, "cannot list the xattrs of %s: %m", path);
	for (ssize_t off = 0; off < len; off += (ssize_t)strlen(names + off) + 1) {
		int r = read_xattr(path, names + off, node);

		if (r < 0)
			return r;
	}
	return 0;
}

static int read_symlink(const char *path, struct cfs_node *node)
{
	char target[CFS_SYMLINK_MAX + 2];
	ssize_t n = readlink(path, target, sizeof(target));

	if (n < 0)
		return log_errno(-errno, "cannot read symlink %s: %m", path);
	if (n == 0 || n > (ssize_t)CFS_SYMLINK_MAX)
		return log_errno(-ENAMETOOLONG, "symlink %s: a target of %zd bytes (1..%u allowed)",
				 path, n, CFS_SYMLINK_MAX);
	node->size = (uint64_t)n;
	return cfs_node_set_payload(node, target, (size_t)n);
}

static int open_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);

	return fd < 0 ? log_errno(-errno, "cannot open %s: %m", path) : fd;
}

/* Small files are inlined; larger ones are hashed later, on the workers. */
static int read_file(struct scanner *s, const char *path, struct cfs_node *node)
{
	uint8_t buf[CFS_INLINE_CONTENT_MAX];
	_cleanup_close_ int fd = -1;
	int r;

	if (node->size > CFS_MAX_FILE_SIZE)
		return log_errno(-EFBIG, "%s is %llu bytes, larger than a composefs image can describe (8 PiB)",
				 path, (unsigned long long)node->size);
	node->src_path = strdup(path);
	if (!node->src_path)
		return log_oom();
	if (node->size == 0)
		return 0;
	if (node->size > CFS_INLINE_CONTENT_MAX)
		return add_job(s, node);

	fd = open_file(path);
	if (fd < 0)
		return fd;
	r = cfs_pread_full(fd, buf, (size_t)node->size, 0);
	if (r < 0)
		return log_errno(r, "cannot read %s: %m", path);
	return cfs_node_set_content(node, buf, (size_t)node->size);
}

/* With --hardlinks, a second name of an inode becomes a hardlink entry.
 * Returns 1 when node became one. */
static int link_known_inode(struct scanner *s, const struct stat *st, struct cfs_node *node)
{
	struct inode_key *key, **found;

	if (!s->opts->hardlinks || S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return 0;
	key = malloc(sizeof(*key));
	if (!key)
		return log_oom();
	*key = (struct inode_key){ st->st_dev, st->st_ino, node };
	found = tsearch(key, &s->inodes, inode_key_cmp);
	if (!found) {
		free(key);
		return log_oom();
	}
	if (*found == key) {
		node->nlink = 1;
		return 0;
	}
	free(key);
	node->link_to = (*found)->node;
	node->link_to->nlink++;
	return 1;
}

static void fill_stat(struct cfs_node *node, const struct stat *st, bool use_epoch)
{
	node->mode = st->st_mode;
	node->uid = st->st_uid;
	node->gid = st->st_gid;
	node->rdev = (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) ? st->st_rdev : 0;
	node->size = S_ISDIR(st->st_mode) ? 0 : (uint64_t)st->st_size;
	node->nlink = 1;
	if (!use_epoch) {
		node->mtime_sec = st->st_mtim.tv_sec;
		node->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
	}
}

static int scan_path(struct scanner *s, const char *path, struct cfs_node *node);

/* The entries of a directory, sorted by name (strcmp is byte order). */
static int read_names(const char *path, char ***out, size_t *n_out)
{
	DIR *d = opendir(path);
	int r;

	if (!d)
		return log_errno(-errno, "cannot open directory %s: %m", path);
	r = dir_names(d, path, NULL, out, n_out);
	closedir(d);
	return r;
}

static int scan_dir(struct scanner *s, const char *path, struct cfs_node *dir)
{
	char **names = NULL;
	size_t n = 0, i;
	int r = read_names(path, &names, &n);

	if (r < 0)
		return r;
	for (i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *child_path = NULL;
		struct cfs_node *child = cfs_node_new();

		if (!child || asprintf(&child_path, "%s/%s", path, names[i]) < 0) {
			child_path = NULL;
			cfs_node_free(child);
			r = log_oom();
			break;
		}
		r = cfs_node_set_name(child, names[i], strlen(names[i]));
		if (r < 0) {
			cfs_node_free(child);
			break;
		}
		r = cfs_node_add_child(dir, child);
		if (r < 0) {
			cfs_node_free(child);
			break;
		}
		r = scan_path(s, child_path, child);
	}
	dir_names_free(names, n);
	return r;
}

static int scan_path(struct scanner *s, const char *path, struct cfs_node *node)
{
	struct stat st;
	int r;

	if (lstat(path, &st) < 0)
		return log_errno(-errno, "cannot stat %s: %m", path);
	fill_stat(node, &st, s->opts->use_epoch);
	r = link_known_inode(s, &st, node);
	if (r != 0)
		return r < 0 ? r : 0;
	r = read_xattrs(path, node);
	if (r < 0)
		return r;
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		return scan_dir(s, path, node);
	case S_IFREG:
		return read_file(s, path, node);
	case S_IFLNK:
		return read_symlink(path, node);
	}
	return 0;
}

/* A worker job: the file's fs-verity digest names its object. */
static int hash_file(size_t i, void *ctx)
{
	const struct scanner *s = ctx;
	struct cfs_node *node = s->jobs[i];
	char payload[CFS_OBJECT_PATH_SIZE];
	_cleanup_close_ int fd = open_file(node->src_path);
	struct stat st;
	int r;

	if (fd < 0)
		return fd;
	r = cfs_verity_digest_file(s->opts->alg, fd, node->src_path, node->digest);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != node->size)
		return log_errno(-ESTALE, "%s changed while it was read; build the image from a tree at rest",
				 node->src_path);
	node->digest_alg = s->opts->alg;
	node->has_digest = true;
	/* The object's path in the store names it in the image. */
	cfs_layout_object_path(node->digest, cfs_hash_digest_size(s->opts->alg), payload);
	return cfs_node_set_payload(node, payload, strlen(payload));
}

int scan_tree(const char *path, const struct scan_options *opts, struct cfs_node **root)
{
	struct scanner s = { .opts = opts };
	struct cfs_node *node = cfs_node_new();
	_cleanup_free_ char *resolved = NULL;
	struct stat st;
	int r;

	if (!node)
		return log_oom();
	/* The walk never follows symlinks, but a SOURCE given as a symlink to
	 * a directory means that directory. */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		resolved = realpath(path, NULL);
		path = resolved ? resolved : path;
	}
	if (stat(path, &st) < 0)
		r = log_errno(-errno, "cannot read %s: %m", path);
	else if (!S_ISDIR(st.st_mode))
		r = log_errno(-ENOTDIR, "%s is not a directory", path);
	else
		r = scan_path(&s, path, node);
	if (r >= 0)
		r = cfs_workers_run(s.n_jobs, opts->threads, hash_file, &s);
	free(s.jobs);
	tdestroy(s.inodes, free);
	if (r < 0) {
		cfs_node_free(node);
		return r;
	}
	*root = node;
	return 0;
}
