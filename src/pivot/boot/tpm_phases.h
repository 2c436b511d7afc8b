/* SPDX-License-Identifier: MIT */
/*
 * The TPM's phases before the signature: tpm (open the TPM the policy
 * names) and floor (read its anti-rollback floor).  Neither needs the
 * physical root, and both spend their time waiting for the TPM's answers:
 * they run on a thread of their own from the end of the policy phase,
 * while PID 1 loads the modules and waits for the root device, or while
 * the store is opened and the image's digest checked (early.h).  Their
 * outcome, and their lines, are taken at their own places in the phase
 * order, so that a boot is refused for the same reason, with the same last
 * line, as when they run in turn.
 */
#ifndef CFS_PIVOT_TPM_PHASES_H
#define CFS_PIVOT_TPM_PHASES_H

#include <stdbool.h>

#include "lib/base/log.h"
#include "pivot/boot/early.h"

struct pivot_boot;

/* The run of the two phases on their own thread. */
struct pivot_tpm_early {
	struct pivot_early thread;
	int tpm_r, floor_r;             /* each phase's result: 0 or its class */
	struct cfs_log_held tpm_said, floor_said;  /* each phase's lines, until its place */
};

/* Starts the two phases on their own thread when the policy wants a TPM;
 * when no thread can be started they run in turn, at their places. */
void pivot_tpm_early_start(struct pivot_boot *b);

/* Waits for that thread, if one was started; again is a no-op.  Before
 * anything else reads what the two phases fill in (the TPM, its status,
 * the floor). */
void pivot_tpm_early_join(struct pivot_boot *b);

/* The phases of the table (boot.c): run here, or, once started early,
 * their outcome taken (the time they then add is the wait for them). */
int pivot_phase_tpm(struct pivot_boot *b);
int pivot_phase_floor(struct pivot_boot *b);

#endif
