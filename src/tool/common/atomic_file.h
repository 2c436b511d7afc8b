/* SPDX-License-Identifier: MIT */
/*
 * Files that appear under their final name only when complete and durable:
 * written to a temporary name in the same directory, made mode 0644 and
 * fsync'ed, optionally sealed with fs-verity, then renamed into place.  On
 * any failure the temporary file is removed; nothing partial ever carries
 * the final name.  Making the rename itself durable (fsync of the
 * directory, or one syncfs for many files) is left to the caller.
 */
#ifndef CFS_ATOMIC_FILE_H
#define CFS_ATOMIC_FILE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/verity/fsverity.h"

struct atomic_file {
	int dirfd;                  /* borrowed */
	const char *dir;            /* for messages */
	int fd;                     /* the temporary file, open for writing */
	char tmp_name[32];
};

enum {
	ATOMIC_FILE_REPLACE = 1 << 0,    /* replace an existing file of that name */
	ATOMIC_FILE_VERITY  = 1 << 1,    /* enable fs-verity before the rename */
};

/* How enabling fs-verity went (ATOMIC_FILE_VERITY). */
enum verity_result {
	VERITY_ENABLED,
	VERITY_UNSUPPORTED,     /* the file system cannot: the file is kept without */
};

int atomic_file_open(struct atomic_file *f, int dirfd, const char *dir);

/* The data is complete: makes the file mode 0644, fsyncs it if asked (a
 * caller placing many files may sync the file system once instead), and
 * closes it.  The file keeps its temporary name until placed. */
int atomic_file_finish(struct atomic_file *f, bool sync);

/* Puts a finished file under its final name.
 * Returns 1 if the name already existed and was kept (without
 * ATOMIC_FILE_REPLACE: identical content is stored once), 0 when the file
 * was put in place.  Either way the temporary file is gone afterwards.
 * ATOMIC_FILE_VERITY enables fs-verity with the hash alg; given a digest
 * to expect (of alg), the kernel's measurement must equal it: a file that
 * changed after it was hashed is refused.  Without the flag alg is unused. */
int atomic_file_place(struct atomic_file *f, const char *name, unsigned flags,
		      enum cfs_hash_alg alg, const uint8_t *expect, enum verity_result *verity);

/* finish (with fsync), then place. */
int atomic_file_commit(struct atomic_file *f, const char *name, unsigned flags,
		       enum cfs_hash_alg alg, const uint8_t *expect, enum verity_result *verity);

/* All of data as dirfd/name (dir names dirfd in messages): open, write,
 * commit with flags (no fs-verity), then fsync the directory.  Returns as
 * atomic_file_place(). */
int atomic_file_write(int dirfd, const char *dir, const char *name, const void *data,
		      size_t len, unsigned flags);

/* Removes the temporary file (after a failure); harmless after place. */
void atomic_file_discard(struct atomic_file *f);

/* Copies all of src_fd into f: a reflink when the file system can, else
 * copy_file_range, else read/write; holes stay holes.  *no_clone, shared
 * by the copies of a run, is set once a reflink fails for want of support,
 * so that the next copies do not try. */
int atomic_file_copy_from(struct atomic_file *f, int src_fd, const char *src,
			  atomic_bool *no_clone);

#endif
