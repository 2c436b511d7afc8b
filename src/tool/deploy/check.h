/* SPDX-License-Identifier: MIT */
/*
 * The checks an image passes before it becomes a deployment, those
 * cfs-pivot makes at boot with the same code: its signature against the
 * running system's trust (lib/trust/sig_files.h, named by
 * tool/sign/sigtrust.h) and the initramfs's (initramfs_trust.h),
 * its security version against the anti-rollback floor (tool/tpm/floor.h),
 * every object it references against the store (lib/store/image_check.h).
 */
#ifndef CFSBOOT_CHECK_H
#define CFSBOOT_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "tool/sign/sigtrust.h"
#include "tool/tpm/floor.h"
#include "tool/deploy/site.h"

/* The trust options of deploy, status, bless and rollback: the
 * installed system's, with --tpm. */
#define DEPLOY_TRUST (SIG_TRUST_INSTALLED | SIG_TRUST_TPM)

/* What a signature said. */
struct signed_by {
	char signer[CFS_SIG_SUBJECT_MAX];
	uint64_t version;
};

/* Verifies the signature of image hex in the store with the floor as the
 * lowest version (0: any).  0 or a refusal, logged in one line. */
int check_signature(const struct site *s, const struct sig_trust *t, const char *hex,
		    uint64_t floor, struct signed_by *out);

/* The same against the trust f names, as whose (NULL: the running
 * system) holds it, which the refusal names. */
int check_signature_files(const struct site *s, const struct cfs_sig_files *f, const char *hex,
			  const char *whose, struct signed_by *out);

/* Checks every object of the image against the store. */
int check_objects(const struct site *s, const char *hex);

#endif
