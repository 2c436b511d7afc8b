// SPDX-License-Identifier: MIT
#include "tool/deploy/check.h"

#include <fcntl.h>
#include <string.h>

#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/store/beneath.h"
#include "lib/store/image_check.h"

int check_signature(const struct site *s, const struct sig_trust *t, const char *hex,
		    uint64_t floor, struct signed_by *out)
{
	struct cfs_sig_files f = t->files;

	f.min_version = floor;
	return check_signature_files(s, &f, hex, NULL, out);
}

int check_signature_files(const struct site *s, const struct cfs_sig_files *f, const char *hex,
			  const char *whose, struct signed_by *out)
{
	_cleanup_free_ char *name = NULL, *path = NULL;
	_cleanup_free_ uint8_t *sig = NULL;
	_cleanup_close_ int fd = site_open_signature(s->store, hex, &path);
	struct cfs_sig_result res;
	uint8_t digest[CFS_MAX_DIGEST_SIZE];
	size_t sig_len, dlen = strlen(hex) / 2;
	int r;

	if (fd < 0)
		return fd;
	if (asprintf(&name, "%s%s%s", path, whose ? " with the trust of " : "", whose ?: "") < 0)
		return log_oom();
	r = cfs_hex_decode(hex, strlen(hex), digest, dlen);
	if (r < 0)
		return log_errno(r, "%s is not a digest", hex);
	r = cfs_sig_read_fd(fd, path, &sig, &sig_len);
	if (r == 0)
		r = cfs_sig_verify_files(f, name, sig, sig_len,
					 dlen == CFS_SHA256_DIGEST_SIZE ? CFS_HASH_SHA256 : CFS_HASH_SHA512,
					 digest, &res);
	if (r < 0)
		return r;
	snprintf(out->signer, sizeof(out->signer), "%s", res.signer);
	out->version = res.version;
	return 0;
}

int check_objects(const struct site *s, const char *hex)
{
	_cleanup_free_ char *image = site_image_path(s, hex, "");
	_cleanup_free_ char *objects = NULL;
	_cleanup_close_ int image_fd = -1, objects_fd = -1;
	struct cfs_image_check_report rep;

	if (!image || asprintf(&objects, "%s/" CFS_STORE_OBJECTS, s->store) < 0)
		return log_oom();
	image_fd = site_open_image(s->store, hex);
	if (image_fd < 0)
		return image_fd;
	objects_fd = open(objects, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (objects_fd < 0)
		return log_errno(-errno, "cannot open the objects %s: %m", objects);
	return cfs_image_check_objects(image_fd, image, objects_fd, objects, &rep);
}
