/* SPDX-License-Identifier: MIT */
/*
 * What enters the device's store during a pull, and in which order
 * (docs/update.md "What is verified when"): each object streamed to a
 * temporary file beside its final name, hashed, refused unless it has
 * exactly its size and digest, synced (one syncfs per round, below),
 * sealed with fs-verity where the file system has it and renamed into
 * place; the file system synced; then the image's signature, then the
 * image; then the channel's record.  A file system without fs-verity sets
 * store->no_verity.  Nothing unverified ever carries a store name, so an
 * interrupted pull leaves a store that fsck passes, and the next pull
 * fetches only what is still missing.
 */
#ifndef CFSBOOT_IMPORT_H
#define CFSBOOT_IMPORT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tool/common/atomic_file.h"
#include "tool/mkimage/store.h"
#include "tool/pull/channel.h"
#include "tool/pull/encoding.h"
#include "tool/pull/objlist.h"
#include "tool/pull/source.h"

/*
 * The objects of a pull pass through threads (cfs_workers_run): one drives
 * the transfers; each object up to IMPORT_SPOOL_MAX bytes as fetched is
 * kept in memory until its transfer ends, then a processor decodes it,
 * writes it to its temporary file and checks its size and digest; a larger
 * one is streamed through the same checks on the transfer thread, so that
 * memory stays bounded.  Checked files wait for the flusher, which names
 * them in rounds: one syncfs makes every file of the round durable, then
 * each is sealed and renamed.  A round takes what arrived during the last
 * one's sync, at least IMPORT_ROUND_MSEC apart, so the transfers never
 * wait for a sync and a kill loses at most the files since the last round.
 */
#define IMPORT_SPOOL_MAX  (1u << 20)
#define IMPORT_QUEUE      16          /* arrived, waiting for a processor */
#define IMPORT_ROUND_MSEC 200

struct object_sink;
struct import_pipe {
	struct store *store;
	pthread_mutex_t lock;
	pthread_cond_t work;              /* for processors: queued, fetched, error */
	pthread_cond_t flush;             /* for the flusher: ready, drained, error */
	struct object_sink *queue[IMPORT_QUEUE];
	size_t head, queued;
	size_t busy;                      /* being replayed by a processor */
	struct object_sink *ready;        /* checked, waiting for a round */
	bool fetched;                     /* the transfers are over */
	int error;                        /* a worker's first failure: all stop */
};

/* The sink that writes one object into the store. */
struct object_sink {
	struct store *store;
	struct import_pipe *pipe;
	const struct objlist_entry *obj;
	int dir_fd;                       /* objects/XX */
	struct atomic_file file;
	struct cfs_verity_ctx *ctx;
	struct decoder dec;               /* of an encoded repository */
	struct fetch_sink inner;          /* a kept object's checks, replayed */
	uint8_t *spool;                   /* its bytes as fetched */
	size_t spool_len, spool_cap;
	uint64_t got;
	struct object_sink *next;         /* in pipe->ready */
	bool placed;                      /* this pull put it into the store */
};

/* The objects of l the store lacks, as fetches from a repository of
 * encoding e into sinks (both arrays malloc()ed, n of each) that go
 * through p.  0 or -ENOMEM. */
int import_plan(struct store *s, const struct objlist *l, enum encoding e, struct import_pipe *p,
		struct fetch **fetches, struct object_sink **sinks, size_t *n);
/* Fetches the n planned objects from src and places each checked one, on
 * threads as above.  Returns as source_fetch(), or the first failure of a
 * processor or the flusher (each logged where it happened). */
int import_fetch(struct import_pipe *p, struct source *src, struct fetch *f, size_t n,
		 const struct source_progress *progress);
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
