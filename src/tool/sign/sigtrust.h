/* SPDX-License-Identifier: MIT */
/*
 * The trust options of every command that verifies signatures (verify,
 * publish, pull, deploy, status, bless, rollback): --trust, --revoked,
 * --signer-ca, --min-version, --check-clock and, for those that read the
 * anti-rollback floor, --tpm.  They name files as pivot.conf does
 * (lib/trust/sig_files.h), so that the checks are cfs-pivot's.
 */
#ifndef CFSBOOT_SIGTRUST_H
#define CFSBOOT_SIGTRUST_H

#include <getopt.h>
#include <stdio.h>

#include "lib/trust/sig_files.h"

/* Who uses the options. */
enum {
	/* The trust of the installed system, as the initramfs has it:
	 * defaults under /etc/cfsboot, a missing revocation list revokes
	 * nothing (deploy, status, bless, rollback).  Without it, --trust
	 * has no default (the caller requires it) and --revoked names a file
	 * that must exist (verify, publish, pull). */
	SIG_TRUST_INSTALLED = 1 << 0,
	SIG_TRUST_TPM = 1 << 1,      /* takes --tpm (SIG_TRUST_TPM_OPTION) */
};

struct sig_trust {
	struct cfs_sig_files files;  /* files.min_version: --min-version */
	const char *tpm;             /* --tpm: auto, a device, none or off */
	unsigned flags;
	struct cfs_sig_loaded loaded;  /* by sig_trust_load() */
};

enum {
	SIG_TRUST_OPT_TRUST = 0x1100, SIG_TRUST_OPT_REVOKED, SIG_TRUST_OPT_SIGNER_CA,
	SIG_TRUST_OPT_MIN_VERSION, SIG_TRUST_OPT_CLOCK, SIG_TRUST_OPT_TPM,
};
/* getopt_long entries: the trust options, and --tpm for SIG_TRUST_TPM. */
#define SIG_TRUST_OPTIONS \
	{ "trust",       required_argument, NULL, SIG_TRUST_OPT_TRUST }, \
	{ "revoked",     required_argument, NULL, SIG_TRUST_OPT_REVOKED }, \
	{ "signer-ca",   required_argument, NULL, SIG_TRUST_OPT_SIGNER_CA }, \
	{ "min-version", required_argument, NULL, SIG_TRUST_OPT_MIN_VERSION }, \
	{ "check-clock", no_argument,       NULL, SIG_TRUST_OPT_CLOCK }
#define SIG_TRUST_TPM_OPTION \
	{ "tpm",         required_argument, NULL, SIG_TRUST_OPT_TPM }

void sig_trust_init(struct sig_trust *t, unsigned flags);
/* The help lines of the options, with the defaults of flags. */
void sig_trust_help(FILE *out, unsigned flags);

/* Takes getopt's c and optarg: 1 when c is one of the options, 0 when it
 * is not, -EINVAL (logged) for a bad value. */
int sig_trust_option(struct sig_trust *t, int c, const char *arg);

/* Initialises OpenSSL and loads the anchors and the revocation list into
 * t->loaded.policy.  Returns 0; -EINVAL (logged) when --trust is missing;
 * -ENOTRECOVERABLE when OpenSSL cannot start (EXIT_FAILED); another
 * negative errno, logged, when they are unusable (EXIT_TRUST_CONFIG). */
int sig_trust_load(struct sig_trust *t);
void sig_trust_done(struct sig_trust *t);

#endif
