/* SPDX-License-Identifier: MIT */
/* The trust options of the commands that verify signatures (verify,
 * publish, pull): --trust, --revoked, --signer-ca, --min-version and
 * --check-clock, read into one struct cfs_sig_policy. */
#ifndef CFSBOOT_SIGTRUST_H
#define CFSBOOT_SIGTRUST_H

#include <getopt.h>

#include "lib/trust/sig_anchors.h"
#include "lib/trust/sig_pins.h"
#include "lib/trust/sig_revoked.h"
#include "lib/trust/signature.h"

struct sig_trust {
	const char *trust, *revoked;
	struct cfs_sig_pins pins;
	struct cfs_sig_anchors *anchors;
	struct cfs_sig_revoked *revoked_list;
	struct cfs_sig_policy policy;
};

/* getopt_long entries for the options, their help lines. */
#define SIG_TRUST_OPTIONS \
	{ "trust",       required_argument, NULL, 't' }, \
	{ "revoked",     required_argument, NULL, 'r' }, \
	{ "signer-ca",   required_argument, NULL, 'p' }, \
	{ "min-version", required_argument, NULL, 'm' }, \
	{ "check-clock", no_argument,       NULL, 'c' }
#define SIG_TRUST_HELP \
	"  --trust DIR        trust anchors: every certificate file in DIR\n" \
	"  --revoked FILE     revoked keys (spki:) and certificates, one per line\n" \
	"  --signer-ca PINS   the chain must pass through a CA of one of these keys:\n" \
	"                     spki:<sha256>[,spki:<sha256>...] (policy signer-ca)\n" \
	"  --min-version N    refuse security versions below N (default 0)\n" \
	"  --check-clock      also check validity periods against the clock\n"

/* Takes getopt's c and optarg: 1 when c is one of the options, 0 when it
 * is not, -EINVAL (logged) for a bad value. */
int sig_trust_option(struct sig_trust *t, int c, const char *arg);

/* Initialises OpenSSL and loads the anchors and the revocation list.
 * Returns 0; -EINVAL (logged) when --trust is missing; -ENOTRECOVERABLE
 * when OpenSSL cannot start (EXIT_FAILED); another negative errno, logged,
 * when they are unusable (EXIT_TRUST_CONFIG). */
int sig_trust_load(struct sig_trust *t);
void sig_trust_done(struct sig_trust *t);

#endif
