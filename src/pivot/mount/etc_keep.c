// SPDX-License-Identifier: MIT
#include "pivot/mount/etc_keep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/store/beneath.h"
#include "lib/store/layout.h"

/* A kept file is a small piece of data (a name, an id, a key); a bigger
 * image file is not copied into the state on the first boot. */
#define KEEP_COPY_MAX (64 * 1024)

void pivot_etc_keep_init(struct pivot_etc_keep *k)
{
	k->n = 0;
}

void pivot_etc_keep_close(struct pivot_etc_keep *k)
{
	for (size_t i = 0; i < k->n; i++) {
		cfs_closep(&k->mount_fd[i]);
		cfs_closep(&k->target_fd[i]);
	}
	k->n = 0;
}

bool pivot_etc_keep_writes(const struct pivot_policy *p, int physroot_fd)
{
	struct statvfs sv;

	return p->etc == PIVOT_ETC_TRANSIENT && p->etc_keep.n > 0 &&
	       fstatvfs(physroot_fd, &sv) == 0 && !(sv.f_flag & ST_RDONLY);
}

/* The directory of name's last component beneath dirfd, created (0755)
 * where it is missing, as an O_PATH fd; *base is the last component. */
static int make_parents(int dirfd, const char *name, const char **base)
{
	_cleanup_close_ int cur = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char comp[NAME_MAX + 1];
	const char *c = name;

	for (const char *end; cur >= 0 && (end = strchr(c, '/')); c = end + 1) {
		size_t len = (size_t)(end - c);
		bool created;
		int fd;

		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, c, len);
		comp[len] = '\0';
		fd = cfs_mkdir_beneath(cur, comp, 0755, &created);
		if (fd < 0)
			return fd;
		close(cur);
		cur = fd;
	}
	if (cur < 0)
		return -errno;
	*base = c;
	return TAKE_FD(cur);
}

/* Creates file (shown) from the open image file src (-1: none) as a new
 * file base in dir, removing it again when the copy fails. */
