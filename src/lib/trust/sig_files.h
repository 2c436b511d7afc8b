/* SPDX-License-Identifier: MIT */
/*
 * A verification against trust read from files, as pivot.conf names them:
 * the anchors' directory, the revocation list, the signer-ca pins.  The
 * one place that loads them for a verification, so that cfs-pivot at boot
 * and cfsboot (verify, deploy, pull...) before it refuse the same
 * signatures.
 */
#ifndef CFS_SIG_FILES_H
#define CFS_SIG_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/trust/sig_pins.h"
#include "lib/trust/signature.h"

struct cfs_sig_files {
	const char *trust;          /* directory of trust anchors */
	const char *revoked;        /* revocation list, or NULL for none */
	const char *signer_ca;      /* "any" or spki: pins (sig_pins.h) */
	uint64_t min_version;       /* the security-version floor */
	bool check_clock;
	bool revoked_required;      /* a missing revocation list is refused, not empty */
};

/* What cfs_sig_files_load() read: policy points into the struct, which
 * must not move until cfs_sig_files_free(). */
struct cfs_sig_anchors;
struct cfs_sig_revoked;
struct cfs_sig_loaded {
	struct cfs_sig_anchors *anchors;
	struct cfs_sig_revoked *revoked;
	struct cfs_sig_pins pins;
	struct cfs_sig_policy policy;
};

/* Loads what f names into *l.  0, or a negative errno, logged, when a file
 * cannot be used (-EINVAL: the pins are malformed).  *l is to be freed
 * either way. */
int cfs_sig_files_load(const struct cfs_sig_files *f, struct cfs_sig_loaded *l);
void cfs_sig_files_free(struct cfs_sig_loaded *l);

/* Loads what f names and verifies sig (named name) of alg:digest against
 * it.  0 with *res filled, -CFS_SIG_* for a refused signature, or a
 * negative errno when a file cannot be used; always logged. */
int cfs_sig_verify_files(const struct cfs_sig_files *f, const char *name, const uint8_t *sig,
			 size_t sig_len, enum cfs_hash_alg alg, const uint8_t *digest,
			 struct cfs_sig_result *res);

#endif
