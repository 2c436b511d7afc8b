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
#include "lib/base/log.h"
#include "lib/base/read_file.h"
#include "lib/base/util.h"
#include "lib/store/beneath.h"

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

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
	/* Named later, with a batch, after one sync of the file system. */
	r = atomic_file_finish(&k->file, false);
	if (r < 0)
		goto out;
	k->batch->ready[k->batch->n++] = k;
	if (k->batch->n == IMPORT_BATCH || now_usec() - k->batch->flushed >= IMPORT_BATCH_USEC)
		return import_flush(k->batch);
	return 0;
out:
	sink_discard(k);
	return r;
}

int import_flush(struct object_batch *b)
{
	int r = 0;

	if (b->n == 0)
		return 0;
	if (syncfs(b->store->objects_fd) < 0)
		r = log_errno(-errno, "cannot sync %s: %m", b->store->dir);
	for (size_t i = 0; i < b->n; i++) {
		struct object_sink *k = b->ready[i];
		enum verity_result verity = VERITY_ENABLED;
		int q = r;

		if (q == 0)
			q = atomic_file_place(&k->file, k->obj->path + CFS_OBJECT_FANOUT_LEN + 1,
					      ATOMIC_FILE_VERITY, k->obj->alg, k->obj->digest,
					      &verity);
		k->placed = q == 0;
		if (q == 0 && verity == VERITY_UNSUPPORTED)
			b->store->no_verity = true;
		if (q < 0 && r == 0)
			r = q;  /* the others are discarded: the next pull fetches them */
		sink_discard(k);
	}
	b->n = 0;
	b->flushed = now_usec();
	return r;
}

int import_plan(struct store *s, const struct objlist *l, enum encoding enc, struct object_batch *b,
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
		k[m] = (struct object_sink){ .store = s, .batch = b, .obj = e, .dir_fd = -1,
					     .file = { .fd = -1 } };
		snprintf(f[m].path, sizeof(f[m].path), CFS_STORE_OBJECTS "/%s%s", e->path,
			 encoding_suffix(enc));
		encoding_fetch(&f[m], enc, e->size, &k[m].dec,
			       (struct fetch_sink){ sink_reset, sink_write, sink_done, &k[m] });
		m++;
	}
	*b = (struct object_batch){ .store = s, .flushed = now_usec() };
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
