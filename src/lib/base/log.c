// SPDX-License-Identifier: MIT
#include "lib/base/log.h"
#include "lib/base/escape.h"
#include "lib/base/util.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *log_program = "cfsboot";
static int log_level = LOG_INFO;
static int kmsg_fd = -1;
/* Each thread's own: work that cfs-pivot starts early on threads of its
 * own says its refusal at its place in the order (cfs_log_release). */
static _Thread_local char last_error[CFS_LOG_LINE_MAX];
static _Thread_local struct cfs_log_held *held_here;

void cfs_log_init(const char *program)
{
	const char *slash = strrchr(program, '/');

	log_program = slash ? slash + 1 : program;
}

int cfs_log_open_kmsg(void)
{
	if (kmsg_fd >= 0)
		return 0;
	kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	return kmsg_fd < 0 ? -errno : 0;
}

void cfs_log_set_level(int level)
{
	log_level = level;
}

/* One write() per record, as /dev/kmsg wants.  Not dprintf(): glibc's
 * seeks first, which /dev/kmsg refuses, and then writes nothing. */
static void log_kmsg(int level, const char *msg)
{
	char line[sizeof(last_error) + 64];
	int n = snprintf(line, sizeof(line), "<%d>%s: %s\n", level, log_program, msg);

	if (n > 0)
		(void)!write(kmsg_fd, line, MIN((size_t)n, sizeof(line) - 1));
}

const char *cfs_log_last_error(void)
{
	return last_error;
}

void cfs_log_hold(struct cfs_log_held *held)
{
	if (held)
		held->n = 0;
	held_here = held;
}

/* A line, already escaped, to stderr and the kernel log. */
static void emit(int level, const char *msg)
{
	if (level <= LOG_ERR)
		snprintf(last_error, sizeof(last_error), "%s", msg);
	fprintf(stderr, "%s: %s\n", log_program, msg);
	if (kmsg_fd >= 0)
		log_kmsg(level, msg);
}

static void hold(struct cfs_log_held *h, int level, const char *msg)
{
	unsigned i = h->n < CFS_LOG_HELD_MAX ? h->n++ : CFS_LOG_HELD_MAX - 1;

	h->line[i].level = level;
	snprintf(h->line[i].msg, sizeof(h->line[i].msg), "%s", msg);
}

void cfs_log_release(struct cfs_log_held *held)
{
	for (unsigned i = 0; i < held->n; i++)
		emit(held->line[i].level, held->line[i].msg);
	held->n = 0;
}

int cfs_log_full(int level, int err, const char *fmt, ...)
{
	char raw[sizeof(last_error)], msg[sizeof(last_error)];
	va_list ap;
	int saved = errno;

	if (level > log_level)
		return err;
	if (err < 0)
		errno = -err; /* so that %m names err */
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* Messages echo text from outside (the kernel command line, paths):
	 * each must stay the one line it is. */
	cfs_escape(raw, msg, sizeof(msg));
	if (held_here)
		hold(held_here, level, msg);
	else
		emit(level, msg);
	errno = saved;
	return err;
}
