// SPDX-License-Identifier: MIT
/* cfsboot digest: fs-verity digests, printed as `fsverity digest` prints them. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "tool/common/options.h"
#include "tool/commands.h"
#include "lib/verity/fsverity.h"
#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/util.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: cfsboot digest [--hash sha256|sha512] FILE...\n\n"
		     "Print the fs-verity digest of each FILE (4096-byte blocks, no salt) as\n"
		     "ALG:HEX FILE, the same digest the kernel and `fsverity digest` report.\n\n"
		     "  --hash ALG   sha256 (default, the composefs digest) or sha512\n"
		     "  -h, --help   show this help\n");
}

int cmd_digest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hash", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	enum cfs_hash_alg alg = CFS_HASH_SHA256;
	int c, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			if (option_hash(optarg, &alg) < 0)
				return EXIT_USAGE;
			break;
		default:
			return option_end(c, usage);
		}
	}
	if (optind >= argc) {
		log_error("no FILE given; usage: cfsboot digest [--hash ALG] FILE...");
		return EXIT_USAGE;
	}

	for (int i = optind; i < argc; i++) {
		uint8_t digest[CFS_MAX_DIGEST_SIZE];
		char hex[2 * CFS_MAX_DIGEST_SIZE + 1];
		_cleanup_close_ int fd = open(argv[i], O_RDONLY | O_CLOEXEC | O_NOCTTY);
		int r;

		if (fd < 0) {
			log_errno(-errno, "cannot open %s: %m", argv[i]);
			ret = EXIT_FAILED;
			continue;
		}
		r = cfs_verity_digest_file(alg, fd, argv[i], digest);
		if (r < 0) {
			ret = EXIT_FAILED;
			continue;
		}
		cfs_hex_encode(digest, cfs_hash_digest_size(alg), hex);
		printf("%s:%s %s\n", cfs_hash_name(alg), hex, argv[i]);
	}
	return ret;
}
