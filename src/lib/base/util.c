// SPDX-License-Identifier: MIT
#include "lib/base/util.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "lib/base/log.h"

int cfs_pread_full(int fd, void *buf, size_t len, off_t off)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

int cfs_write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int cfs_read_file(const char *path, size_t max, uint8_t **out, size_t *out_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ uint8_t *buf = NULL;
	struct stat st;
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
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return log_oom();
	r = cfs_pread_full(fd, buf, (size_t)st.st_size, 0);
	if (r < 0)
		return log_errno(r, "cannot read %s: %m", path);
	buf[st.st_size] = 0; /* callers parsing text may rely on a terminator */
	*out_len = (size_t)st.st_size;
	*out = TAKE_PTR(buf);
	return 0;
}
