// SPDX-License-Identifier: MIT
/*
 * The kernel's measurement is the trustworthy one: a file with fs-verity
 * cannot change, and the kernel checks every page read from it against the
 * Merkle tree, so the digest compared here is the content EROFS will read.
 * A digest computed in user space only says what the file held when it was
 * read, which is why the policy has to allow it explicitly, and why under
 * verity = boot-check the image is first copied into sealed memory and the
 * digest computed over the copy: EROFS mounts that copy, which nobody can
 * change, where the file on disk could be rewritten under the live tree
 * after the check.  (insecure-dev checks no file after the boot: the image
 * alone sealed would protect nothing.)
 */
#include "pivot/verify/verity.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/store/exposure.h"
#include "lib/verity/measure.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

#define SEALS (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

/* A sealed in-memory copy of the file at fd: its bytes as read now, which
 * nothing can change afterwards. */
static int sealed_copy(int fd, const char *name)
{
	_cleanup_close_ int m = -1;
	off_t off = 0;
	ssize_t n;

	/* MFD_NOEXEC_SEAL (Linux 6.3) says what the copy is for and keeps the
	 * kernel from warning about executable memfds; older kernels refuse
	 * the flag. */
	m = memfd_create("cfs-image", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);
	if (m < 0 && errno == EINVAL)
		m = memfd_create("cfs-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (m < 0)
		return log_errno(-errno, "cannot create the in-memory copy of the image %s: %m", name);
	do
		n = sendfile(m, fd, &off, 1 << 30);
	while (n > 0);
	if (n < 0)
		return log_errno(-errno, "cannot copy the image %s into memory: %m", name);
	if (fcntl(m, F_ADD_SEALS, SEALS) < 0)
		return log_errno(-errno, "cannot seal the in-memory copy of the image %s: %m", name);
	return TAKE_FD(m);
}

static int compute(int fd, const char *name, enum cfs_hash_alg alg, struct pivot_digest *d)
{
	memset(d, 0, sizeof(*d));
	d->alg = alg;
	return cfs_verity_digest_file(alg, fd, name, d->bytes);
}

/* Replaces *fd by its sealed copy, if only root could have changed it. */
static int seal(int *fd, const char *name)
{
	int r = cfs_store_refuse_exposed(*fd, "the image", name);

	if (r < 0)
		return r;
	r = sealed_copy(*fd, name);
	if (r < 0)
		return r;
	close(*fd);
	*fd = r;
	return 0;
}

int pivot_check_image(int *fd, const char *name, const struct pivot_digest *want,
		      enum pivot_image_rule rule, enum pivot_image_check *how)
{
	char have_hex[PIVOT_DIGEST_HEX_MAX], want_hex[PIVOT_DIGEST_HEX_MAX];
	struct pivot_digest have;
	int r;

	r = cfs_verity_measure(*fd, &have.alg, have.bytes);
	if (r == -EPROTO)
		return log_errno(r, "the kernel reports an fs-verity digest of unknown algorithm %u "
				 "for the image %s", have.alg, name);
	if (r < 0)
		return log_errno(r, "cannot measure the fs-verity digest of the image %s: %m", name);
	if (r > 0) {
		*how = PIVOT_IMAGE_KERNEL;
	} else if (rule != PIVOT_IMAGE_KERNEL_ONLY) {
		r = rule == PIVOT_IMAGE_SEALED ? seal(fd, name) : 0;
		if (r == 0)
			r = compute(*fd, name, want->alg, &have);
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
