// SPDX-License-Identifier: MIT
#include "tool/common/options.h"

#include <errno.h>

#include "lib/base/log.h"

int option_hash(const char *arg, enum cfs_hash_alg *alg)
{
	if (cfs_hash_from_name(arg, alg) < 0)
		return log_errno(-EINVAL, "unknown hash '%s': use sha256 or sha512", arg);
	return 0;
}
