/* SPDX-License-Identifier: MIT */
/* Option values more than one cfsboot command takes, parsed and refused
 * in the same words everywhere. */
#ifndef CFSBOOT_OPTIONS_H
#define CFSBOOT_OPTIONS_H

#include "lib/verity/fsverity.h"

/* --hash ALG: "sha256" or "sha512".  Returns 0 or -EINVAL, logged. */
int option_hash(const char *arg, enum cfs_hash_alg *alg);

/* --threads N: a number from 1 to 1024.  Returns 0 or -EINVAL, logged. */
int option_threads(const char *arg, unsigned *threads);

#endif
