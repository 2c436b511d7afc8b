/* SPDX-License-Identifier: MIT */
/*
 * systemd's userspace TPM measurement log, /run/log/systemd/tpm2-measure.log
 * (docs/measurement.md): RFC 7464 JSON text sequences, one record per PCR
 * extension, each "\x1e" + compact JSON + "\n", shaped like CEL-JSON
 * without "recnum":
 *
 *   {"pcr":15,"digests":[{"hashAlg":"sha256","digest":"<hex>"},...],
 *    "content_type":"systemd","content":{"string":"<measured word>",
 *    "bootId":"<32 hex>","timestamp":<CLOCK_BOOTTIME usec>,"eventType":"<kind>"}}
 *
 * The writer follows systemd's protocol, so that systemd-pcrextend,
 * systemd-cryptsetup and cfs-pivot can share one log and systemd-pcrlock
 * can replay it: the file is 0600, held under flock(LOCK_EX) across the
 * extensions, and carries the sticky bit while a write is in progress.  A
 * sticky bit found set means an earlier writer died between extending a
 * PCR and logging it: the log no longer matches the PCRs and nothing is
 * appended to it.
 *
 * The reader treats the log as untrusted input.
 */
#ifndef CFS_MEASURE_LOG_H
#define CFS_MEASURE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/tpm/tpm.h"

#define CFS_MEASURE_LOG_PATH "/run/log/systemd/tpm2-measure.log"

/* Limits of what the reader accepts. */
#define CFS_MEASURE_LOG_MAX_SIZE    (16 * 1024 * 1024)
#define CFS_MEASURE_LOG_MAX_RECORDS 65536
#define CFS_MEASURE_LOG_STRING_MAX  4096   /* bytes of content.string */

/* How long a writer or reader waits for another one's lock. */
#define CFS_MEASURE_LOG_LOCK_MSEC   5000

/* One record read back.  string is the measured word (content.string)
 * when the record has content_type "systemd", else NULL. */
struct cfs_measure_record {
	unsigned int pcr;
	struct cfs_tpm_digests digests;   /* the banks we know, in the log's order */
	char *string;
};

/* --- writer --------------------------------------------------------- */

struct cfs_measure_log;

/*
 * Opens path for appending: the parent directories are created (0755),
 * the file too (0600) when it is missing; links are not followed.  Takes
 * the exclusive lock (waiting at most CFS_MEASURE_LOG_LOCK_MSEC) and sets
 * the sticky bit.  Returns 0, or -ESTALE when the sticky bit was already
 * set (an earlier writer died; nothing is changed), or another negative
 * errno.  Logs every failure as a warning: a log that cannot be written
 * does not stop a measurement.
 */
int cfs_measure_log_open(const char *path, struct cfs_measure_log **out);

/* Appends the record of one extension: content_type "systemd", word as
 * content.string, event_type as content.eventType.  0 or a negative errno
 * (logged). */
int cfs_measure_log_append(struct cfs_measure_log *l, unsigned int pcr,
			   const struct cfs_tpm_digests *digests, const char *word,
			   const char *event_type);

/*
 * Ends the write: flushes the file and, when consistent (every extension
 * made was logged, and no extension's outcome is unknown), clears the
 * sticky bit; otherwise
 * leaves it set, so that readers know the log no longer matches the PCRs.
 * Releases the lock and frees l.  NULL is allowed.
 */
void cfs_measure_log_close(struct cfs_measure_log *l, bool consistent);

/* --- reader --------------------------------------------------------- */

struct cfs_measure_records {
	size_t n;
	struct cfs_measure_record *r;
};

/*
 * Parses the text of a log: records separated by 0x1E, each a JSON object
 * with "pcr" (0-23) and "digests" (each bank once, digests of the right
 * size in hex; banks we do not know are skipped), and, when content_type
 * is "systemd", content.string.  Any other defect refuses the whole log
 * with one line naming the record (numbered from 1) and what is wrong:
 * returns -EBADMSG, -E2BIG or -ENOMEM.
 */
int cfs_measure_log_parse(const char *name, const char *text, size_t len,
			  struct cfs_measure_records *out);

/*
 * Reads and parses the log at path under a shared lock, so that no writer
 * is half-way.  *incomplete reports the sticky bit.  The lock is handed
 * over in *lock_fd (close it to release), so that the caller can read the
 * PCRs before any writer extends them again.  -ENOENT (not logged) when
 * there is no log.
 */
int cfs_measure_log_load(const char *path, struct cfs_measure_records *out, bool *incomplete,
			 int *lock_fd);

void cfs_measure_records_free(struct cfs_measure_records *recs);

#endif
