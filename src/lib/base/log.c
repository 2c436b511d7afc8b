// SPDX-License-Identifier: MIT
#include "lib/base/log.h"
#include "lib/base/escape.h"
#include "lib/base/util.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *log_program = "cfsboot";
static int log_level = LOG_INFO;
static int kmsg_fd = -1;
/* Each thread's own: cfs-pivot's TPM phases run on a thread of their own
 * in PID-1 mode, and their refusal is taken at their place in the order
 * (cfs_log_set_last_error). */
static _Thread_local char last_error[1024];
/* cfs_log_hold(): this thread's messages wait, the last error's level. */
static _Thread_local bool held;
static _Thread_local int held_level = -1;

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

static void emit(int level, const char *msg)
{
	fprintf(stderr, "%s: %s\n", log_program, msg);
	if (kmsg_fd >= 0)
		log_kmsg(level, msg);
}

const char *cfs_log_last_error(void)
{
	return last_error;
}

void cfs_log_set_last_error(const char *line)
{
	snprintf(last_error, sizeof(last_error), "%s", line);
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
	if (level <= LOG_ERR)
		memcpy(last_error, msg, sizeof(msg));
	if (held) {
		if (level <= LOG_ERR)
			held_level = level;
	} else {
		emit(level, msg);
	}
	errno = saved;
	return err;
}

void cfs_log_hold(void)
{
	held = true;
	held_level = -1;
}

void cfs_log_release(bool say)
{
	held = false;
	if (say && held_level >= 0)
		emit(held_level, last_error);
	held_level = -1;
}
