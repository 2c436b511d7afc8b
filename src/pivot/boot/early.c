// SPDX-License-Identifier: MIT
#include "pivot/boot/early.h"

#include <string.h>

#include "lib/base/log.h"

void pivot_early_start(struct pivot_early *e, void *(*run)(void *), void *arg, const char *what)
{
	int r;

	if (e->started)
		return;
	r = pthread_create(&e->thread, NULL, run, arg);
	if (r != 0) {
		log_debug("cannot start a thread for %s (%s): it runs at its place", what,
			  strerror(r));
		return;
	}
	e->started = true;
}

void pivot_early_join(struct pivot_early *e)
{
	if (!e->started || e->joined)
		return;
	pthread_join(e->thread, NULL);
	e->joined = true;
}
