/* SPDX-License-Identifier: MIT */
/* What a pull tells its user: one line per step, and while objects move,
 * a bar on a terminal (bytes, objects, rate, time left) redrawn at most
 * ten times a second.  Everything goes to stderr; stdout stays for the
 * result. */
#ifndef CFSBOOT_PROGRESS_H
#define CFSBOOT_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	bool tty;
	uint64_t total_bytes, bytes;    /* decoded sizes: all, and of the files complete */
	uint64_t received;              /* bytes transferred, compressed or not */
	uint64_t total_files, files;
	uint64_t start_usec, drawn_usec;
};

void progress_init(struct progress *p);
/* One step's line, printf-style (clears a bar first). */
void progress_step(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The transfer of files files of bytes bytes (once decoded) begins; then
 * n more bytes arrived, or one more file of size bytes is complete; then it
 * ended.  The middle two are struct source_progress's callbacks.  The bar
 * and the time left count decoded bytes, of files complete, since a
 * compressed repository's transfer has no known total; the rate is of the
 * bytes received. */
void progress_begin(struct progress *p, uint64_t files, uint64_t bytes);
void progress_bytes(void *p, uint64_t n);
void progress_file(void *p, uint64_t size);
void progress_end(struct progress *p);

#endif
