// SPDX-License-Identifier: MIT
/*
 * State is the one thing on the physical root cfs-pivot writes, and only
 * after the image and its objects have been verified.  The paths are the
 * policy's, resolved beneath the physical root without following links
 * like the store's; the /etc overlay takes the image's /etc from the EROFS
 * mount with the objects as its data-only layer, exactly as the root
 * does, so files under /etc are verified the same way.
 */
#include "pivot/mount/state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "pivot/mount/compose.h"
#include "pivot/mount/fsctx.h"
#include "lib/base/log.h"
#include "lib/store/beneath.h"
#include "lib/store/layout.h"
#include "lib/base/util.h"

void pivot_state_init(struct pivot_state *s)
{
	*s = (struct pivot_state){ .etc_fd = -1, .var_fd = -1, .rw_fd = -1, .tmpfs_fd = -1 };
	pivot_etc_keep_init(&s->keep);
}

void pivot_state_close(struct pivot_state *s)
{
	pivot_etc_keep_close(&s->keep);
	cfs_closep(&s->etc_fd);
	cfs_closep(&s->var_fd);
	cfs_closep(&s->rw_fd);
	cfs_closep(&s->tmpfs_fd);
	pivot_state_init(s);
}

/* The deployment's state directory relative to the physical root, and as
 * messages name it. */
struct deploy_path {
	char rel[PATH_MAX];
	char shown[PATH_MAX];
	const char *state_rel;    /* the state directory relative to the physical root, "" for it */
};

static void deploy_path(const struct pivot_state_in *in, struct deploy_path *d)
{
	const char *state = strcmp(in->policy->state, "/") == 0 ? "" : in->policy->state;
	const char *prefix = strcmp(in->sysroot, "/") == 0 ? "" : in->sysroot;

	d->state_rel = state[0] ? state + 1 : "";
	snprintf(d->rel, sizeof(d->rel), "%s%s" CFS_STATE_DEPLOY_FMT, state[0] ? state + 1 : "",
		 state[0] ? "/" : "", in->hex);
	snprintf(d->shown, sizeof(d->shown), "%s%s/" CFS_STATE_DEPLOY_FMT, prefix, state, in->hex);
}

/* The image must have the directory a mount goes on: the composed root is
 * read-only, so a missing one cannot be made. */
static int check_image_dir(const struct pivot_state_in *in, const char *name, const char *why)
{
	_cleanup_close_ int fd = openat(in->root_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
					O_CLOEXEC);

	if (fd < 0)
		return log_errno(-errno, "the image has no directory /%s (%m), which %s mounts over "
				 "(add it to the image, or change that key in pivot.conf)", name, why);
	return 0;
}

static int check_image(const struct pivot_state_in *in)
{
	static const char *const etc_why[] = {
		[PIVOT_ETC_OVERLAY] = "etc = overlay",
		[PIVOT_ETC_BIND] = "etc = bind",
		[PIVOT_ETC_TRANSIENT] = "etc = transient",
	};
	int r = 0;

	if (in->policy->etc != PIVOT_ETC_NONE)
		r = check_image_dir(in, "etc", etc_why[in->policy->etc]);
	if (r == 0 && in->policy->var == PIVOT_VAR_BIND)
		r = check_image_dir(in, "var", "var = bind");
	return r;
}

/* A mount of the directory dir of its own, writable. */
static int clone_writable(int dir, const char *shown)
{
	struct mount_attr attr = { .attr_clr = MOUNT_ATTR_RDONLY };
	_cleanup_close_ int fd = open_tree(dir, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					   AT_EMPTY_PATH);

	if (fd < 0)
		return log_errno(-errno, "cannot make a mount of %s: %m", shown);
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return log_errno(-errno, "cannot make the mount of %s writable: %m", shown);
	return TAKE_FD(fd);
}

/* A writable mount of dir (relative to the physical root), opened without
 * following links. */
static int bind_clone(const struct pivot_state_in *in, const char *rel, const char *shown)
{
	_cleanup_close_ int dir = cfs_open_beneath(in->physroot_fd, rel, true);

	if (dir < 0)
		return log_errno(dir, "cannot open %s: %m", shown);
	return clone_writable(dir, shown);
}

