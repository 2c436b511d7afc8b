// SPDX-License-Identifier: MIT
#include "lib/base/workers.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

struct job_queue {
	size_t n;
	atomic_size_t next;
	atomic_int error;           /* the first failure, 0 while none */
	int (*job)(size_t i, void *ctx);
	void *ctx;
};

unsigned cfs_workers_default_threads(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static void *worker(void *arg)
{
	struct job_queue *q = arg;

	while (atomic_load(&q->error) == 0) {
		size_t i = atomic_fetch_add(&q->next, 1);
		int r;

		if (i >= q->n)
			break;
		r = q->job(i, q->ctx);
		if (r < 0) {
			int none = 0;

			atomic_compare_exchange_strong(&q->error, &none, r);
		}
	}
	return NULL;
}

int cfs_workers_run(size_t n, unsigned threads, int (*job)(size_t i, void *ctx), void *ctx)
{
	struct job_queue q = { .n = n, .job = job, .ctx = ctx };
	_cleanup_free_ pthread_t *tids = NULL;
	size_t started = 0;

	threads = (unsigned)MIN((size_t)MAX(threads, 1u), MAX(n, (size_t)1));
	tids = calloc(threads, sizeof(*tids));
	if (!tids)
		return log_oom();
	/* The caller's thread is worker 0; if a thread cannot be started,
	 * the ones that did (and the caller) do all the work. */
	for (unsigned t = 1; t < threads; t++) {
		if (pthread_create(&tids[t], NULL, worker, &q) != 0)
			break;
		started++;
	}
	worker(&q);
	for (size_t t = 1; t <= started; t++)
		pthread_join(tids[t], NULL);
	return atomic_load(&q.error);
}
