// SPDX-License-Identifier: MIT
#include "tool/deploy/check.h"

#include <fcntl.h>
#include <string.h>

#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/parse.h"
#include "lib/base/util.h"
#include "lib/store/beneath.h"
#include "lib/store/image_check.h"
#include "lib/tpm/tpm_floor.h"

void trust_init(struct trust_opts *t)
{
	*t = (struct trust_opts){
		.files = {
			.trust = "/etc/cfsboot/trust.d",
			.revoked = "/etc/cfsboot/revoked.list",
			.signer_ca = "any",
		},
		.tpm = "auto",
	};
}

int trust_option(struct trust_opts *t, int opt, const char *arg)
{
	switch (opt) {
	case TRUST_OPT_TRUST: t->files.trust = arg; return 1;
	case TRUST_OPT_REVOKED: t->files.revoked = arg; return 1;
	case TRUST_OPT_SIGNER_CA: t->files.signer_ca = arg; return 1;
	case TRUST_OPT_CLOCK: t->files.check_clock = true; return 1;
	case TRUST_OPT_TPM: t->tpm = arg; return 1;
	case TRUST_OPT_MIN_VERSION:
		if (cfs_parse_u64(arg, &t->files.min_version) < 0)
			return log_errno(-EINVAL, "--min-version %s is not an unsigned 64-bit number",
					 arg);
		return 1;
	default:
		return 0;
	}
}

static int open_tpm(const struct trust_opts *t, struct cfs_tpm **tpm)
{
	int r;

	*tpm = NULL;
	if (strcmp(t->tpm, "off") == 0)
		return 0;
	r = cfs_tpm_open(t->tpm, tpm);
	if (r == -ENODEV) {
		log_notice("no TPM at %s: the floor is min-version alone", t->tpm);
		return 0;
	}
	return r;
}

int floor_read(const struct trust_opts *t, struct floor *f)
{
	struct cfs_tpm *tpm;
	int r;

	*f = (struct floor){ .value = t->files.min_version };
	r = open_tpm(t, &tpm);
	if (r < 0 || !tpm)
		return r;
	r = cfs_tpm_floor_read(tpm, &f->tpm_value);
	if (r == -ENOENT || r == -ENODATA) {
		f->tpm_value = 0;
		r = 0;
	} else if (r == -EBADSLT) {
		r = log_errno(r, "the index %#x of the TPM %s is not cfsboot's anti-rollback counter, "
			      "which cfs-pivot refuses too: cfsboot tpm read-floor says what holds it",
			      CFS_TPM_FLOOR_INDEX, cfs_tpm_name(tpm));
	}
	f->tpm = r == 0;
	f->value = MAX(f->value, f->tpm_value);
	cfs_tpm_close(tpm);
	return r;
}

int floor_raise(const struct trust_opts *t, uint64_t version, uint64_t *before)
{
	struct cfs_tpm *tpm;
	int r;

	*before = 0;
	r = open_tpm(t, &tpm);
	if (r < 0 || !tpm)
		return r;
	r = cfs_tpm_floor_raise(tpm, version, before);
	cfs_tpm_close(tpm);
	return r < 0 ? r : 1;
}

int check_signature(const struct site *s, const struct trust_opts *t, const char *hex,
		    uint64_t floor, struct signed_by *out)
{
	_cleanup_free_ char *name = site_image_path(s, hex, ".sig");
	_cleanup_free_ uint8_t *sig = NULL;
	_cleanup_close_ int fd = -1;
	struct cfs_sig_files f = t->files;
	char rel[CFS_STORE_IMAGE_REL_SIZE];
	struct cfs_sig_result res;
	uint8_t digest[CFS_MAX_DIGEST_SIZE];
	size_t sig_len, dlen = strlen(hex) / 2;
	int r;

	if (!name)
		return log_oom();
	snprintf(rel, sizeof(rel), CFS_STORE_SIGNATURE_FMT, hex);
	fd = site_open_in_store(s->store, rel, "the signature");
	if (fd < 0)
		return fd;
	r = cfs_hex_decode(hex, strlen(hex), digest, dlen);
	if (r < 0)
		return log_errno(r, "%s is not a digest", hex);
	f.min_version = floor;
	r = cfs_sig_read_fd(fd, name, &sig, &sig_len);
	if (r == 0)
		r = cfs_sig_verify_files(&f, name, sig, sig_len,
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
