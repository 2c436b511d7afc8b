// SPDX-License-Identifier: MIT
#include "tool/pull/import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/base/hex.h"
#include "lib/base/array.h"
#include "lib/base/log.h"
#include "lib/base/read_file.h"
#include "lib/base/util.h"
#include "lib/base/workers.h"
#include "lib/store/beneath.h"

static void sink_discard(struct object_sink *k)
{
	if (k->file.fd >= 0 || k->file.tmp_name[0])
		atomic_file_discard(&k->file);
	k->file.fd = -1;
	if (k->dir_fd >= 0)
		close(k->dir_fd);
	k->dir_fd = -1;
	cfs_verity_free(k->ctx);
	k->ctx = NULL;
}

static int sink_reset(void *ud)
{
	struct object_sink *k = ud;
	char fanout[CFS_OBJECT_FANOUT_LEN + 1];
	int r;

	sink_discard(k);
	k->got = 0;
	memcpy(fanout, k->obj->path, CFS_OBJECT_FANOUT_LEN);
	fanout[CFS_OBJECT_FANOUT_LEN] = '\0';
	if (mkdirat(k->store->objects_fd, fanout, 0755) < 0 && errno != EEXIST)
		return log_errno(-errno, "cannot create %s/objects/%s: %m", k->store->dir, fanout);
	k->dir_fd = openat(k->store->objects_fd, fanout, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			   O_CLOEXEC);
	if (k->dir_fd < 0)
		return log_errno(-errno, "cannot open %s/objects/%s: %m", k->store->dir, fanout);
	r = atomic_file_open(&k->file, k->dir_fd, k->store->dir);
	if (r < 0)
		return r;
	if (cfs_verity_new(k->obj->alg, &k->ctx) < 0)
		return log_oom();
	return 0;
}

static int sink_write(void *ud, const void *data, size_t len)
{
	struct object_sink *k = ud;
	int r;

	/* The fetch refuses more than the size; checked here too, so that no
	 * source can write past it. */
	if (k->got + len > k->obj->size)
		return log_errno(-EFBIG, "object %s: refused, more than the %llu bytes the image "
				 "records", k->obj->path, (unsigned long long)k->obj->size);
	r = cfs_write_full(k->file.fd, data, len);
	if (r < 0)
		return log_errno(r, "cannot write object %s into %s: %m", k->obj->path,
				 k->store->dir);
	k->got += len;
	return cfs_verity_update(k->ctx, data, len);
}

static int sink_done(void *ud)
{
	struct object_sink *k = ud;
	uint8_t digest[CFS_MAX_DIGEST_SIZE];
	int r;

	if (k->got != k->obj->size) {
		r = log_errno(-EBADMSG, "object %s: refused, %llu bytes arrived where the image "
			      "records %llu (truncated)", k->obj->path, (unsigned long long)k->got,
			      (unsigned long long)k->obj->size);
		goto out;
	}
	r = cfs_verity_final(k->ctx, digest);
	if (r < 0)
		goto out;
	if (memcmp(digest, k->obj->digest, cfs_hash_digest_size(k->obj->alg)) != 0) {
		r = log_errno(-EBADMSG, "object %s: refused, its content does not have the digest "
			      "the image records (corrupted on the way or in the repository)",
			      k->obj->path);
		goto out;
	}
	/* Named later, by the flusher's round, after one sync of the file system. */
	r = atomic_file_finish(&k->file, false);
	if (r < 0)
		goto out;
	pthread_mutex_lock(&k->pipe->lock);
	/* The flusher waits for the first file of a round. */
	if (!k->pipe->ready)
		pthread_cond_signal(&k->pipe->flush);
	k->next = k->pipe->ready;
	k->pipe->ready = k;
	pthread_mutex_unlock(&k->pipe->lock);
	return 0;
out:
	sink_discard(k);
	return r;
}

/* A worker's failure r, which every thread then stops at.  True if it is
 * the first: the one the pull reports. */
static bool pipe_fail(struct import_pipe *p, int r)
{
	bool first;

	pthread_mutex_lock(&p->lock);
	first = p->error == 0;
	if (first)
		p->error = r;
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->flush);
	pthread_mutex_unlock(&p->lock);
	return first;
}

