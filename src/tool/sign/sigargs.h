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

#endif
