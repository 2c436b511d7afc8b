// SPDX-License-Identifier: MIT
#include "lib/store/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

int cfs_store_lock_shared(int store_fd, const char *store)
{
	/* flock() needs an fd opened for reading; O_PATH is not one. */
	_cleanup_close_ int fd = openat(store_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return log_errno(-errno, "cannot open the store %s to lock it: %m", store);
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		return TAKE_FD(fd);
	if (errno != EWOULDBLOCK)
		return log_errno(-errno, "cannot lock the store %s: %m", store);
	log_notice("%s is locked exclusively (a garbage collection, cfsctl gc?): waiting for it",
		   store);
	while (flock(fd, LOCK_SH) < 0)
		if (errno != EINTR)
			return log_errno(-errno, "cannot lock the store %s: %m", store);
	return TAKE_FD(fd);
}
