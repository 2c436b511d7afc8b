// SPDX-License-Identifier: MIT
#include "lib/trust/sig_files.h"

#include "lib/base/log.h"
#include "lib/trust/sig_anchors.h"
#include "lib/trust/sig_revoked.h"

int cfs_sig_files_load(const struct cfs_sig_files *f, struct cfs_sig_loaded *l)
{
	int r;

	*l = (struct cfs_sig_loaded){
		.policy = {
			.signer_cas = &l->pins,
			.min_version = f->min_version,
			.check_clock = f->check_clock,
		},
	};
	/* A policy checked its pins when it was read; checked again, not assumed. */
	if (cfs_sig_pins_parse(f->signer_ca, &l->pins) < 0)
		return log_errno(-EINVAL, "signer-ca = %s: write %s", f->signer_ca,
				 CFS_SIG_PINS_SYNTAX);
	r = cfs_sig_anchors_load(f->trust, &l->anchors);
	if (r == 0 && f->revoked)
		r = cfs_sig_revoked_load(f->revoked, !f->revoked_required, &l->revoked);
	l->policy.anchors = l->anchors;
	l->policy.revoked = l->revoked;
	return r;
}

void cfs_sig_files_free(struct cfs_sig_loaded *l)
{
	cfs_sig_anchors_free(l->anchors);
	cfs_sig_revoked_free(l->revoked);
	*l = (struct cfs_sig_loaded){};
}

int cfs_sig_verify_files(const struct cfs_sig_files *f, const char *name, const uint8_t *sig,
			 size_t sig_len, enum cfs_hash_alg alg, const uint8_t *digest,
			 struct cfs_sig_result *res)
{
	struct cfs_sig_loaded l;
	int r;

	r = cfs_sig_files_load(f, &l);
	if (r == 0)
		r = cfs_sig_verify(name, sig, sig_len, alg, digest, &l.policy, res);
	cfs_sig_files_free(&l);
	return r;
}
