// SPDX-License-Identifier: MIT
#include "lib/store/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

int cfs_store_lock(int store_fd, const char *store, enum cfs_store_lock how, bool wait)
{
	bool exclusive = how == CFS_STORE_LOCK_EXCLUSIVE;
	int op = exclusive ? LOCK_EX : LOCK_SH;
	_cleanup_close_ int fd = store_fd >= 0 ?
		openat(store_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) :
		open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return log_errno(-errno, "cannot open the store %s to lock it: %m", store);
	if (flock(fd, op | LOCK_NB) == 0)
		return TAKE_FD(fd);
	if (errno != EWOULDBLOCK)
		return log_errno(-errno, "cannot lock the store %s: %m", store);
	if (!wait)
		return log_errno(-EWOULDBLOCK, "the store %s is locked by another program (%s): "
				 "wait for it to finish, then run this again", store,
				 exclusive ? "it is in use" : "a garbage collection is running");
	log_notice("%s is %s: waiting for it", store, exclusive ? "in use" :
		   "locked exclusively (a garbage collection, cfsctl gc?)");
	while (flock(fd, op) < 0)
		if (errno != EINTR)
			return log_errno(-errno, "cannot lock the store %s: %m", store);
	return TAKE_FD(fd);
}
