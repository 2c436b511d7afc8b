/* SPDX-License-Identifier: MIT */
/*
 * A verification against trust read from files, as pivot.conf names them:
 * the anchors' directory, the revocation list, the signer-ca pins.  The
 * one place that loads them for a verification, so that cfs-pivot at boot
 * and cfsboot deploy before it refuse the same signatures.
 */
#ifndef CFS_SIG_FILES_H
#define CFS_SIG_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/trust/signature.h"

struct cfs_sig_files {
	const char *trust;          /* directory of trust anchors */
	const char *revoked;        /* revocation list; a missing file revokes nothing */
	const char *signer_ca;      /* "any" or spki: pins (sig_pins.h) */
	uint64_t min_version;       /* the security-version floor */
	bool check_clock;
};

/* Loads what f names and verifies sig (named name) of alg:digest against
 * it.  0 with *res filled, -CFS_SIG_* for a refused signature, or a
 * negative errno when a file cannot be used; always logged. */
int cfs_sig_verify_files(const struct cfs_sig_files *f, const char *name, const uint8_t *sig,
			 size_t sig_len, enum cfs_hash_alg alg, const uint8_t *digest,
			 struct cfs_sig_result *res);

#endif
