// SPDX-License-Identifier: MIT
#include "lib/store/exposure.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/base/log.h"

int cfs_store_exposed(const struct stat *st, char why[CFS_EXPOSED_MAX])
{
	if (!S_ISDIR(st->st_mode) && st->st_nlink > 1)
		snprintf(why, CFS_EXPOSED_MAX, "has %ju hard links", (uintmax_t)st->st_nlink);
	else if (st->st_uid != 0)
		snprintf(why, CFS_EXPOSED_MAX, "is owned by uid %ju, not root", (uintmax_t)st->st_uid);
	else if (st->st_mode & (S_IWGRP | S_IWOTH))
		snprintf(why, CFS_EXPOSED_MAX, "is writable by its group or others (mode %04o)",
			 (unsigned)(st->st_mode & 07777));
	else
		return 0;
	return -EPERM;
}

int cfs_store_refuse_exposed(int fd, const char *what, const char *name)
{
	char why[CFS_EXPOSED_MAX];
	struct stat st;

	if (fstat(fd, &st) < 0)
		return log_errno(-errno, "cannot stat %s %s: %m", what, name);
	if (cfs_store_exposed(&st, why) == 0)
		return 0;
	return log_errno(-EPERM, "refusing %s %s: it %s, so someone other than root could change "
			 "it after the boot checked it, and without fs-verity nothing checks it "
			 "again (make it root's, chmod go-w, one link: cfsboot mkimage --store "
			 "writes it so)", what, name, why);
}