static int copy_new(int dir, const char *base, int src, mode_t mode, const char *shown)
{
	_cleanup_close_ int fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
					O_CLOEXEC, mode);
	char buf[8192];
	ssize_t n = 0;

	if (fd < 0)
		return log_errno(-errno, "cannot create %s: %m", shown);
	if (fchmod(fd, mode) < 0)
		n = -1;
	while (n >= 0 && src >= 0 && (n = read(src, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			n = -1;
	if (n < 0 || fsync(fd) < 0) {
		int r = -errno;

		unlinkat(dir, base, 0);
		return log_errno(r ? r : -EIO, "cannot write %s: %m", shown);
	}
	return 0;
}

/*
 * The first boot of a name the state lacks: a copy of the image's file
 * (a regular one of at most KEEP_COPY_MAX bytes), or an empty file where
 * the image has none.  1 when created, 0 when not (said), or an error.
 */
static int create_kept(const struct pivot_etc_keep_in *in, int upper, const char *name,
		       const char *shown)
{
	_cleanup_close_ int src = cfs_open_beneath_regular(in->etc_fd, name), dir = -1;
	const char *base = NULL;
	mode_t mode = 0644;
	struct stat st;
	int r;

	if (src >= 0) {
		if (fstat(src, &st) < 0)
			return log_errno(-errno, "cannot stat the image's /etc/%s: %m", name);
		if (st.st_size > KEEP_COPY_MAX) {
			log_warning("etc-keep: the image's /etc/%s is larger than %d bytes, so it is "
				    "not copied to %s: /etc/%s is the image's", name, KEEP_COPY_MAX,
				    shown, name);
			return 0;
		}
		mode = st.st_mode & 0755;
	} else if (src != -ENOENT) {
		log_warning("etc-keep: the image's /etc/%s is not a regular file (%s): /etc/%s is "
			    "the image's", name, strerror(-src), name);
		return 0;
	}
	dir = make_parents(upper, name, &base);
	if (dir < 0)
		return log_errno(dir, "cannot create the directories of %s: %m (state is created "
				 "without following links or crossing mount points)", shown);
	r = copy_new(dir, base, src, mode, shown);
	if (r < 0)
		return r;
	log_info("etc-keep: created %s (first boot) %s", shown,
		 src >= 0 ? "from the image's copy" : "empty, as the image has none");
	return 1;
}

/* Why the state's file st is not kept, or NULL. */
static const char *unfit(const struct stat *st, char *buf, size_t size)
{
	if (S_ISDIR(st->st_mode))
		return "it is a directory";
	if (S_ISFIFO(st->st_mode))
		return "it is a FIFO";
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		return "it is a device node";
	if (!S_ISREG(st->st_mode))
		return "it is not a regular file";
	if (st->st_nlink != 1) {
		snprintf(buf, size, "it has %ju hard links", (uintmax_t)st->st_nlink);
		return buf;
	}
	if (st->st_uid != 0 || st->st_gid != 0)
		return "it is not owned by root";
	if (st->st_mode & 022)
		return "it is writable by group or others";
	return NULL;
}

static void ignored(const char *name, const char *shown, const char *why)
{
	log_warning("etc-keep: ignoring %s: %s; /etc/%s is the image's (make it a regular file "
		    "owned by root and not writable by others, or take it off etc-keep)",
		    shown, why, name);
}

/* The file the kept one goes over in the transient /etc: the image's,
 * or an empty one made on the tmpfs; -ENOENT when the image has
 * something else there, or a link on the way (said). */
static int open_target(int etc_fd, const char *name)
{
	_cleanup_close_ int fd = cfs_open_beneath(etc_fd, name, false), dir = -1;
	const char *base = NULL;
	struct stat st;

	if (fd == -ELOOP || fd == -ENOTDIR) {
		log_warning("etc-keep: the image's /etc/%s is a symbolic link, or one is on its way: "
			    "nothing is bound over it", name);
		return -ENOENT;
	}
	if (fd == -ENOENT) {
		dir = make_parents(etc_fd, name, &base);
		if (dir < 0)
			return log_errno(dir, "cannot make the directories of /etc/%s on the tmpfs of "
					 "etc = transient: %m", name);
		fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0)
			return log_errno(-errno, "cannot make /etc/%s on the tmpfs of etc = transient: "
					 "%m", name);
		close(fd);
		fd = cfs_open_beneath(etc_fd, name, false);
	}
	if (fd >= 0 && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		log_warning("etc-keep: the image's /etc/%s is not a regular file, so nothing is "
			    "bound over it", name);
		return -ENOENT;
	}
	if (fd < 0)
		return log_errno(fd, "cannot open /etc/%s in the transient /etc: %m", name);
	return TAKE_FD(fd);
}

/* Prepares the bind mount of name; exact names the state lacks are
 * created when create.  0 (bound or ignored) or an error. */
static int keep_one(const struct pivot_etc_keep_in *in, struct pivot_etc_keep *k, int upper,
		    const char *name, bool create)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
		.attr_clr = MOUNT_ATTR_RDONLY,
	};
	char rel[PATH_MAX + PIVOT_KEEP_NAME_SIZE], shown[PATH_MAX + PIVOT_KEEP_NAME_SIZE];
	_cleanup_close_ int fd = -1, target = -1, mnt = -1;
	char buf[64];
	const char *why;
	struct stat st;
	int r;

	snprintf(rel, sizeof(rel), "%s/" CFS_DEPLOY_ETC "/" CFS_DEPLOY_UPPER "/%s",
		 in->deploy_rel, name);
	snprintf(shown, sizeof(shown), "%s/" CFS_DEPLOY_ETC "/" CFS_DEPLOY_UPPER "/%s",
		 in->shown, name);
	fd = cfs_open_beneath(in->physroot_fd, rel, false);
	if (fd == -ENOENT && create && upper >= 0) {
		r = create_kept(in, upper, name, shown);
		if (r <= 0)
			return r;
		fd = cfs_open_beneath(in->physroot_fd, rel, false);
	}
	if (fd == -ENOENT) {
		log_info("etc-keep: %s does not exist%s: /etc/%s is the image's", shown,
			 create ? " and the physical root is read-only" : "", name);
		return 0;
	}
	if (fd < 0) {
		ignored(name, shown, fd == -ELOOP ? "it is a symbolic link, or one is on its way" :
			fd == -EXDEV ? "it is on another mount, or one is on its way" : strerror(-fd));
		return 0;
	}
	if (fstat(fd, &st) < 0)
		return log_errno(-errno, "cannot stat %s: %m", shown);
	why = unfit(&st, buf, sizeof(buf));
	if (why) {
		ignored(name, shown, why);
		return 0;
	}
	if (k->n == PIVOT_KEEP_FILES_MAX) {
		log_warning("etc-keep: more than %d files match, so %s is not kept: /etc/%s is the "
			    "image's (name fewer files in etc-keep)", PIVOT_KEEP_FILES_MAX, shown, name);
		return 0;
	}
	target = open_target(in->etc_fd, name);
	if (target == -ENOENT)
		return 0;
	if (target < 0)
		return target;
	mnt = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (mnt < 0)
		return log_errno(-errno, "cannot make a mount of %s: %m", shown);
	if (mount_setattr(mnt, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return log_errno(-errno, "cannot set nosuid,nodev,noexec on the mount of %s: %m",
				 shown);
	k->mount_fd[k->n] = TAKE_FD(mnt);
	k->target_fd[k->n] = TAKE_FD(target);
	snprintf(k->name[k->n], sizeof(k->name[k->n]), "%s", name);
	k->n++;
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The files of the state's directory of pattern whose names match its
 * last component, in name order. */
static int keep_pattern(const struct pivot_etc_keep_in *in, struct pivot_etc_keep *k,
			const char *pattern)
{
	char names[PIVOT_KEEP_FILES_MAX + 1][NAME_MAX + 1];
	char rel[PATH_MAX + PIVOT_KEEP_NAME_SIZE], name[PIVOT_KEEP_NAME_SIZE];
	const char *slash = strrchr(pattern, '/'), *glob = slash ? slash + 1 : pattern;
	int dir_len = slash ? (int)(slash - pattern) : 0;
	_cleanup_close_ int dfd = -1;
	size_t n = 0;
	struct dirent *e;
	DIR *d;
	int r = 0;

	snprintf(rel, sizeof(rel), "%s/" CFS_DEPLOY_ETC "/" CFS_DEPLOY_UPPER "%s%.*s",
		 in->deploy_rel, slash ? "/" : "", dir_len, pattern);
	dfd = cfs_open_beneath(in->physroot_fd, rel, true);
	if (dfd == -ENOENT)
		return 0;
	if (dfd >= 0) {
		int path_fd = TAKE_FD(dfd);

		dfd = openat(path_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(path_fd);
	} else {
		errno = -dfd;
	}
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		log_warning("etc-keep: ignoring %s: its directory in the state cannot be read "
			    "without following links or crossing mounts (%m)", pattern);
		return 0;
	}
	dfd = -1;       /* the DIR owns it */
	while (n <= PIVOT_KEEP_FILES_MAX && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    fnmatch(glob, e->d_name, FNM_PERIOD) == 0)
			snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), compare_names);
	for (size_t i = 0; r == 0 && i < n; i++) {
		snprintf(name, sizeof(name), "%.*s%s%s", dir_len, pattern, slash ? "/" : "",
			 names[i]);
		r = keep_one(in, k, -1, name, false);
	}
	return r;
}

