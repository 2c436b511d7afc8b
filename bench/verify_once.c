// SPDX-License-Identifier: MIT
/*
 * One verification as cfs-pivot makes it at boot, for bench/verify.sh: a
 * static binary that initialises OpenSSL, loads the trust directory, reads
 * and verifies one signature, and prints how many microseconds that took
 * from the start of main() (exec and loading are not in it).
 *
 *   verify_once TRUST_DIR SHA256_HEX SIG
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/base/hex.h"
#include "lib/trust/signature.h"
#include "lib/base/util.h"

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	double start = now_us();
	struct cfs_sig_anchors *anchors = NULL;
	struct cfs_sig_policy policy = {};
	struct cfs_sig_result res;
	uint8_t digest[32], *sig = NULL;
	_cleanup_close_ int fd = -1;
	size_t len;

	if (argc != 4 || cfs_hex_decode(argv[2], strlen(argv[2]), digest, sizeof(digest)) < 0) {
		fprintf(stderr, "usage: verify_once TRUST_DIR SHA256_HEX SIG\n");
		return 2;
	}
	fd = open(argv[3], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || cfs_sig_init(false) < 0 || cfs_sig_anchors_load(argv[1], &anchors) < 0 ||
	    cfs_sig_read_fd(fd, argv[3], &sig, &len) < 0)
		return 1;
	policy.anchors = anchors;
	if (cfs_sig_verify(argv[3], sig, len, CFS_HASH_SHA256, digest, &policy, &res) < 0)
		return 1;
	printf("%.0f\n", now_us() - start);
	free(sig);
	cfs_sig_anchors_free(anchors);
	return 0;
}
