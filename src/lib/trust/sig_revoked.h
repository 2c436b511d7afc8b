/* SPDX-License-Identifier: MIT */
/* The revocation list (sig_revoked.c). */
#ifndef CFS_SIG_REVOKED_H
#define CFS_SIG_REVOKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/trust/signature.h"

/* What an entry of the list names. */
enum cfs_sig_revoked_kind {
	CFS_SIG_REVOKED_SPKI,   /* "spki:HEX": a key (cfs_sig_spki_fingerprint) */
	CFS_SIG_REVOKED_CERT,   /* "cert:HEX" or bare "HEX": one certificate's DER */
};

/*
 * Parses a revocation list: one entry per line, "spki:" or "cert:" or
 * nothing, then 64 lowercase hex digits; blanks around it allowed, '#'
 * starting a comment; blank lines allowed.  Any other line refuses, named
 * as "name:LINE".  Certificate entries are warned about (one line).
 * Returns 0 or -EINVAL/-ENOMEM, logged.
 */
int cfs_sig_revoked_parse(const char *name, const char *text, size_t len,
			  struct cfs_sig_revoked **out);
/* Reads and parses the file at path.  A missing file is an empty list when
 * missing_ok, an error otherwise. */
int cfs_sig_revoked_load(const char *path, bool missing_ok, struct cfs_sig_revoked **out);
bool cfs_sig_revoked_contains(const struct cfs_sig_revoked *r, enum cfs_sig_revoked_kind kind,
			      const uint8_t fingerprint[CFS_SIG_FINGERPRINT_SIZE]);
void cfs_sig_revoked_free(struct cfs_sig_revoked *r);

#endif
