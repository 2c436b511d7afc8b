/* SPDX-License-Identifier: MIT */
/*
 * The anti-rollback floor of the commands that take --tpm (pull, deploy,
 * status, bless, rollback): the TPM's counter (lib/tpm/tpm_floor.h) and
 * --min-version, the larger, as cfs-pivot enforces it at boot.
 */
#ifndef CFSBOOT_FLOOR_H
#define CFSBOOT_FLOOR_H

#include <stdbool.h>
#include <stdint.h>

#include "tool/sign/sigtrust.h"

struct floor {
	uint64_t value;                  /* the larger of the two */
	bool tpm;                        /* a TPM answered (a counter never set is 0) */
	uint64_t tpm_value;
	char tpm_name[256];              /* the TPM that answered, for messages */
};

/* Reads the floor of t->tpm: none or off (or no --tpm) reads no TPM, auto
 * none when there is none.  0, or a negative errno, logged in one line: a
 * TPM named but absent, or one whose floor index holds something else. */
int floor_read(const struct sig_trust *t, struct floor *f);

/* Raises the TPM's counter to version; *before is what it held.  1 when
 * it did, 0 when there is no TPM (none or off, or auto without one), or a
 * negative errno, logged. */
int floor_raise(const struct sig_trust *t, uint64_t version, uint64_t *before);

#endif
