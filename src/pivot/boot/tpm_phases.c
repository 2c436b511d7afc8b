// SPDX-License-Identifier: MIT
#include "pivot/boot/tpm_phases.h"

#include "lib/base/log.h"
#include "pivot/boot/boot.h"
#include "pivot/boot/errors.h"
#include "pivot/verify/measure.h"

static int tpm_open(struct pivot_boot *b)
{
	int r = pivot_tpm_open(&b->policy, &b->tpm_status, &b->tpm);

	return r < 0 ? pivot_exit_class(r, PIVOT_EXIT_TPM) : 0;
}

/* The TPM's counter raises the policy's min-version, never lowers it. */
static int floor_read(struct pivot_boot *b)
{
	uint64_t counter;
	int r = pivot_rollback_floor(&b->policy, b->tpm, &b->tpm_status, &counter);

	if (r < 0)
		return pivot_exit_class(r, PIVOT_EXIT_TPM);
	if (r == PIVOT_FLOOR_READ && counter > b->floor.version) {
		b->floor.version = counter;
		b->floor.source = "the TPM's anti-rollback counter";
	}
	log_info("anti-rollback floor: security version %llu (%s)",
		 (unsigned long long)b->floor.version, b->floor.source);
	return 0;
}

/* The thread: both phases as they would run in turn, each one's lines
 * held until its place in the order. */
static void *early_run(void *data)
{
	struct pivot_boot *b = data;
	struct pivot_tpm_early *e = &b->tpm_early;

	cfs_log_hold(&e->tpm_said);
	e->tpm_r = tpm_open(b);
	if (e->tpm_r == 0 && b->tpm) {
		cfs_log_hold(&e->floor_said);
		e->floor_r = floor_read(b);
	}
	cfs_log_hold(NULL);
	return NULL;
}

void pivot_tpm_early_start(struct pivot_boot *b)
{
	if (b->policy.tpm != PIVOT_TPM_OFF)
		pivot_early_start(&b->tpm_early.thread, early_run, b, "the TPM");
}

void pivot_tpm_early_join(struct pivot_boot *b)
{
	pivot_early_join(&b->tpm_early.thread);
}

int pivot_phase_tpm(struct pivot_boot *b)
{
	struct pivot_tpm_early *e = &b->tpm_early;

	if (!e->thread.started)
		return tpm_open(b);
	pivot_tpm_early_join(b);
	cfs_log_release(&e->tpm_said);
	return e->tpm_r;
}

int pivot_phase_floor(struct pivot_boot *b)
{
	struct pivot_tpm_early *e = &b->tpm_early;

	if (!e->thread.started)
		return floor_read(b);
	cfs_log_release(&e->floor_said);
	return e->floor_r;
}
