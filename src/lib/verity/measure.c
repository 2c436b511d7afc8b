// SPDX-License-Identifier: MIT
#include "lib/verity/measure.h"

#include <errno.h>
#include <linux/fsverity.h>
#include <string.h>
#include <sys/ioctl.h>

int cfs_verity_measure(int fd, enum cfs_hash_alg *alg, uint8_t *digest)
{
	/* struct fsverity_digest ends in the digest, of the size it says.
	 * Zeroed: the ioctl declares its whole header as input, though the
	 * kernel reads only digest_size, and memcheck checks all of it. */
	_Alignas(struct fsverity_digest) uint8_t buf[sizeof(struct fsverity_digest) +
						     CFS_MAX_DIGEST_SIZE] = { 0 };
	struct fsverity_digest *m = (struct fsverity_digest *)buf;

	m->digest_size = CFS_MAX_DIGEST_SIZE;
	if (ioctl(fd, FS_IOC_MEASURE_VERITY, m) < 0) {
		/* ENODATA: no fs-verity on this file; ENOTTY, EOPNOTSUPP:
		 * none on this file system or in this kernel. */
		if (errno == ENODATA || errno == ENOTTY || errno == EOPNOTSUPP)
			return 0;
		return -errno;
	}
	*alg = m->digest_algorithm;
	if (cfs_hash_digest_size(*alg) != m->digest_size)
		return -EPROTO;
	memset(digest, 0, CFS_MAX_DIGEST_SIZE);
	memcpy(digest, m->digest, m->digest_size);
	return 1;
}
