// SPDX-License-Identifier: MIT
#include "tool/pull/progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void progress_init(struct progress *p)
{
	*p = (struct progress){ .tty = isatty(STDERR_FILENO) == 1 };
}

static void clear(struct progress *p)
{
	if (p->tty && p->drawn_usec)
		fputs("\r\033[K", stderr);
}

void progress_step(struct progress *p, const char *fmt, ...)
{
	va_list ap;

	clear(p);
	fputs("pull: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	p->drawn_usec = 0;
}

void progress_begin(struct progress *p, uint64_t files, uint64_t bytes)
{
	p->total_bytes = bytes;
	p->bytes = 0;
	p->received = 0;
	p->total_files = files;
	p->files = 0;
	p->start_usec = now_usec();
	p->drawn_usec = 0;
}

static void draw(struct progress *p, uint64_t now)
{
	double secs = (double)(now - p->start_usec) / 1e6;
	double rate = secs > 0 ? (double)p->received / secs : 0;
	uint64_t done = p->bytes < p->total_bytes ? p->bytes : p->total_bytes;
	double left = done > 0 ? secs * (double)(p->total_bytes - done) / (double)done : 0;
	unsigned pct = p->total_bytes ? (unsigned)(100 * done / p->total_bytes) : 100;
	char bar[31];

	for (unsigned i = 0; i < 30; i++)
		bar[i] = i < pct * 30 / 100 ? '#' : '.';
	bar[30] = '\0';
	fprintf(stderr, "\r\033[K[%s] %3u%% %.1f/%.1f MiB, %llu/%llu objects, %.1f MiB/s, "
		"%.0f s left", bar, pct, (double)done / 1048576,
		(double)p->total_bytes / 1048576, (unsigned long long)p->files,
		(unsigned long long)p->total_files, rate / 1048576, left);
	p->drawn_usec = now;
}

static void redraw(struct progress *p)
{
	uint64_t now;

	if (!p->tty)
		return;
	now = now_usec();
	if (now - p->drawn_usec >= 100000)
		draw(p, now);
}

void progress_bytes(void *ud, uint64_t n)
{
	struct progress *p = ud;

	p->received += n;
	redraw(p);
}

void progress_file(void *ud, uint64_t size)
{
	struct progress *p = ud;

	p->files++;
	p->bytes += size;
	redraw(p);
}

/* On a terminal the bar stays, as it ended: the user sees what moved. */
void progress_end(struct progress *p)
{
	if (p->tty && p->total_files) {
		draw(p, now_usec());
		fputc('\n', stderr);
	}
	p->drawn_usec = 0;
}
