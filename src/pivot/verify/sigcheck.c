// SPDX-License-Identifier: MIT
#include "pivot/verify/sigcheck.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/util.h"

void pivot_trust_load(struct pivot_trust *t, const struct pivot_policy *p)
{
	/* The floor is known only at the signature phase (the TPM's counter
	 * may raise it): verify() sets it. */
	const struct cfs_sig_files f = {
		.trust = p->trust,
		.revoked = p->revoked,
		.signer_ca = p->signer_ca,
		.check_clock = p->check_clock,
	};

	cfs_log_hold(&t->held);
	t->r = cfs_sig_files_load(&f, &t->l);
	cfs_log_hold(NULL);
	t->loaded = true;
}

void pivot_trust_free(struct pivot_trust *t)
{
	if (t->loaded)
		cfs_sig_files_free(&t->l);
	t->loaded = false;
}

/* Verifies sig against what the initramfs trusts, saying now what loading
 * the trust had to say. */
static int verify(const char *name, const struct pivot_policy *p, const struct pivot_digest *d,
		  uint64_t floor, const uint8_t *sig, size_t sig_len, struct pivot_trust *t,
		  struct cfs_sig_result *res)
{
	if (!t->loaded)
		pivot_trust_load(t, p);
	cfs_log_release(&t->held);
	if (t->r < 0)
		return t->r;
	t->l.policy.min_version = floor;
	return cfs_sig_verify(name, sig, sig_len, d->alg, d->bytes, &t->l.policy, res);
}

static void fill_signer(const struct cfs_sig_result *res, struct pivot_signer *out)
{
	out->verified = true;
	snprintf(out->subject, sizeof(out->subject), "%s", res->signer);
	/* Spelled as the revocation list names the key. */
	memcpy(out->fingerprint, "spki:", strlen("spki:"));
	cfs_hex_encode(res->fingerprint, sizeof(res->fingerprint),
		       out->fingerprint + strlen("spki:"));
	memcpy(out->fingerprint_bytes, res->fingerprint, sizeof(out->fingerprint_bytes));
	out->has_version = res->has_version;
	out->version = res->version;
}

int pivot_check_signature(const struct pivot_store *s, const struct pivot_policy *p,
			  const struct pivot_digest *d, const struct pivot_version_floor *floor,
			  struct pivot_trust *t, struct pivot_signer *out)
{
	_cleanup_free_ uint8_t *sig = NULL;
	_cleanup_close_ int fd = -1;
	struct cfs_sig_result res;
	char name[PATH_MAX];
	size_t sig_len;
	int r;

	memset(out, 0, sizeof(*out));
	if (p->signature != PIVOT_SIGNATURE_OFF) {
		fd = pivot_store_open_signature(s, name);
		if (fd == -ENOENT && p->signature == PIVOT_SIGNATURE_REQUIRED)
			return log_errno(fd, "refusing the image %s: it has no signature %s, and "
					 "the policy requires one (sign it with cfsboot sign --store)",
					 s->image_path, name);
		if (fd < 0 && fd != -ENOENT)
			return fd;
	}
	if (fd >= 0) {
		r = cfs_sig_read_fd(fd, name, &sig, &sig_len);
		if (r == 0)
			r = verify(name, p, d, floor->version, sig, sig_len, t, &res);
		if (r < 0)
			return r;
		fill_signer(&res, out);
		return 0;
	}

	/* Only a signature carries a security version. */
	if (floor->version > 0)
		return log_errno(-CFS_SIG_ROLLBACK, "refusing the image %s: it is %s, so it carries "
				 "no security version, and the floor is %llu (%s); sign it with "
				 "cfsboot sign --version", s->image_path,
				 p->signature == PIVOT_SIGNATURE_OFF ? "not checked for a signature" :
				 "unsigned", (unsigned long long)floor->version, floor->source);
	if (p->signature == PIVOT_SIGNATURE_OPTIONAL)
		log_notice("the image %s is unsigned; the policy allows that (signature = optional)",
			   s->image_path);
	return 0;
}
