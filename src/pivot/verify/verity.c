// SPDX-License-Identifier: MIT
/*
 * The kernel's measurement is the trustworthy one: a file with fs-verity
 * cannot change, and the kernel checks every page read from it against the
 * Merkle tree, so the digest compared here is the content EROFS will read.
 * A digest computed in user space only says what the file held when it was
 * read, which is why the policy has to allow it explicitly.
 */
#include "pivot/verify/verity.h"

#include <string.h>

#include "lib/base/log.h"
#include "lib/verity/measure.h"

static int compute(int fd, const char *name, enum cfs_hash_alg alg, struct pivot_digest *d)
{
	memset(d, 0, sizeof(*d));
	d->alg = alg;
	return cfs_verity_digest_file(alg, fd, name, d->bytes);
}

int pivot_check_image(int fd, const char *name, const struct pivot_digest *want,
		      bool allow_computed, enum pivot_image_check *how)
{
	char have_hex[PIVOT_DIGEST_HEX_MAX], want_hex[PIVOT_DIGEST_HEX_MAX];
	struct pivot_digest have;
	int r;

	r = cfs_verity_measure(fd, &have.alg, have.bytes);
	if (r == -EPROTO)
		return log_errno(r, "the kernel reports an fs-verity digest of unknown algorithm %u "
				 "for the image %s", have.alg, name);
	if (r < 0)
		return log_errno(r, "cannot measure the fs-verity digest of the image %s: %m", name);
	if (r > 0) {
		*how = PIVOT_IMAGE_KERNEL;
	} else if (allow_computed) {
		r = compute(fd, name, want->alg, &have);
		if (r < 0)
			return r;
		*how = PIVOT_IMAGE_COMPUTED;
	} else {
		return log_errno(-ENODATA, "refusing the image %s: it has no fs-verity, so the kernel "
				 "cannot vouch for its content (enable fs-verity on it: fsverity "
				 "enable; the store's file system needs the verity feature)", name);
	}

	if (pivot_digest_equal(&have, want))
		return 0;
	pivot_digest_hex(&have, have_hex);
	pivot_digest_hex(want, want_hex);
	return log_errno(-EBADMSG, "refusing the image %s: its fs-verity digest is %s:%s, but the "
			 "command line names %s:%s (the image was replaced or damaged, or the boot "
			 "entry is stale: write it into the store again with cfsboot mkimage "
			 "--store, or fix composefs.digest=)", name,
			 cfs_hash_name(have.alg), have_hex, cfs_hash_name(want->alg), want_hex);
}
