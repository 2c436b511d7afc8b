/* SPDX-License-Identifier: MIT */
/*
 * Where a pull reads a repository from: a directory (a second disk, a USB
 * stick: source_dir.c) or an http(s) URL (libcurl: source_http.c).  Both
 * only deliver bytes to sinks; what the bytes must be is checked by the
 * caller's sinks (import.h), identically for both.
 *
 * Every path asked for is relative to the repository and formed by the
 * caller from a validated channel name or a digest, so no server-supplied
 * name is ever used as a path.
 */
#ifndef CFSBOOT_SOURCE_H
#define CFSBOOT_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOURCE_PATH_MAX 256

/* How the repository stores a file (encoding.h). */
enum encoding {
	ENCODING_NONE,
	ENCODING_ZSTD,
};

/* Receives one file's bytes.  A negative return from write or done stops
 * the fetch with that error (the sink has logged why). */
struct fetch_sink {
	int (*reset)(void *ud);                     /* a retry starts over */
	int (*write)(void *ud, const void *data, size_t len);
	int (*done)(void *ud);                      /* every byte has arrived */
	void *ud;
};

struct fetch {
	char path[SOURCE_PATH_MAX];  /* "objects/ab/cdef..." */
	uint64_t max;                /* a file larger than this is cut off and refused */
	uint64_t size;               /* its size once decoded: what the progress counts */
	bool absent_ok;              /* -ENOENT is the caller's to say: not logged */
	struct fetch_sink sink;
};

struct source_options {
	unsigned parallel;           /* transfers at once */
	unsigned retries;            /* further attempts after a transient failure */
	unsigned timeout;            /* seconds: to connect, and without a byte */
};

struct source_progress {
	void (*bytes)(void *ud, uint64_t n);        /* n more bytes arrived */
	void (*file)(void *ud, uint64_t size);      /* one more file, size bytes decoded, is complete */
	void *ud;
};

struct source;

/* SPEC is an http:// or https:// URL, or a directory.  Returns 0, or a
 * negative errno, logged (-EINVAL for an unusable SPEC). */
int source_open(const char *spec, const struct source_options *o, struct source **out);
void source_free(struct source *s);
const char *source_name(const struct source *s);

/*
 * Fetches every request, several at once where the source can, each
 * retried after a transient failure with a growing pause.  Stops at the
 * first failure after logging one line, and returns:
 *   -ENOENT     the repository has no such file (HTTP 404, 410)
 *   -EFBIG      the file is larger than its max
 *   -ELOOP, -EXDEV  a directory's path leads through a link or mount point
 *   -EPROTO     any other HTTP status than 200, or a redirect
 *   -ETIMEDOUT, -ECONNRESET, -EIO   the transfer failed, retries exhausted
 * or the error a sink returned.
 */
int source_fetch(struct source *s, struct fetch *f, size_t n, const struct source_progress *p);

/* One small file into memory: at most max bytes once decoded from
 * encoding e (encoding.h; path without the suffix).  Same returns; with
 * absent_ok, a missing file is -ENOENT without a line. */
int source_fetch_buf(struct source *s, const char *path, enum encoding e, uint64_t max,
		     bool absent_ok, uint8_t **data, size_t *len);

#endif