/* Why the deployment's var (shown) could not be opened in the state
 * directory: the one line, returning r. */
static int var_refusal(int r, const char *shown)
{
	switch (r) {
	case -EXDEV:
		return log_errno(r, "refusing %s: it is a symbolic link that leaves the state "
				 "directory, or a mount point is on its way (bootc's link is the "
				 "relative ../../os/default/var; make var a directory or a link that "
				 "stays in the state)", shown);
	case -ELOOP:
		return log_errno(r, "refusing %s: a loop of symbolic links, more than 40 of them, "
				 "a magic link, or a link on a kernel without openat2(), which "
				 "cfs-pivot cannot follow safely (make var a directory)", shown);
	case -ENOTDIR:
		return log_errno(r, "refusing %s: it is not a directory, nor a link to one in the "
				 "state directory", shown);
	case -ENOENT:
		return log_errno(r, "%s is a symbolic link to nothing (bootc creates the shared "
				 "<state>/os/default/var it points to; create what it names)", shown);
	default:
		return log_errno(r, "cannot open %s: %m", shown);
	}
}

/*
 * var = bind: the deployment's var, created as a directory when missing
 * (through deploy, on the writable clone).  bootc makes it a relative link
 * to the var its deployments share (<state>/os/default/var), so links are
 * followed, beneath the state directory only (beneath.h).  It is opened on
 * the physical root's own mount: before Linux 6.15 a mount cannot be
 * cloned out of a detached one such as the writable clone.
 */
static int var_mount(int physroot_fd, int deploy, const struct deploy_path *d)
{
	char rel[PATH_MAX + 8], shown[PATH_MAX + 8];
	_cleanup_close_ int state = -1, var = -1;
	const char *in_state = d->rel + strlen(d->state_rel) + !!d->state_rel[0];

	snprintf(shown, sizeof(shown), "%s/" CFS_DEPLOY_VAR, d->shown);
	if (mkdirat(deploy, CFS_DEPLOY_VAR, 0755) == 0)
		log_info("created the state directory %s", shown);
	else if (errno != EEXIST)
		return log_errno(-errno, "cannot create %s: %m", shown);
	if (d->state_rel[0])
		state = cfs_open_beneath(physroot_fd, d->state_rel, true);
	else if ((state = fcntl(physroot_fd, F_DUPFD_CLOEXEC, 3)) < 0)
		state = -errno;
	if (state < 0)
		return log_errno(state, "cannot open the state directory of %s: %m", shown);
	snprintf(rel, sizeof(rel), "%s/" CFS_DEPLOY_VAR, in_state);
	var = cfs_open_beneath_follow(state, rel, true);
	if (var < 0)
		return var_refusal(var, shown);
	return clone_writable(var, shown);
}

/* etc = bind mounts what the tool that installs the image put there (cfsboot
 * has no deploy command yet); it is never made. */
static int check_bind_etc(const struct pivot_state_in *in, const struct deploy_path *d)
{
	char rel[PATH_MAX + 8];
	_cleanup_close_ int fd = -1;

	snprintf(rel, sizeof(rel), "%s/" CFS_DEPLOY_ETC, d->rel);
	fd = cfs_open_beneath(in->physroot_fd, rel, true);
	if (fd == -ENOENT)
		return log_errno(fd, "etc = bind mounts %s/etc over /etc, but it does not exist (the "
				 "tool that installs the image, such as bootc or composefs-rs, "
				 "creates it from the image's /etc, as cfsboot has no deploy command "
				 "yet; etc = overlay creates its state on first boot instead)", d->shown);
	if (fd < 0)
		return log_errno(fd, "refusing %s/etc: %m (state is opened without following links "
				 "or crossing mount points)", d->shown);
	return 0;
}

/* Why the physical root's file system may be read-only, and the remedy,
 * in the words of the way cfs-pivot runs. */
static const char *read_only_remedy(const struct pivot_state_in *in)
{
	if (in->pid1)
		return "cfs-pivot mounts it so unless rootflags= holds ro or the device is read-only";
	return "with dracut or a systemd initrd, put rw instead of ro on the kernel command line";
}