static int pipe_error(struct import_pipe *p)
{
	int r;

	pthread_mutex_lock(&p->lock);
	r = p->error;
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* A kept object's bytes through its checks (decoder, then sink_*), as if
 * they were arriving now.  A failure is the outcome of the pull only if it
 * is the first: several processors may find bad objects at once, and only
 * the first says so (one line per failure), as the transfers end. */
static int replay(struct object_sink *k)
{
	struct cfs_log_held said;
	int r;

	cfs_log_hold(&said);
	r = k->inner.reset(k->inner.ud);
	if (r == 0 && k->spool_len > 0)
		r = k->inner.write(k->inner.ud, k->spool, k->spool_len);
	if (r == 0)
		r = k->inner.done(k->inner.ud);
	free(k->spool);
	k->spool = NULL;
	k->spool_len = k->spool_cap = 0;
	cfs_log_hold(NULL);
	if (r < 0 && pipe_fail(k->pipe, r))
		cfs_log_release(&said);
	return r;
}

/* The sink the transfer thread sees for an object kept in memory.  After a
 * worker's failure each returns it, which ends the transfers (the worker
 * has said why). */
static int spool_reset(void *ud)
{
	struct object_sink *k = ud;

	k->spool_len = 0;       /* a retry starts over */
	return pipe_error(k->pipe);
}

static int spool_write(void *ud, const void *data, size_t len)
{
	struct object_sink *k = ud;
	int r = pipe_error(k->pipe);

	if (r < 0)
		return r;
	/* The fetch's max (at most IMPORT_SPOOL_MAX) bounds what is kept. */
	if (CFS_GROW(k->spool, k->spool_cap, k->spool_len + len, 64 * 1024) < 0) {
		pipe_fail(k->pipe, -ENOMEM);
		return log_oom();
	}
	memcpy(k->spool + k->spool_len, data, len);
	k->spool_len += len;
	return 0;
}

/* Hands the object to a processor; with the queue full, the transfer
 * thread checks it itself, which bounds the memory kept and never waits. */
static int spool_done(void *ud)
{
	struct object_sink *k = ud;
	struct import_pipe *p = k->pipe;
	int r;

	pthread_mutex_lock(&p->lock);
	r = p->error;
	if (r == 0 && p->queued < IMPORT_QUEUE) {
		p->queue[(p->head + p->queued++) % IMPORT_QUEUE] = k;
		pthread_cond_signal(&p->work);
		pthread_mutex_unlock(&p->lock);
		return 0;
	}
	pthread_mutex_unlock(&p->lock);
	return r < 0 ? r : replay(k);
}

/* The roles of cfs_workers_run's jobs: 0 the transfers, 1..processors the
 * processors, the last the flusher.  Should a thread not start, the others
 * take the roles in turn, which is why no role waits for a later one: the
 * transfers wait for none, a processor ends once the queue is empty after
 * the transfers, the flusher once nothing more can become ready. */
struct import_run {
	struct import_pipe *pipe;
	struct source *src;
	struct fetch *f;
	size_t n;
	const struct source_progress *progress;
	size_t processors;
};

static int run_transfers(struct import_run *run)
{
	struct import_pipe *p = run->pipe;
	int r = source_fetch(run->src, run->f, run->n, run->progress);

	/* A failed transfer does not stop the workers: what arrived complete
	 * is still checked and placed, for the next pull to resume with. */
	pthread_mutex_lock(&p->lock);
	p->fetched = true;
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->flush);
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* Nothing more can become ready (called with the lock held). */
static bool pipe_drained(const struct import_pipe *p)
{
	return p->fetched && p->queued == 0 && p->busy == 0;
}

static int run_processor(struct import_run *run)
{
	struct import_pipe *p = run->pipe;

	for (;;) {
		struct object_sink *k;
		int r;

		pthread_mutex_lock(&p->lock);
		while (p->queued == 0 && !p->fetched && p->error == 0)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->queued == 0 || p->error < 0) {
			pthread_mutex_unlock(&p->lock);
			return 0;
		}
		k = p->queue[p->head];
		p->head = (p->head + 1) % IMPORT_QUEUE;
		p->queued--;
		p->busy++;
		pthread_mutex_unlock(&p->lock);
		r = replay(k);
		pthread_mutex_lock(&p->lock);
		p->busy--;
		if (pipe_drained(p))
			pthread_cond_signal(&p->flush);
		pthread_mutex_unlock(&p->lock);
		if (r < 0)
			return r;
	}
}

