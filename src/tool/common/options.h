/* SPDX-License-Identifier: MIT */
/* Option values more than one cfsboot command takes, parsed and refused
 * in the same words everywhere. */
#ifndef CFSBOOT_OPTIONS_H
#define CFSBOOT_OPTIONS_H

#include <stdio.h>

#include "lib/verity/fsverity.h"

/* --hash ALG: "sha256" or "sha512".  Returns 0 or -EINVAL, logged. */
int option_hash(const char *arg, enum cfs_hash_alg *alg);

/* --threads N: a number from 1 to 1024.  Returns 0 or -EINVAL, logged. */
int option_threads(const char *arg, unsigned *threads);

/* The end of a command's option switch, for an option character that
 * getopt_long() returned and the command does not take itself: -h/--help
 * prints USAGE to standard output; anything else (getopt has already named
 * the unknown option or the missing argument) prints it to standard error.
 * Returns the command's exit status: EXIT_OK after --help, else EXIT_USAGE. */
int option_end(int c, void (*usage)(FILE *out));

#endif
