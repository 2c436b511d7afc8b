// SPDX-License-Identifier: MIT
#include "lib/base/read_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "lib/base/array.h"
#include "lib/base/log.h"
#include "lib/base/util.h"

/* What the buffer grows by at first; it doubles from there. */
#define READ_CHUNK (64 * 1024)

int cfs_read_fd(int fd, const char *name, size_t max, char **out, size_t *out_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		size_t want = MIN(max - len, (size_t)READ_CHUNK);
		ssize_t n;

		/* Room for want more bytes and the terminator. */
		if (CFS_GROW(buf, cap, len + want + 1, 0) < 0)
			return log_oom();
		if (want == 0)
			break;
		n = read(fd, buf + len, MIN(cap - 1, max) - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return log_errno(-errno, "cannot read %s: %m", name);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out_len = len;
	*out = TAKE_PTR(buf);
	return 0;
}

int cfs_read_file(const char *path, size_t max, uint8_t **out, size_t *out_len)
{
	_cleanup_close_ int fd = -1;
	char *buf;
	struct stat st;
	size_t len;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return log_errno(-errno, "cannot open %s: %m", path);
	if (fstat(fd, &st) < 0)
		return log_errno(-errno, "cannot stat %s: %m", path);
	if (!S_ISREG(st.st_mode))
		return log_errno(-EINVAL, "%s is not a regular file", path);
	if ((uint64_t)st.st_size > max)
		return log_errno(-EFBIG, "%s is %lld bytes, more than the %zu allowed",
				 path, (long long)st.st_size, max);
	r = cfs_read_fd(fd, path, (size_t)st.st_size, &buf, &len);
	if (r < 0)
		return r;
	if (len != (size_t)st.st_size) {
		free(buf);
		return log_errno(-EIO, "cannot read %s: %m", path);
	}
	*out_len = len;
	*out = (uint8_t *)buf;
	return 0;
}
