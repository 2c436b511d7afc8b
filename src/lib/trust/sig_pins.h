/* SPDX-License-Identifier: MIT */
/* The issuing CAs a signer's chain must pass through (sig_pins.c). */
#ifndef CFS_SIG_PINS_H
#define CFS_SIG_PINS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/trust/signature.h"

#define CFS_SIG_MAX_PINS 8

/* Keys named by the SHA-256 of their SubjectPublicKeyInfo; n == 0 pins
 * nothing (any CA under an anchor may issue signers). */
struct cfs_sig_pins {
	size_t n;
	uint8_t fp[CFS_SIG_MAX_PINS][CFS_SIG_FINGERPRINT_SIZE];
};

/*
 * Parses "any" (nothing pinned) or up to CFS_SIG_MAX_PINS entries
 * "spki:<64 lowercase hex>" separated by commas, blanks around them
 * allowed: the value of the policy's signer-ca and of cfsboot verify
 * --signer-ca.  Returns 0 or -EINVAL, not logged: the caller says where the
 * value came from.
 */
int cfs_sig_pins_parse(const char *text, struct cfs_sig_pins *out);

/* What a value of cfs_sig_pins_parse() looks like, for messages. */
#define CFS_SIG_PINS_SYNTAX "any, or up to 8 spki:<64 lowercase hex digits> separated by commas"

#endif
