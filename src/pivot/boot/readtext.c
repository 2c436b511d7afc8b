// SPDX-License-Identifier: MIT
#include "pivot/boot/readtext.h"

#include <fcntl.h>

#include "lib/base/log.h"
#include "lib/base/read_file.h"
#include "lib/base/util.h"

int pivot_read_text(const char *path, size_t max, char **out, size_t *out_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return log_errno(-errno, "cannot open %s: %m", path);
	}
	/* One byte more than allowed, to tell "exactly max" from "too long". */
	r = cfs_read_fd(fd, path, max + 1, &buf, &len);
	if (r < 0)
		return r;
	if (len > max)
		return log_errno(-EFBIG, "%s is longer than %zu bytes, which no valid file is",
				 path, max);
	*out_len = len;
	*out = TAKE_PTR(buf);
	return 0;
}
