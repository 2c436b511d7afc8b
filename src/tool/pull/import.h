/* SPDX-License-Identifier: MIT */
/*
 * What enters the device's store during a pull, and in which order
 * (docs/update.md "What is verified when"): each object streamed to a
 * temporary file beside its final name, hashed as it arrives, refused
 * unless it has exactly its size and digest, synced (one syncfs per
 * batch), sealed with fs-verity where the file system has it and renamed
 * into place; the file system
 * synced; then the image's signature, then the image; then the channel's
 * record.  A file system without fs-verity sets store->no_verity.  Nothing unverified ever carries a store name, so an
 * interrupted pull leaves a store that fsck passes, and the next pull
 * fetches only what is still missing.
 */
#ifndef CFSBOOT_IMPORT_H
#define CFSBOOT_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tool/common/atomic_file.h"
#include "tool/mkimage/store.h"
#include "tool/pull/channel.h"
#include "tool/pull/encoding.h"
#include "tool/pull/objlist.h"
#include "tool/pull/source.h"

/* Objects are named in batches: up to IMPORT_BATCH checked temporary
 * files, or those of IMPORT_BATCH_USEC, then one syncfs, then each sealed
 * and renamed.  One sync per batch instead of an fsync per object, and
 * still no name ever points at content that is not on disk; a killed pull
 * loses at most a batch. */
#define IMPORT_BATCH      64
#define IMPORT_BATCH_USEC 1000000

struct object_sink;
struct object_batch {
	struct store *store;
	struct object_sink *ready[IMPORT_BATCH];
	size_t n;
	uint64_t flushed;                 /* CLOCK_MONOTONIC usec of the last flush */
};

/* The sink that writes one object into the store. */
struct object_sink {
	struct store *store;
	struct object_batch *batch;
	const struct objlist_entry *obj;
	int dir_fd;                       /* objects/XX */
	struct atomic_file file;
	struct cfs_verity_ctx *ctx;
	struct decoder dec;               /* of an encoded repository */
	uint64_t got;
	bool placed;                      /* this pull put it into the store */
};

/* The objects of l the store lacks, as fetches from a repository of
 * encoding e into sinks (both arrays malloc()ed, n of each) that name them
 * through b.  0 or -ENOMEM. */
int import_plan(struct store *s, const struct objlist *l, enum encoding e, struct object_batch *b,
		struct fetch **fetches, struct object_sink **sinks, size_t *n);
/* Names the checked objects of b that wait for a sync (after the fetch:
 * the last batch).  0 or a negative errno, logged. */
int import_flush(struct object_batch *b);
/* After the repository offered a bad object: removes the objects this
 * pull placed, so that bad input leaves the store as it was.  (After a
 * failed transfer they stay, for the next pull to resume with.) */
void import_plan_rollback(struct store *s, struct object_sink *sinks, size_t n);
/* Discards what sinks still hold (after a failure) and frees both. */
void import_plan_free(struct fetch *fetches, struct object_sink *sinks, size_t n);

/* Makes the objects durable, then writes the signature and the image
 * (sha256 hex) into the store.  0 or a negative errno, logged. */
int import_image(struct store *s, const uint8_t *image, size_t image_len,
		 const uint8_t *digest, const uint8_t *sig, size_t sig_len);

/* The last channel file this store accepted for name: 0 with *c filled,
 * -ENOENT for none, or a negative errno, logged (a damaged record). */
int import_last_channel(struct store *s, const char *name, struct channel *c);
/* Records file as the last accepted channel file of name. */
int import_record_channel(struct store *s, const char *name, const char *file, size_t len);

#endif
