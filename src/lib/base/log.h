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
#include <stdbool.h>
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
/* Makes line the last error of this thread, as if it had been logged here:
 * a refusal found on another thread (cfs-pivot's TPM phases). */
void cfs_log_set_last_error(const char *line);
/* Until cfs_log_release(), this thread's messages are not written, and the
 * last error is kept; release writes that one line if say.  For workers
 * that may fail at once on the same cause (every object of a hostile
 * server): only the failure taken as the outcome is said, once. */
void cfs_log_hold(void);
void cfs_log_release(bool say);

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
