// SPDX-License-Identifier: MIT
#include "lib/store/lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

int cfs_store_lock_open(const char *path, enum cfs_store_lock how, bool wait)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int op = how == CFS_STORE_LOCK_EXCLUSIVE ? LOCK_EX : LOCK_SH;

	if (fd < 0)
		return log_errno(-errno, "cannot open the store %s: %m", path);
	if (flock(fd, op | (wait ? 0 : LOCK_NB)) < 0) {
		int r = -errno;

		close(fd);
		if (r == -EWOULDBLOCK)
			return log_errno(r, "the store %s is locked by another cfsboot (%s): wait for "
					 "it to finish, then run this again", path,
					 how == CFS_STORE_LOCK_EXCLUSIVE ? "it is in use" : "gc is running");
		return log_errno(r, "cannot lock the store %s: %m", path);
	}
	return fd;
}
