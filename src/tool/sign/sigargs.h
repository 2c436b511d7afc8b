/* SPDX-License-Identifier: MIT */
/* Arguments cfsboot sign and cfsboot verify share: which image digest is
 * meant (an image file or --digest ALG:HEX) and version numbers. */
#ifndef CFSBOOT_SIGARGS_H
#define CFSBOOT_SIGARGS_H

#include <stdint.h>

#include "lib/verity/fsverity.h"

/* "sha256:<64 hex>" or "sha512:<128 hex>", as cfsboot digest prints it.
 * Returns 0 or -EINVAL, logged. */
int sigargs_parse_digest(const char *arg, enum cfs_hash_alg *alg, uint8_t *digest);

/* A decimal security version for option opt: no sign, no blanks, no
 * overflow.  Returns 0 or -EINVAL, logged. */
int sigargs_parse_version(const char *opt, const char *arg, uint64_t *out);

/* The fs-verity digest of the image file at path.  Returns 0 or a negative
 * errno, logged. */
int sigargs_image_digest(const char *path, enum cfs_hash_alg alg, uint8_t *digest);

/* Exit codes beyond the shared ones (docs/errors.md): one per failure
 * class of a signature, so that a script can tell why one was refused.
 * They are an interface: a new class gets a new code, none is renumbered. */
enum {
	EXIT_TRUST_CONFIG = 24, /* the trust directory or revocation list is unusable */
};

/* The exit code of a verification's failure r: its class's, else EXIT_FAILED. */
int sigargs_exit_code(int r);

#endif