/* A writable clone of the physical root's mount: its own mount may be
 * read-only, its file system must not be. */
static int writable_root(const struct pivot_state_in *in, const struct pivot_policy *p)
{
	bool both = p->etc == PIVOT_ETC_OVERLAY && p->var == PIVOT_VAR_BIND;
	struct mount_attr attr = { .attr_clr = MOUNT_ATTR_RDONLY };
	_cleanup_close_ int fd = open_tree(in->physroot_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					   AT_EMPTY_PATH);
	struct statvfs sv;

	if (fd < 0)
		return log_errno(-errno, "cannot clone the mount of the physical root %s: %m",
				 in->sysroot);
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return log_errno(-errno, "cannot make a writable mount of the physical root %s: %m",
				 in->sysroot);
	if (fstatvfs(fd, &sv) < 0)
		return log_errno(-errno, "cannot stat the physical root %s: %m", in->sysroot);
	if (sv.f_flag & ST_RDONLY)
		return log_errno(-EROFS, "the physical root %s is a read-only file system, but %s "
				 "keep%s state on it: its file system must be mounted writable (a "
				 "writable superblock; the mount itself may stay read-only); %s; or "
				 "set etc = transient or none and var = none", in->sysroot,
				 both ? "etc = overlay and var = bind" :
				 p->etc == PIVOT_ETC_OVERLAY ? "etc = overlay" : "var = bind",
				 both ? "" : "s", read_only_remedy(in));
	return TAKE_FD(fd);
}

/* mkdir -p of rel beneath dirfd, mode 0755; the O_PATH fd of the last. */
static int make_dirs(int dirfd, const char *rel, const char *shown)
{
	_cleanup_close_ int cur = -1;
	char name[NAME_MAX + 1];
	const char *c = rel;
	bool any_created = false;

	for (;;) {
		const char *end = strchrnul(c, '/');
		size_t len = (size_t)(end - c);
		bool created;
		int fd;

		if (len > NAME_MAX)
			return log_errno(-ENAMETOOLONG, "cannot create %s: %m", shown);
		memcpy(name, c, len);
		name[len] = '\0';
		fd = cfs_mkdir_beneath(cur >= 0 ? cur : dirfd, name, 0755, &created);
		if (fd < 0)
			return log_errno(fd, "cannot create %s: %m (at \"%s\"; state is created without "
					 "following links or crossing mount points)", shown, name);
		any_created |= created;
		if (cur >= 0)
			close(cur);
		cur = fd;
		if (!*end) {
			if (any_created)
				log_info("created the state directory %s", shown);
			return TAKE_FD(cur);
		}
		c = end + 1;
	}
}

static int make_dir(int dirfd, const char *name, unsigned int mode, const char *shown)
{
	bool created;
	int fd = cfs_mkdir_beneath(dirfd, name, mode, &created);

	if (fd < 0)
		return log_errno(fd, "cannot create %s/%s: %m", shown, name);
	return fd;
}

