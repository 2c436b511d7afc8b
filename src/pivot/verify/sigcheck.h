/* SPDX-License-Identifier: MIT */
/*
 * The signature phase of the boot: the store's signatures/<hex>.sig (or
 * images/<hex>.sig in a store an earlier cfsboot wrote: pivot_store_open_signature),
 * verified against the initramfs's trust anchors, revocation list and the
 * security-version floor as the policy says (docs/signature.md).
 */
#ifndef CFS_PIVOT_SIGCHECK_H
#define CFS_PIVOT_SIGCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "pivot/boot/digest.h"
#include "pivot/boot/policy.h"
#include "lib/base/log.h"
#include "lib/trust/sig_files.h"
#include "lib/trust/signature.h"
#include "pivot/verify/store.h"

struct pivot_signer {
	bool verified;                            /* a valid signature was found */
	char subject[CFS_SIG_SUBJECT_MAX];
	char fingerprint[sizeof("spki:") + 2 * CFS_SIG_FINGERPRINT_SIZE];  /* of the key */
	uint8_t fingerprint_bytes[CFS_SIG_FINGERPRINT_SIZE];   /* what is measured */
	bool has_version;
	uint64_t version;
};

/* The security-version floor a signature must reach: the larger of the
 * policy's min-version and the TPM's anti-rollback counter (measure.h). */
struct pivot_version_floor {
	uint64_t version;
	const char *source;       /* where it comes from, for messages: "min-version" */
};

/*
 * What the initramfs trusts (anchors, revocation list, signer-ca pins), as
 * the policy names it, loaded once: at the signature phase, or earlier on
 * a thread of its own, whose lines are then held until that phase, so that
 * the boot says the same, in the same order, either way.
 */
struct pivot_trust {
	bool loaded;
	int r;                          /* of cfs_sig_files_load() */
	struct cfs_sig_loaded l;
	struct cfs_log_held held;       /* its lines, while not yet said */
};

/* Loads the trust p names into t, holding its lines; on any one thread. */
void pivot_trust_load(struct pivot_trust *t, const struct pivot_policy *p);
void pivot_trust_free(struct pivot_trust *t);

/*
 * Applies the policy's signature rule to the image of store s, whose
 * digest d has been verified, with floor as the lowest security version,
 * against the trust t (loaded here if it was not).
 * Returns 0 with *out filled (verified false when the policy let an
 * unsigned image through), or after logging one line: -CFS_SIG_ROLLBACK
 * when the security version is below the floor (an unsigned image has
 * none, so any floor above 0 refuses it), another -CFS_SIG_* for a bad
 * signature, or a negative errno (-ENOENT: required but missing).
 */
int pivot_check_signature(const struct pivot_store *s, const struct pivot_policy *p,
			  const struct pivot_digest *d, const struct pivot_version_floor *floor,
			  struct pivot_trust *t, struct pivot_signer *out);

#endif