int pivot_etc_keep_prepare(const struct pivot_etc_keep_in *in, struct pivot_etc_keep *k)
{
	_cleanup_close_ int etc = -1, upper = -1;
	char list[512];
	size_t used = 0;
	bool created;
	int r = 0;

	if (in->deploy_rw_fd >= 0) {
		etc = cfs_mkdir_beneath(in->deploy_rw_fd, CFS_DEPLOY_ETC, 0755, &created);
		if (etc >= 0)
			upper = cfs_mkdir_beneath(etc, CFS_DEPLOY_UPPER, 0755, &created);
		if (upper < 0)
			return log_errno(etc < 0 ? etc : upper, "cannot create %s/" CFS_DEPLOY_ETC "/"
					 CFS_DEPLOY_UPPER " for etc-keep: %m (state is created "
					 "without following links or crossing mount points)", in->shown);
	}
	for (size_t i = 0; r == 0 && i < in->list->n; i++) {
		const char *e = in->list->entry[i];

		r = pivot_keep_is_pattern(e) ? keep_pattern(in, k, e) : keep_one(in, k, upper, e, true);
	}
	if (r < 0)
		return r;
	list[0] = '\0';
	for (size_t i = 0; i < k->n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, " %s", k->name[i]);
	log_info("etc = transient: /etc is the image's, with %zu file%s of etc-keep from "
		 "%s/" CFS_DEPLOY_ETC "/" CFS_DEPLOY_UPPER "%s%s", k->n, k->n == 1 ? "" : "s",
		 in->shown, k->n ? ":" : "", list);
	return 0;
}

int pivot_etc_keep_attach(const struct pivot_etc_keep *k)
{
	for (size_t i = 0; i < k->n; i++)
		if (move_mount(k->mount_fd[i], "", k->target_fd[i], "",
			       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return log_errno(-errno, "cannot bind the kept file over /etc/%s: %m",
					 k->name[i]);
	return 0;
}
