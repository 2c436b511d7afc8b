// SPDX-License-Identifier: MIT
#include "tool/sign/sigargs.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/parse.h"
#include "lib/base/util.h"
#include "lib/trust/signature.h"
#include "tool/commands.h"

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

static const int class_exit[] = {
	[CFS_SIG_EMPTY - CFS_SIG_EMPTY]         = 10,
	[CFS_SIG_TOO_LARGE - CFS_SIG_EMPTY]     = 11,
	[CFS_SIG_TRUNCATED - CFS_SIG_EMPTY]     = 12,
	[CFS_SIG_MALFORMED - CFS_SIG_EMPTY]     = 13,
	[CFS_SIG_MISMATCH - CFS_SIG_EMPTY]      = 14,
	[CFS_SIG_UNTRUSTED - CFS_SIG_EMPTY]     = 15,
	[CFS_SIG_NOT_CA - CFS_SIG_EMPTY]        = 16,
	[CFS_SIG_USAGE - CFS_SIG_EMPTY]         = 17,
	[CFS_SIG_REVOKED - CFS_SIG_EMPTY]       = 18,
	[CFS_SIG_ROLLBACK - CFS_SIG_EMPTY]      = 19,
	[CFS_SIG_EXPIRED - CFS_SIG_EMPTY]       = 20,
	[CFS_SIG_NOT_YET_VALID - CFS_SIG_EMPTY] = 21,
	[CFS_SIG_ALGORITHM - CFS_SIG_EMPTY]     = 22,
	[CFS_SIG_BAD_CHAIN - CFS_SIG_EMPTY]     = 23,
	[CFS_SIG_SCOPE - CFS_SIG_EMPTY]         = 25,
};
static_assert(ARRAY_SIZE(class_exit) == _CFS_SIG_ERROR_END - CFS_SIG_EMPTY,
	      "every failure class has an exit code");

int sigargs_exit_code(int r)
{
	return cfs_sig_error_name(r) ? class_exit[-r - CFS_SIG_EMPTY] : EXIT_FAILED;
}
