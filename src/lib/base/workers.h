/* SPDX-License-Identifier: MIT */
/*
 * A fixed set of threads working through a list of independent jobs
 * (hashing files, copying objects, the pieces of one large file).  Each
 * job writes only its own result, so the outcome does not depend on the
 * number of threads.
 */
#ifndef CFS_WORKERS_H
#define CFS_WORKERS_H

#include <stddef.h>

/* The number of CPUs this process may run on: the default for --threads.
 * Taken from the affinity mask, which needs neither /sys nor /proc (the
 * boot uses it before they are mounted). */
unsigned cfs_workers_default_threads(void);

/* Runs job(i, ctx) for every i in [0, n) on up to `threads` threads (the
 * caller's included).  After a job fails no new job starts; returns the
 * first failure's negative errno (the job has logged it), or 0. */
int cfs_workers_run(size_t n, unsigned threads, int (*job)(size_t i, void *ctx), void *ctx);

#endif
