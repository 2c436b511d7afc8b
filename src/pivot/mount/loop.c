// SPDX-License-Identifier: MIT
#include "pivot/mount/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

/* LOOP_CTL_GET_FREE hands out a device that another process may claim
 * before we configure it; a few retries make that race harmless. */
#define LOOP_ATTEMPTS 8

int pivot_loop_attach(int fd, const char *name)
{
	_cleanup_close_ int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	struct loop_config config = {
		.fd = (unsigned int)fd,
		.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR,
	};

	if (ctl < 0)
		return log_errno(-errno, "cannot open /dev/loop-control: %m (this kernel's EROFS "
				 "cannot mount a file, so the image needs a loop device: load the "
				 "loop module)");
	/* Shown by losetup; the kernel cuts it to fit. */
	snprintf((char *)config.info.lo_file_name, sizeof(config.info.lo_file_name), "%s", name);

	for (int attempt = 0; attempt < LOOP_ATTEMPTS; attempt++) {
		char dev[32];
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		_cleanup_close_ int loop = -1;

		if (n < 0)
			return log_errno(-errno, "cannot get a free loop device: %m");
		snprintf(dev, sizeof(dev), "/dev/loop%d", n);
		loop = open(dev, O_RDONLY | O_CLOEXEC);
		if (loop < 0)
			return log_errno(-errno, "cannot open %s: %m", dev);
		if (ioctl(loop, LOOP_CONFIGURE, &config) == 0)
			return TAKE_FD(loop);
		if (errno != EBUSY)
			return log_errno(-errno, "cannot bind %s to the image %s: %m", dev, name);
	}
	return log_errno(-EBUSY, "cannot bind a loop device to the image %s: every free device "
			 "was taken by someone else %d times", name, LOOP_ATTEMPTS);
}
