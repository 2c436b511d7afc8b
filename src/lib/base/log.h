/* SPDX-License-Identifier: MIT */
/*
 * Logging: one line per message, prefixed with the program name, to stderr
 * and, when opened, to the kernel log with a syslog priority (early boot has
 * no other log).  log_errno() returns its negative errno argument so that a
 * failure is logged and returned in one statement, and %m in the format
 * names that errno.
 */
#ifndef CFS_LOG_H
#define CFS_LOG_H

#include <errno.h>
#include <syslog.h>

void cfs_log_init(const char *program);
/* Also send every message to /dev/kmsg (cfs-pivot in the initramfs). */
int cfs_log_open_kmsg(void);
/* Drop messages less severe than level (LOG_ERR ... LOG_DEBUG). */
void cfs_log_set_level(int level);

__attribute__((format(printf, 3, 4)))
int cfs_log_full(int level, int err, const char *fmt, ...);

/* The text of the last error (or worse) logged, without the program name;
 * "" before the first.  A PID 1 that refuses the boot says it once more
 * last, so that it is the line left on the screen. */
const char *cfs_log_last_error(void);

/*
 * Lines a thread holds instead of printing them: work started early on a
 * thread of its own (cfs-pivot loads its trust while PID 1 waits for the
 * root device) says what it found only at its place in the order, so that
 * its lines never follow, and hide, a refusal made meanwhile.  Beyond
 * CFS_LOG_HELD_MAX lines the newest replaces the one before it: the last
 * line, the one that says why, is always kept.
 */
#define CFS_LOG_HELD_MAX 8
#define CFS_LOG_LINE_MAX 1024
struct cfs_log_held {
	unsigned n;
	struct {
		int level;
		char msg[CFS_LOG_LINE_MAX];
	} line[CFS_LOG_HELD_MAX];
};
/* From now on this thread's lines go to *held (emptied first); NULL prints
 * them again. */
void cfs_log_hold(struct cfs_log_held *held);
/* Prints the lines held, on the calling thread, as if logged here, and
 * forgets them: an error among them becomes this thread's last error. */
void cfs_log_release(struct cfs_log_held *held);

#define log_error(...)   cfs_log_full(LOG_ERR, 0, __VA_ARGS__)
#define log_warning(...) cfs_log_full(LOG_WARNING, 0, __VA_ARGS__)
#define log_notice(...)  cfs_log_full(LOG_NOTICE, 0, __VA_ARGS__)
#define log_info(...)    cfs_log_full(LOG_INFO, 0, __VA_ARGS__)
#define log_debug(...)   cfs_log_full(LOG_DEBUG, 0, __VA_ARGS__)

/* err is a negative errno, returned unchanged, at every level: a failure
 * that is only a warning (the measurement log's writer) is still returned
 * in the same statement that logs it. */
#define log_error_errno(err, ...)   cfs_log_full(LOG_ERR, (err), __VA_ARGS__)
#define log_warning_errno(err, ...) cfs_log_full(LOG_WARNING, (err), __VA_ARGS__)
#define log_notice_errno(err, ...)  cfs_log_full(LOG_NOTICE, (err), __VA_ARGS__)
#define log_info_errno(err, ...)    cfs_log_full(LOG_INFO, (err), __VA_ARGS__)
#define log_debug_errno(err, ...)   cfs_log_full(LOG_DEBUG, (err), __VA_ARGS__)
#define log_errno(err, ...) log_error_errno((err), __VA_ARGS__)
#define log_oom() log_errno(-ENOMEM, "out of memory")

#endif
