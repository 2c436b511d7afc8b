/* SPDX-License-Identifier: MIT */
/*
 * The checks an image passes before it becomes a deployment, those
 * cfs-pivot makes at boot with the same code: its signature against the
 * initramfs's trust (lib/trust/sig_files.h), its security version against
 * the TPM's anti-rollback floor and min-version, every object it
 * references against the store (lib/store/image_check.h).
 */
#ifndef CFSBOOT_CHECK_H
#define CFSBOOT_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/trust/sig_files.h"
#include "tool/deploy/site.h"

struct trust_opts {
	struct cfs_sig_files files;      /* min_version: the policy's */
	const char *tpm;                 /* TPM device, or "off" */
};

#define TRUST_OPTIONS_HELP \
	"  --trust DIR        the initramfs's trust anchors (default /etc/cfsboot/trust.d)\n" \
	"  --revoked FILE     its revocation list (default /etc/cfsboot/revoked.list)\n" \
	"  --signer-ca PINS   its signer-ca pins (default any)\n" \
	"  --min-version N    its min-version (default 0)\n" \
	"  --check-clock      its check-clock = yes\n" \
	"  --tpm DEV          the TPM holding the floor: auto (default), a device,\n" \
	"                     swtpm:host=H,port=P, or off (min-version alone)\n"
enum {
	TRUST_OPT_TRUST = 0x1100, TRUST_OPT_REVOKED, TRUST_OPT_SIGNER_CA, TRUST_OPT_MIN_VERSION,
	TRUST_OPT_CLOCK, TRUST_OPT_TPM,
};
#define TRUST_LONG_OPTIONS \
	{ "trust",       required_argument, NULL, TRUST_OPT_TRUST }, \
	{ "revoked",     required_argument, NULL, TRUST_OPT_REVOKED }, \
	{ "signer-ca",   required_argument, NULL, TRUST_OPT_SIGNER_CA }, \
	{ "min-version", required_argument, NULL, TRUST_OPT_MIN_VERSION }, \
	{ "check-clock", no_argument,       NULL, TRUST_OPT_CLOCK }, \
	{ "tpm",         required_argument, NULL, TRUST_OPT_TPM }

void trust_init(struct trust_opts *t);
/* 1: opt was one of TRUST_LONG_OPTIONS, 0: it was not, <0: a bad value (logged). */
int trust_option(struct trust_opts *t, int opt, const char *arg);

/* The floor: the TPM's counter and min-version, the larger. */
struct floor {
	uint64_t value;
	bool tpm;                        /* a TPM answered (a counter never set is 0) */
	uint64_t tpm_value;
};
int floor_read(const struct trust_opts *t, struct floor *f);
/* Raises the TPM's counter to version; *before is what it held.  1 when
 * it did, 0 when there is no TPM (--tpm off, or none there), or a negative
 * errno, logged. */
int floor_raise(const struct trust_opts *t, uint64_t version, uint64_t *before);

/* What a signature said. */
struct signed_by {
	char signer[CFS_SIG_SUBJECT_MAX];
	uint64_t version;
};

/* Verifies the signature of image hex in the store with the floor as the
 * lowest version (0: any).  0 or a refusal, logged in one line. */
int check_signature(const struct site *s, const struct trust_opts *t, const char *hex,
		    uint64_t floor, struct signed_by *out);

/* Checks every object of the image against the store. */
int check_objects(const struct site *s, const char *hex);

#endif
