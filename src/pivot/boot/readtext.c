// SPDX-License-Identifier: MIT
#include "pivot/boot/readtext.h"

#include <fcntl.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

int pivot_read_text(const char *path, size_t max, char **out, size_t *out_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return log_errno(-errno, "cannot open %s: %m", path);
	}

	/* One byte more than allowed, to tell "exactly max" from "too long",
	 * and one for the terminator. */
	buf = malloc(max + 2);
	if (!buf)
		return log_oom();
	for (;;) {
		ssize_t n = read(fd, buf + len, max + 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return log_errno(-errno, "cannot read %s: %m", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return log_errno(-EFBIG, "%s is longer than %zu bytes, which no valid file is",
					 path, max);
	}
	buf[len] = '\0';
	*out_len = len;
	*out = TAKE_PTR(buf);
	return 0;
}
