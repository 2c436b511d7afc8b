// SPDX-License-Identifier: MIT
/*
 * Layers are passed as /proc/self/fd/N paths: the mount or directory an fd
 * holds is what overlayfs uses, so nothing can be swapped in between
 * opening and mounting.  Every option is set with its own fsconfig() call
 * (lowerdir+ and datadir+ take one path each), which also means a path
 * never needs escaping.
 */
#include "pivot/mount/compose.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

#include "pivot/mount/fsctx.h"
#include "lib/base/log.h"
#include "pivot/mount/loop.h"
#include "lib/base/util.h"

/* A detached EROFS mount of source; the kernel's reason on failure. */
static int erofs_from(const char *source, char *reason, size_t size)
{
	_cleanup_close_ int fsfd = pivot_fsopen("erofs");
	int r;

	if (fsfd < 0)
		return fsfd;
	r = pivot_fsconfig_string(fsfd, "source", source);
	if (r == 0)
		r = pivot_fsconfig_flag(fsfd, "ro");
	if (r == 0)
		r = pivot_fsmount(fsfd, MOUNT_ATTR_RDONLY);
	if (r < 0)
		pivot_fs_reason(fsfd, reason, size);
	return r;
}

int pivot_mount_erofs(int image_fd, const char *image_name, bool avoid_file, bool *loop)
{
	char source[PIVOT_FD_PATH_MAX], reason[PIVOT_FS_REASON_MAX] = "";
	_cleanup_close_ int loop_fd = -1;
	int r;

	*loop = false;
	if (!avoid_file) {
		pivot_fd_path(image_fd, source);
		r = erofs_from(source, reason, sizeof(reason));
		/* ENOTBLK: this EROFS mounts block devices only. */
		if (r != -ENOTBLK)
			goto out;
	}
	loop_fd = pivot_loop_attach(image_fd, image_name);
	if (loop_fd < 0)
		return loop_fd;
	*loop = true;
	pivot_fd_path(loop_fd, source);
	r = erofs_from(source, reason, sizeof(reason));
	/* The mount holds the device now; closing ours lets autoclear free
	 * it when the mount goes. */
out:
	if (r < 0) {
		char what[PATH_MAX + 64];

		snprintf(what, sizeof(what), "the image %s as EROFS%s", image_name,
			 *loop ? " from a loop device" : "");
		return pivot_fs_fail(r, what, reason);
	}
	return r;
}

static int set_layers(int fsfd, const struct pivot_overlay *o, const struct pivot_plan *plan)
{
	char lower[PIVOT_FD_PATH_MAX], data[PIVOT_FD_PATH_MAX], both[2 * PIVOT_FD_PATH_MAX + 2];
	int r;

	pivot_fd_path(o->lower_fd, lower);
	pivot_fd_path(o->data_fd, data);
	if (plan->syntax == PIVOT_LAYERS_DATA_ONLY) {
		snprintf(both, sizeof(both), "%s::%s", lower, data);
		return pivot_fsconfig_string(fsfd, "lowerdir", both);
	}
	r = pivot_fsconfig_string(fsfd, "lowerdir+", lower);
	if (r == 0)
		r = pivot_fsconfig_string(fsfd, "datadir+", data);
	return r;
}

static int set_options(int fsfd, const struct pivot_overlay *o, const struct pivot_plan *plan)
{
	char upper[PIVOT_FD_PATH_MAX], work[PIVOT_FD_PATH_MAX], source[PIVOT_ROOT_SOURCE_SIZE];
	int r;

	r = set_layers(fsfd, o, plan);
	if (r == 0 && o->root_hex) {
		snprintf(source, sizeof(source), PIVOT_ROOT_SOURCE_PREFIX "%s", o->root_hex);
		r = pivot_fsconfig_string(fsfd, "source", source);
	}
	if (r == 0 && o->upper_fd >= 0) {
		pivot_fd_path(o->upper_fd, upper);
		pivot_fd_path(o->work_fd, work);
		r = pivot_fsconfig_string(fsfd, "upperdir", upper);
		if (r == 0)
			r = pivot_fsconfig_string(fsfd, "workdir", work);
	}
	/* metacopy: a file's content is the object its redirect names. */
	if (r == 0)
		r = pivot_fsconfig_string(fsfd, "metacopy", "on");
	if (r == 0)
		r = pivot_fsconfig_string(fsfd, "redirect_dir", "on");
	if (r == 0 && plan->enforce == PIVOT_ENFORCE_KERNEL)
		r = pivot_fsconfig_string(fsfd, "verity", "require");
	return r;
}

/* One attempt on the context *given (taken over), or on a new one. */
static int try_overlay(const struct pivot_overlay *o, const struct pivot_plan *plan, int *given,
		       char *reason, size_t size)
{
	_cleanup_close_ int fsfd = *given >= 0 ? TAKE_FD(*given) : pivot_fsopen("overlay");
	int r;

	if (fsfd < 0)
		return fsfd;
	r = set_options(fsfd, o, plan);
	if (r == 0)
		r = pivot_fsmount(fsfd, o->upper_fd < 0 ? MOUNT_ATTR_RDONLY : 0);
	if (r < 0)
		pivot_fs_reason(fsfd, reason, size);
	return r;
}

static int stage_layers(const struct pivot_overlay *o, struct pivot_stage *st)
{
	for (size_t i = 0; i < ARRAY_SIZE(o->detached); i++)
		if (o->detached[i] >= 0) {
			int r = pivot_stage_attach(st, o->detached[i]);

			if (r < 0)
				return r;
		}
	return 0;
}

int pivot_mount_overlay(const struct pivot_overlay *o, const struct pivot_plan *plan,
			struct pivot_stage *st, int *fsfd)
{
	char reason[PIVOT_FS_REASON_MAX] = "";
	int none = -1;
	int r;

	if (st->active) {
		r = stage_layers(o, st);
		if (r < 0) {
			cfs_closep(fsfd);
			*fsfd = -1;
			return r;
		}
	}
	r = try_overlay(o, plan, fsfd, reason, sizeof(reason));
	/* Before Linux 6.15 overlayfs refuses a detached layer with EINVAL
	 * when it creates the superblock; any other reason fails again. */
	if (r == -EINVAL && !st->active && (o->detached[0] >= 0 || o->detached[1] >= 0)) {
		log_debug("overlayfs refused detached layers for %s (%s); staging them", o->what,
			  reason);
		st->active = true;
		r = stage_layers(o, st);
		if (r < 0)
			return r;
		r = try_overlay(o, plan, &none, reason, sizeof(reason));
	}
	if (r < 0) {
		char what[256];

		snprintf(what, sizeof(what), "overlayfs for %s", o->what);
		return pivot_fs_fail(r, what, reason);
	}
	return r;
}
