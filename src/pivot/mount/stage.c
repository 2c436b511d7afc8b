// SPDX-License-Identifier: MIT
#include "pivot/mount/stage.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/log.h"

void pivot_stage_init(struct pivot_stage *st, const char *run_dir)
{
	*st = (struct pivot_stage){ .run_dir = run_dir };
}

static int make_dir(struct pivot_stage *st)
{
	if (mkdir(st->run_dir, 0755) < 0 && errno != EEXIST)
		return log_errno(-errno, "cannot create %s: %m", st->run_dir);
	if (asprintf(&st->dir, "%s/.stage-XXXXXX", st->run_dir) < 0) {
		st->dir = NULL;
		return log_oom();
	}
	if (!mkdtemp(st->dir)) {
		int r = log_errno(-errno, "cannot create a staging directory in %s: %m", st->run_dir);

		free(st->dir);
		st->dir = NULL;
		return r;
	}
	return 0;
}

int pivot_stage_attach(struct pivot_stage *st, int mnt_fd)
{
	char path[PATH_MAX];
	int r;

	for (unsigned int i = 0; i < st->n; i++)
		if (st->fds[i] == mnt_fd)
			return 0;
	if (st->n == PIVOT_STAGE_MAX)
		return log_errno(-E2BIG, "internal error: more than %d mounts to stage", PIVOT_STAGE_MAX);
	if (!st->dir) {
		r = make_dir(st);
		if (r < 0)
			return r;
	}
	snprintf(path, sizeof(path), "%s/%u", st->dir, st->n);
	if (mkdir(path, 0700) < 0)
		return log_errno(-errno, "cannot create %s: %m", path);
	if (move_mount(mnt_fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		r = log_errno(-errno, "cannot attach a layer at %s for overlayfs: %m", path);
		rmdir(path);
		return r;
	}
	st->fds[st->n++] = mnt_fd;
	return 0;
}

void pivot_stage_release(struct pivot_stage *st)
{
	char path[PATH_MAX];

	if (!st->dir)
		return;
	for (unsigned int i = 0; i < st->n; i++) {
		snprintf(path, sizeof(path), "%s/%u", st->dir, i);
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 || rmdir(path) < 0)
			log_warning("cannot remove the staged layer %s: %m", path);
	}
	if (rmdir(st->dir) < 0)
		log_warning("cannot remove %s: %m", st->dir);
	free(st->dir);
	st->dir = NULL;
	st->n = 0;
}
