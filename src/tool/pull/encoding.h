/* SPDX-License-Identifier: MIT */
/*
 * How a repository stores its images and objects (docs/update.md
 * "Encodings"): as they are, or each as one zstd frame under its name plus
 * ".zst".  The signed channel file names the encoding, and the names
 * differ, so a server can neither make a client take one for the other
 * nor leave the choice to the client: a plain file served under a ".zst"
 * name is not a zstd frame, a frame served under a plain name does not
 * have the digest.
 *
 * Decoding runs between a source and the sink that checks the bytes
 * (import.h): the sink sees the decoded bytes, and their digest is checked
 * as for a plain repository.  The decoded size is bounded by what the
 * image records, the window by ENCODING_WINDOW_LOG: a frame that declares
 * more, or decodes to more, is refused before its bytes reach the sink.
 */
#ifndef CFSBOOT_ENCODING_H
#define CFSBOOT_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tool/pull/source.h"

/* Publish's level: a repository is compressed once and pulled by many,
 * so a high level costs the publisher alone. */
#define ENCODING_ZSTD_LEVEL 19
/* The largest zstd window (log2 bytes) either side uses: 4 MiB, what a
 * decoder needs in memory per transfer at most. */
#define ENCODING_WINDOW_LOG 22

/* "none" or "zstd", and back: 0, or -EINVAL for another name. */
const char *encoding_name(enum encoding e);
int encoding_from_name(const char *name, enum encoding *e);
/* "" or ".zst": what follows a file's plain name in the repository. */
const char *encoding_suffix(enum encoding e);

/* Decodes a fetch's bytes into another sink. */
struct decoder {
	struct fetch_sink inner;
	const char *path;            /* the file fetched, for messages */
	uint64_t max, out;           /* decoded bytes allowed, and so far */
	bool ended;                  /* the frame is complete */
	void *dctx;                  /* ZSTD_DCtx */
	uint8_t *buf;
};

/*
 * Points f at a file of size decoded bytes stored in encoding e: for
 * ENCODING_NONE f->max is size and f->sink is inner; for ENCODING_ZSTD
 * f->max is the largest frame of that many bytes and f->sink decodes
 * through d (which must outlive the fetch; decoder_free() it after) into
 * inner.  The path in f->path must already carry the suffix.
 */
void encoding_fetch(struct fetch *f, enum encoding e, uint64_t size, struct decoder *d,
		    struct fetch_sink inner);
void decoder_free(struct decoder *d);

/* Writes data as one zstd frame into dst_fd (dst names it, for
 * messages).  0 or a negative errno, logged. */
int encoding_compress(const uint8_t *data, size_t len, int dst_fd, const char *dst);

#endif