/* An overlay over the image's /etc with upper and work in dir. */
static int etc_overlay(const struct pivot_state_in *in, int upper_mnt, int dir, const char *shown)
{
	_cleanup_close_ int lower = -1, upper = -1, work = -1;
	struct pivot_overlay o = {
		.what = "/etc",
		.data_fd = in->objects_fd,
		.detached = { in->erofs_fd, upper_mnt },
	};

	lower = openat(in->erofs_fd, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (lower < 0)
		return log_errno(-errno, "cannot open the image's /etc: %m");
	upper = make_dir(dir, CFS_DEPLOY_UPPER, 0755, shown);
	if (upper < 0)
		return upper;
	work = make_dir(dir, CFS_DEPLOY_WORK, 0700, shown);
	if (work < 0)
		return work;
	int fsfd = -1;

	o.lower_fd = lower;
	o.upper_fd = upper;
	o.work_fd = work;
	return pivot_mount_overlay(&o, in->plan, in->stage, &fsfd);
}

/* etc = transient: the upper layer lives in a tmpfs, gone at shutdown. */
static int etc_transient(const struct pivot_state_in *in, struct pivot_state *s)
{
	_cleanup_close_ int fsfd = pivot_fsopen("tmpfs");
	_cleanup_close_ int dir = -1;
	char reason[PIVOT_FS_REASON_MAX] = "";
	int r;

	if (fsfd < 0)
		return pivot_fs_fail(fsfd, "a tmpfs for etc = transient", "");
	r = pivot_fsconfig_string(fsfd, "mode", "0755");
	if (r == 0)
		r = pivot_fsmount(fsfd, 0);
	if (r < 0)
		return pivot_fs_fail(r, "a tmpfs for etc = transient", pivot_fs_reason(fsfd, reason,
										    sizeof(reason)));
	s->tmpfs_fd = r;
	dir = openat(s->tmpfs_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return log_errno(-errno, "cannot open the tmpfs for etc = transient: %m");
	return etc_overlay(in, s->tmpfs_fd, dir, "the tmpfs of etc = transient");
}

/*
 * /etc and /var come from state nobody verified (or, etc = transient, are
 * writable by the booted system): a setuid program or a device node there
 * must not work.  Programs may run from /var, as distributions expect.
 */
static int restrict_state(int fd, const char *what)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };

	if (fd >= 0 && mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return log_errno(-errno, "cannot make the mount for %s nosuid and nodev: %m", what);
	return 0;
}

int pivot_state_prepare(const struct pivot_state_in *in, struct pivot_state *s)
{
	const struct pivot_policy *p = in->policy;
	_cleanup_close_ int deploy = -1, dir = -1;
	char shown[PATH_MAX + 8], rel[PATH_MAX + 8];
	struct deploy_path d;
	int r;

	deploy_path(in, &d);
	r = check_image(in);
	if (r == 0 && p->etc == PIVOT_ETC_BIND)
		r = check_bind_etc(in, &d);
	if (r < 0)
		return r;

	if (p->etc == PIVOT_ETC_OVERLAY || p->var == PIVOT_VAR_BIND ||
	    pivot_etc_keep_writes(p, in->physroot_fd)) {
		s->rw_fd = writable_root(in, p);
		if (s->rw_fd < 0)
			return s->rw_fd;
		deploy = make_dirs(s->rw_fd, d.rel, d.shown);
		if (deploy < 0)
			return deploy;
	}

	switch (p->etc) {
	case PIVOT_ETC_OVERLAY:
		snprintf(shown, sizeof(shown), "%s/" CFS_DEPLOY_ETC, d.shown);
		dir = make_dir(deploy, CFS_DEPLOY_ETC, 0755, d.shown);
		if (dir < 0)
			return dir;
		s->etc_fd = etc_overlay(in, s->rw_fd, dir, shown);
		break;
	case PIVOT_ETC_BIND:
		snprintf(rel, sizeof(rel), "%s/" CFS_DEPLOY_ETC, d.rel);
		snprintf(shown, sizeof(shown), "%s/" CFS_DEPLOY_ETC, d.shown);
		s->etc_fd = bind_clone(in, rel, shown);
		break;
	case PIVOT_ETC_TRANSIENT:
		s->etc_fd = etc_transient(in, s);
		break;
	default:
		break;
	}
	if (s->etc_fd < 0 && p->etc != PIVOT_ETC_NONE)
		return s->etc_fd;
	if (p->etc == PIVOT_ETC_TRANSIENT && p->etc_keep.n > 0) {
		struct pivot_etc_keep_in keep = {
			.list = &p->etc_keep,
			.physroot_fd = in->physroot_fd,
			.deploy_rw_fd = deploy,
			.deploy_rel = d.rel,
			.shown = d.shown,
			.etc_fd = s->etc_fd,
		};

		r = pivot_etc_keep_prepare(&keep, &s->keep);
		if (r < 0)
			return r;
	}

	if (p->var == PIVOT_VAR_BIND) {
		s->var_fd = var_mount(in->physroot_fd, deploy, &d);
		if (s->var_fd < 0)
			return s->var_fd;
	}
	r = restrict_state(s->etc_fd, "/etc");
	if (r == 0)
		r = restrict_state(s->var_fd, "/var");
	return r;
}