/*
 * One round.  Every file of list was closed before the sync starts, so the
 * sync makes its data durable before any of them is named: no name ever
 * points at content a crash could lose.  The renames become durable with
 * the next round's sync, or the one before the image enters
 * (import_image): a crash before that loses names, never data under a
 * name, and the next pull fetches those objects again.  So one syncfs per
 * round serves where an fsync of each file and of each fan-out directory
 * would.
 */
static int flush_round(struct import_pipe *p, struct object_sink *list)
{
	struct store *s = p->store;

	if (syncfs(s->objects_fd) < 0)
		return log_errno(-errno, "cannot sync %s: %m", s->dir);
	for (struct object_sink *k = list; k; k = k->next) {
		enum verity_result verity = VERITY_ENABLED;
		int r = atomic_file_place(&k->file, k->obj->path + CFS_OBJECT_FANOUT_LEN + 1,
					  store_commit_flags(s), k->obj->alg, k->obj->digest,
					  &verity);

		k->placed = r == 0;
		if (r == 0 && verity == VERITY_UNSUPPORTED)
			s->no_verity = true;
		sink_discard(k);
		if (r < 0)
			return r;   /* the rest are discarded: the next pull fetches them */
	}
	return 0;
}

static int run_flusher(struct import_run *run)
{
	struct import_pipe *p = run->pipe;

	for (;;) {
		struct object_sink *list;
		struct timespec due;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &due);
		due.tv_nsec += IMPORT_ROUND_MSEC * 1000000L;
		due.tv_sec += due.tv_nsec / 1000000000L;
		due.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&p->lock);
		/* Until files are ready and the pause is over, or all is done. */
		while (p->error == 0 && !pipe_drained(p)) {
			if (!p->ready)
				pthread_cond_wait(&p->flush, &p->lock);
			else if (pthread_cond_timedwait(&p->flush, &p->lock, &due) == ETIMEDOUT)
				break;
		}
		list = p->error == 0 ? p->ready : NULL;
		if (list)
			p->ready = NULL;
		pthread_mutex_unlock(&p->lock);
		if (!list)
			return 0;
		r = flush_round(p, list);
		if (r < 0) {
			pipe_fail(p, r);
			return r;
		}
	}
}

static int import_role(size_t i, void *ctx)
{
	struct import_run *run = ctx;

	if (i == 0)
		return run_transfers(run);
	if (i <= run->processors)
		return run_processor(run);
	return run_flusher(run);
}

int import_fetch(struct import_pipe *p, struct source *src, struct fetch *f, size_t n,
		 const struct source_progress *progress)
{
	struct import_run run = { p, src, f, n, progress, cfs_workers_default_threads() };
	pthread_condattr_t attr;
	int r;

	if (n == 0)
		return 0;
	/* The flusher's pause is measured on the clock that does not jump. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->work, &attr);
	pthread_cond_init(&p->flush, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&p->lock, NULL);
	r = cfs_workers_run(run.processors + 2, (unsigned)run.processors + 2, import_role, &run);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->flush);
	pthread_mutex_destroy(&p->lock);
	return r;
}

int import_plan(struct store *s, const struct objlist *l, enum encoding enc, struct import_pipe *p,
		struct fetch **fetches, struct object_sink **sinks, size_t *n)
{
	struct fetch *f = calloc(l->n ? l->n : 1, sizeof(*f));
	struct object_sink *k = calloc(l->n ? l->n : 1, sizeof(*k));
	size_t m = 0;

	if (!f || !k) {
		free(f);
		free(k);
		return log_oom();
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct objlist_entry *e = &l->v[i];

		if (faccessat(s->objects_fd, e->path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		k[m] = (struct object_sink){ .store = s, .pipe = p, .obj = e, .dir_fd = -1,
					     .file = { .fd = -1 } };
		snprintf(f[m].path, sizeof(f[m].path), CFS_STORE_OBJECTS "/%s%s", e->path,
			 encoding_suffix(enc));
		encoding_fetch(&f[m], enc, e->size, &k[m].dec,
			       (struct fetch_sink){ sink_reset, sink_write, sink_done, &k[m] });
		/* Kept in memory and checked on a processor, or, larger, checked
		 * as it streams on the transfer thread. */
		if (f[m].max <= IMPORT_SPOOL_MAX) {
			k[m].inner = f[m].sink;
			f[m].sink = (struct fetch_sink){ spool_reset, spool_write, spool_done,
							 &k[m] };
		}
		m++;
	}
	*p = (struct import_pipe){ .store = s };
	*fetches = f;
	*sinks = k;
	*n = m;
	return 0;
}

