// SPDX-License-Identifier: MIT
#include "lib/trust/sig_files.h"

#include "lib/base/log.h"
#include "lib/trust/sig_anchors.h"
#include "lib/trust/sig_pins.h"
#include "lib/trust/sig_revoked.h"

int cfs_sig_verify_files(const struct cfs_sig_files *f, const char *name, const uint8_t *sig,
			 size_t sig_len, enum cfs_hash_alg alg, const uint8_t *digest,
			 struct cfs_sig_result *res)
{
	struct cfs_sig_anchors *anchors = NULL;
	struct cfs_sig_revoked *revoked = NULL;
	struct cfs_sig_pins pins;
	int r;

	/* A policy checked its pins when it was read; checked again, not assumed. */
	if (cfs_sig_pins_parse(f->signer_ca, &pins) < 0)
		return log_errno(-EINVAL, "signer-ca = %s: write %s", f->signer_ca,
				 CFS_SIG_PINS_SYNTAX);
	r = cfs_sig_anchors_load(f->trust, &anchors);
	if (r == 0)
		r = cfs_sig_revoked_load(f->revoked, true, &revoked);
	if (r == 0) {
		struct cfs_sig_policy sp = {
			.anchors = anchors,
			.revoked = revoked,
			.signer_cas = &pins,
			.min_version = f->min_version,
			.check_clock = f->check_clock,
		};

		r = cfs_sig_verify(name, sig, sig_len, alg, digest, &sp, res);
	}
	cfs_sig_anchors_free(anchors);
	cfs_sig_revoked_free(revoked);
	return r;
}
