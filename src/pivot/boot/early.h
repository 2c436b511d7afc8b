/* SPDX-License-Identifier: MIT */
/*
 * Work the boot starts before its place in the phase order, on a thread of
 * its own, because it needs nothing the phases before that place provide:
 * the TPM's phases and the loading of the trust, both started while PID 1
 * waits for the root device.  The phase that owns the work joins the
 * thread and takes its outcome at its own place, so that a boot is
 * refused for the same reason, with the same last line, as when
 * everything runs in turn.  When no thread can be started, the work runs
 * at its place.
 */
#ifndef CFS_PIVOT_EARLY_H
#define CFS_PIVOT_EARLY_H

#include <pthread.h>
#include <stdbool.h>

struct pivot_early {
	pthread_t thread;
	bool started, joined;
};

/* Starts run(arg) on a thread of its own, once; what names the work for
 * the debug line said when no thread can be started (started stays false). */
void pivot_early_start(struct pivot_early *e, void *(*run)(void *), void *arg, const char *what);

/* Waits for the thread, if one was started; again is a no-op. */
void pivot_early_join(struct pivot_early *e);

#endif
