// SPDX-License-Identifier: MIT
#include "pivot/mount/fsctx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "lib/base/log.h"

int pivot_fsopen(const char *fstype)
{
	int fd = fsopen(fstype, FSOPEN_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int pivot_fsconfig_string(int fsfd, const char *key, const char *value)
{
	return fsconfig(fsfd, FSCONFIG_SET_STRING, key, value, 0) < 0 ? -errno : 0;
}

int pivot_fsconfig_flag(int fsfd, const char *key)
{
	return fsconfig(fsfd, FSCONFIG_SET_FLAG, key, NULL, 0) < 0 ? -errno : 0;
}

int pivot_fsmount(int fsfd, unsigned int attrs)
{
	int fd;

	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	fd = fsmount(fsfd, FSMOUNT_CLOEXEC, attrs);
	return fd < 0 ? -errno : fd;
}

const char *pivot_fs_reason(int fsfd, char *buf, size_t size)
{
	char msg[PIVOT_FS_REASON_MAX + 2];
	ssize_t n;

	buf[0] = '\0';
	/* One message per read: "e <text>" for errors, "w" and "i" for
	 * warnings and information; the last error is the cause. */
	while ((n = read(fsfd, msg, sizeof(msg) - 1)) > 0) {
		msg[n] = '\0';
		msg[strcspn(msg, "\n")] = '\0';
		if (msg[0] == 'e' && msg[1] == ' ')
			snprintf(buf, size, "%s", msg + 2);
	}
	return buf;
}

void pivot_fd_path(int fd, char buf[PIVOT_FD_PATH_MAX])
{
	snprintf(buf, PIVOT_FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

int pivot_fs_fail(int r, const char *what, const char *reason)
{
	if (r == -ENODEV)
		return log_errno(r, "cannot mount %s: the kernel lacks the file system (build it "
				 "in, or load its module first)", what);
	if (*reason)
		return log_errno(r, "cannot mount %s: %m (kernel: %s)", what, reason);
	return log_errno(r, "cannot mount %s: %m", what);
}
