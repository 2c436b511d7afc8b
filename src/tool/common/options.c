// SPDX-License-Identifier: MIT
#include "tool/common/options.h"

#include <errno.h>
#include <stdint.h>

#include "lib/base/log.h"
#include "lib/base/parse.h"
#include "tool/commands.h"

int option_hash(const char *arg, enum cfs_hash_alg *alg)
{
	if (cfs_hash_from_name(arg, alg) < 0)
		return log_errno(-EINVAL, "unknown hash '%s': use sha256 or sha512", arg);
	return 0;
}

int option_threads(const char *arg, unsigned *threads)
{
	uint64_t v;

	if (cfs_parse_u64(arg, &v) < 0 || v < 1 || v > 1024)
		return log_errno(-EINVAL, "--threads %s: give a number from 1 to 1024", arg);
	*threads = (unsigned)v;
	return 0;
}

int option_end(int c, void (*usage)(FILE *out))
{
	usage(c == 'h' ? stdout : stderr);
	return c == 'h' ? EXIT_OK : EXIT_USAGE;
}