void import_plan_rollback(struct store *s, struct object_sink *sinks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sinks[i].placed && unlinkat(s->objects_fd, sinks[i].obj->path, 0) < 0)
			log_warning("cannot remove %s/objects/%s again: %m; cfsboot gc removes it",
				    s->dir, sinks[i].obj->path);
}

void import_plan_free(struct fetch *fetches, struct object_sink *sinks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sink_discard(&sinks[i]);
		decoder_free(&sinks[i].dec);
		free(sinks[i].spool);   /* of an object a failure left in the queue */
	}
	free(fetches);
	free(sinks);
}

int import_image(struct store *s, const uint8_t *image, size_t image_len,
		 const uint8_t *digest, const uint8_t *sig, size_t sig_len)
{
	char hex[2 * CFS_SHA256_DIGEST_SIZE + 1];
	int r;

	/* Every object's rename is durable before an image names it. */
	if (syncfs(s->objects_fd) < 0)
		return log_errno(-errno, "cannot sync %s: %m", s->dir);
	cfs_hex_encode(digest, CFS_SHA256_DIGEST_SIZE, hex);
	r = store_add_signature(s, hex, sig, sig_len);
	if (r < 0)
		return r;
	return store_add_image(s, image, image_len, digest);
}

int import_last_channel(struct store *s, const char *name, struct channel *c)
{
	_cleanup_free_ uint8_t *file = NULL, *sig = NULL;
	_cleanup_close_ int dir_fd = -1, fd = -1;
	const char *json, *error;
	size_t len, json_len, sig_len;
	int r;

	dir_fd = cfs_open_beneath(s->dir_fd, CHANNEL_DIR, true);
	if (dir_fd == -ENOENT)
		return -ENOENT;
	fd = dir_fd < 0 ? dir_fd : cfs_open_beneath_regular(dir_fd, name);
	if (fd == -ENOENT)
		return -ENOENT;
	if (fd < 0)
		return log_errno(fd, "cannot open %s/" CHANNEL_DIR "/%s, the record of the last "
				 "channel pulled: %s", s->dir, name, strerror(-fd));
	r = cfs_read_fd(fd, name, CHANNEL_FILE_MAX, (char **)&file, &len);
	if (r < 0)
		return r;
	/* Verified before it was written; parsed again, not trusted blindly. */
	r = channel_parse((const char *)file, len, c, &json, &json_len, &sig, &sig_len, &error);
	if (r < 0)
		return log_errno(r, "%s/" CHANNEL_DIR "/%s, the record of the last channel pulled, "
				 "is damaged: %s; remove it only if you trust the next channel "
				 "offered", s->dir, name, r == -EBADMSG ? error : strerror(-r));
	return 0;
}

int import_record_channel(struct store *s, const char *name, const char *file, size_t len)
{
	char dir[PATH_MAX];
	_cleanup_close_ int dir_fd = -1;

	snprintf(dir, sizeof(dir), "%s/" CHANNEL_DIR, s->dir);
	if (mkdirat(s->dir_fd, CHANNEL_DIR, 0755) < 0 && errno != EEXIST)
		return log_errno(-errno, "cannot create %s: %m", dir);
	dir_fd = openat(s->dir_fd, CHANNEL_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir_fd < 0)
		return log_errno(-errno, "cannot open %s: %m", dir);
	return atomic_file_write(dir_fd, dir, name, file, len, ATOMIC_FILE_REPLACE);
}
