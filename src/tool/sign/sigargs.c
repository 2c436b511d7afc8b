// SPDX-License-Identifier: MIT
#include "tool/sign/sigargs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/parse.h"
#include "lib/base/util.h"

int sigargs_parse_digest(const char *arg, enum cfs_hash_alg *alg, uint8_t *digest)
{
	const char *colon = strchr(arg, ':');
	char name[8];
	size_t n;

	if (!colon || (size_t)(colon - arg) >= sizeof(name))
		return log_errno(-EINVAL, "--digest %s: write ALG:HEX, e.g. sha256:<64 hex digits> "
				 "as cfsboot digest prints it", arg);
	memcpy(name, arg, (size_t)(colon - arg));
	name[colon - arg] = 0;
	if (cfs_hash_from_name(name, alg) < 0)
		return log_errno(-EINVAL, "--digest %s: unknown algorithm '%s': use sha256 or sha512",
				 arg, name);
	n = cfs_hash_digest_size(*alg);
	if (cfs_hex_decode(colon + 1, strlen(colon + 1), digest, n) < 0)
		return log_errno(-EINVAL, "--digest %s: a %s digest is %zu hex digits", arg, name, 2 * n);
	return 0;
}

int sigargs_parse_version(const char *opt, const char *arg, uint64_t *out)
{
	int r;

	if (!*arg)
		return log_errno(-EINVAL, "%s: a decimal number is required", opt);
	r = cfs_parse_u64(arg, out);
	if (r == -ERANGE)
		return log_errno(-EINVAL, "%s %s: more than 64 bits", opt, arg);
	if (r < 0)
		return log_errno(-EINVAL, "%s %s: not a decimal number", opt, arg);
	return 0;
}

int sigargs_image_digest(const char *path, enum cfs_hash_alg alg, uint8_t *digest)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return log_errno(-errno, "cannot open image %s: %m", path);
	return cfs_verity_digest_file(alg, fd, path, digest);
}
