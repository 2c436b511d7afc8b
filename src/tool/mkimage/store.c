// SPDX-License-Identifier: MIT
#include "tool/mkimage/store.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool/common/atomic_file.h"
#include "lib/verity/fsverity.h"
#include "lib/base/array.h"
#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/store/layout.h"
#include "lib/base/workers.h"
#include "lib/store/lock.h"
#include "lib/store/meta.h"
#include "lib/store/store_sig.h"

struct object_list {
	const struct cfs_node **v;
	size_t n, cap;
};

/* Opens (and creates) a directory of the store; 1 when it was created. */
static int open_subdir(int parent_fd, const char *name, const char *path, int *fd)
{
	bool created = mkdirat(parent_fd, name, 0755) == 0;

	if (!created && errno != EEXIST)
		return log_errno(-errno, "cannot create %s: %m", path);
	*fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return log_errno(-errno, "cannot open %s: %m", path);
	return created;
}

static int write_meta(struct store *s)
{
	_cleanup_free_ char *text = cfs_store_meta_format(s->alg);
	struct atomic_file f = { .fd = -1 };
	enum verity_result verity = VERITY_ENABLED;
	int r;

	if (!text)
		return log_oom();
	r = atomic_file_open(&f, s->dir_fd, s->dir);
	if (r < 0)
		return r;
	r = cfs_write_full(f.fd, text, strlen(text));
	if (r < 0) {
		atomic_file_discard(&f);
		return log_errno(r, "cannot write %s/" CFS_STORE_META ": %m", s->dir);
	}
	/* composefs-rs seals meta.json where the file system can: its sign
	 * that the store's objects carry fs-verity. */
	r = atomic_file_commit(&f, CFS_STORE_META, ATOMIC_FILE_VERITY, s->alg, NULL, &verity);
	return r < 0 ? r : 0;
}

/* The store's algorithm: what meta.json says, and what --hash asked for
 * must agree with it; a new store is written the way asked. */
static int settle_algorithm(struct store *s, enum cfs_hash_alg asked, bool created)
{
	struct cfs_store_meta meta;
	char what[32];
	int r = cfs_store_meta_read(s->dir_fd, s->dir, &meta), read = r;

	if (r < 0)
		return r;
	r = cfs_store_meta_check_writable(&meta, s->dir);
	if (r < 0)
		return r;
	if (asked) {
		snprintf(what, sizeof(what), "--hash %s", cfs_hash_name(asked));
		if (cfs_store_meta_check_alg(&meta, asked, s->dir, what) < 0)
			return -EPROTONOSUPPORT;
	}
	s->alg = meta.alg ? meta.alg : asked ? asked : CFS_HASH_SHA256;
	/* An existing store without meta.json is left as it is: its objects
	 * may be of either algorithm, and a wrong meta.json would refuse them. */
	return read == 0 && created ? write_meta(s) : 0;
}

int store_open(struct store *s, const char *dir, enum cfs_hash_alg alg, unsigned threads)
{
	_cleanup_free_ char *objects = NULL, *images = NULL;
	int r, created;

	*s = (struct store){ .dir_fd = -1, .objects_fd = -1, .images_fd = -1, .lock_fd = -1,
				 .threads = threads };
	s->dir = strdup(dir);
	if (!s->dir || asprintf(&objects, "%s/" CFS_STORE_OBJECTS, dir) < 0 ||
	    asprintf(&images, "%s/" CFS_STORE_IMAGES, dir) < 0)
		return log_oom();
	r = open_subdir(AT_FDCWD, dir, dir, &s->dir_fd);
	if (r >= 0) {
		s->lock_fd = cfs_store_lock(s->dir_fd, dir, CFS_STORE_LOCK_SHARED, true);
		r = s->lock_fd;
	}
	if (r >= 0)
		r = created = open_subdir(s->dir_fd, CFS_STORE_OBJECTS, objects, &s->objects_fd);
	if (r >= 0)
		r = settle_algorithm(s, alg, created);
	if (r >= 0)
		r = open_subdir(s->dir_fd, CFS_STORE_IMAGES, images, &s->images_fd);
	if (r < 0)
		store_close(s);
	return r < 0 ? r : 0;
}

void store_close(struct store *s)
{
	cfs_closep(&s->images_fd);
	cfs_closep(&s->objects_fd);
	cfs_closep(&s->dir_fd);
	cfs_closep(&s->lock_fd);
	s->images_fd = s->objects_fd = s->dir_fd = s->lock_fd = -1;
	free(s->dir);
	s->dir = NULL;
}

/* Says once, for the whole run, that files are stored without fs-verity. */
static void note_verity(struct store *s, enum verity_result result)
{
	if (result != VERITY_UNSUPPORTED || atomic_exchange(&s->no_verity, true))
		return;
	log_notice("%s: the file system has no fs-verity, so files are stored without it; "
		   "overlayfs verity=require will refuse them", s->dir);
}

unsigned store_commit_flags(struct store *s)
{
	return atomic_load(&s->no_verity) ? 0 : ATOMIC_FILE_VERITY;
}

static int collect_objects(const struct cfs_node *node, struct object_list *l)
{
	if (node->link_to)
		return 0;
	if (S_ISREG(node->mode) && node->has_digest && node->src_path && !node->content) {
		if (CFS_GROW(l->v, l->cap, l->n + 1, 256) < 0)
			return log_oom();
		l->v[l->n++] = node;
	}
	for (size_t i = 0; i < node->n_children; i++) {
		int r = collect_objects(node->children[i], l);

		if (r < 0)
			return r;
	}
	return 0;
}

/* Every digest of a tree is of the store's algorithm (scan_tree). */
static int digest_cmp(const void *pa, const void *pb)
{
	const struct cfs_node *a = *(const struct cfs_node *const *)pa;
	const struct cfs_node *b = *(const struct cfs_node *const *)pb;

	return memcmp(a->digest, b->digest, cfs_hash_digest_size(a->digest_alg));
}

/* One object per distinct digest: sort, then drop the repeats. */
static void unique_by_digest(struct object_list *l)
{
	size_t n = 0;

	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof(*l->v), digest_cmp);
	for (size_t i = 0; i < l->n; i++)
		if (n == 0 || digest_cmp(&l->v[n - 1], &l->v[i]) != 0)
			l->v[n++] = l->v[i];
	l->n = n;
}

/* The fan-out directories objects/00 .. objects/ff, opened once. */
struct fanout {
	int fd;
	char *path;
};

struct object_job {
	const struct cfs_node *node;
	struct atomic_file f;   /* the copy, until it is placed */
};

struct object_run {
	struct store *store;
	struct fanout *fan;
	struct object_job *jobs;
};

/* objects/XX of the digest. */
static int open_fanout(struct store *s, const uint8_t *digest, struct fanout *f)
{
	char name[CFS_OBJECT_FANOUT_LEN + 1];
	int r;

	cfs_hex_encode(digest, 1, name);
	if (asprintf(&f->path, "%s/" CFS_STORE_OBJECTS "/%s", s->dir, name) < 0) {
		f->path = NULL;
		return log_oom();
	}
	r = open_subdir(s->objects_fd, name, f->path, &f->fd);
	return r < 0 ? r : 0;
}

static int open_fanouts(struct store *s, const struct object_list *l, struct fanout *fan)
{
	for (size_t i = 0; i < l->n; i++) {
		struct fanout *f = &fan[l->v[i]->digest[0]];
		int r;

		if (f->fd >= 0)
			continue;
		r = open_fanout(s, l->v[i]->digest, f);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The object's name in its fan-out directory: the digest after its first
 * byte. */
static void object_name(const uint8_t *digest, enum cfs_hash_alg alg,
			char name[CFS_DIGEST_HEX_LEN + 1])
{
	char path[CFS_OBJECT_PATH_SIZE];

	cfs_layout_object_path(digest, cfs_hash_digest_size(alg), path);
	strcpy(name, path + CFS_OBJECT_FANOUT_LEN + 1);
}

/* Phase 1, one job per object: a complete copy under a temporary name. */
static int copy_object(size_t i, void *ctx)
{
	struct object_run *run = ctx;
	struct object_job *job = &run->jobs[i];
	const struct fanout *fan = &run->fan[job->node->digest[0]];
	char name[CFS_DIGEST_HEX_LEN + 1];
	_cleanup_close_ int src_fd = -1;
	struct stat st;
	int r;

	object_name(job->node->digest, run->store->alg, name);
	if (fstatat(fan->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		atomic_fetch_add(&run->store->present, 1);
		return 0;
	}
	src_fd = open(job->node->src_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (src_fd < 0)
		return log_errno(-errno, "cannot open %s: %m", job->node->src_path);
	r = atomic_file_open(&job->f, fan->fd, fan->path);
	if (r < 0)
		return r;
	r = atomic_file_copy_from(&job->f, src_fd, job->node->src_path, &run->store->no_clone);
	if (r < 0) {
		atomic_file_discard(&job->f);
		return r;
	}
	return atomic_file_finish(&job->f, false);
}

/* Phase 2, after one sync of the file system: seal and name each copy. */
static int place_object(size_t i, void *ctx)
{
	struct object_run *run = ctx;
	struct object_job *job = &run->jobs[i];
	enum verity_result verity = VERITY_ENABLED;
	char name[CFS_DIGEST_HEX_LEN + 1];
	int r;

	if (!job->f.tmp_name[0])
		return 0;
	object_name(job->node->digest, run->store->alg, name);
	r = atomic_file_place(&job->f, name, store_commit_flags(run->store), run->store->alg,
			      job->node->digest, &verity);
	if (r < 0)
		return r;
	note_verity(run->store, verity);
	atomic_fetch_add(r == 1 ? &run->store->present : &run->store->added, 1);
	return 0;
}

/* Copying all objects before naming any lets one syncfs make every copy
 * durable, instead of an fsync per object: no name ever points at content
 * that a crash could lose. */
static int store_objects(struct store *s, const struct object_list *l, struct fanout *fan)
{
	struct object_run run = { s, fan, calloc(l->n ? l->n : 1, sizeof(struct object_job)) };
	int r;

	if (!run.jobs)
		return log_oom();
	for (size_t i = 0; i < l->n; i++)
		run.jobs[i] = (struct object_job){ .node = l->v[i], .f = { .fd = -1 } };
	r = open_fanouts(s, l, fan);
	if (r >= 0)
		r = cfs_workers_run(l->n, s->threads, copy_object, &run);
	if (r >= 0 && syncfs(s->objects_fd) < 0)
		r = log_errno(-errno, "cannot sync %s: %m", s->dir);
	if (r >= 0)
		r = cfs_workers_run(l->n, s->threads, place_object, &run);
	/* After a failure, no copy stays behind under a temporary name. */
	for (size_t i = 0; i < l->n; i++)
		atomic_file_discard(&run.jobs[i].f);
	free(run.jobs);
	return r;
}

int store_add_objects(struct store *s, const struct cfs_node *root)
{
	struct object_list objects = {};
	struct fanout fan[256];
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(fan); i++)
		fan[i] = (struct fanout){ .fd = -1 };
	r = collect_objects(root, &objects);
	if (r >= 0) {
		unique_by_digest(&objects);
		r = store_objects(s, &objects, fan);
	}
	for (size_t i = 0; i < ARRAY_SIZE(fan); i++) {
		cfs_closep(&fan[i].fd);
		free(fan[i].path);
	}
	free(objects.v);
	/* The new names must be durable before an image names them. */
	if (r >= 0 && syncfs(s->objects_fd) < 0)
		r = log_errno(-errno, "cannot sync %s: %m", s->dir);
	return r;
}

/* images/<hex> -> ../objects/XX/<rest>, as composefs-rs links an image;
 * an entry already there (a link, or an image of an earlier cfsboot) is
 * kept. */
static int link_image(struct store *s, const char *hex)
{
	_cleanup_free_ char *target = NULL;

	if (asprintf(&target, "../" CFS_STORE_OBJECTS "/%.2s/%s", hex, hex + 2) < 0)
		return log_oom();
	if (symlinkat(target, s->images_fd, hex) < 0 && errno != EEXIST)
		return log_errno(-errno, "cannot create %s/" CFS_STORE_IMAGES "/%s: %m", s->dir, hex);
	if (fsync(s->images_fd) < 0)
		return log_errno(-errno, "cannot sync %s/" CFS_STORE_IMAGES ": %m", s->dir);
	return 0;
}

int store_add_image(struct store *s, const uint8_t *data, size_t size, const uint8_t *digest)
{
	struct fanout fan = { .fd = -1 };
	struct atomic_file f = { .fd = -1 };
	enum verity_result verity = VERITY_ENABLED;
	char hex[CFS_DIGEST_HEX_LEN + 1], name[CFS_DIGEST_HEX_LEN + 1];
	int r;

	cfs_hex_encode(digest, cfs_hash_digest_size(s->alg), hex);
	object_name(digest, s->alg, name);
	r = open_fanout(s, digest, &fan);
	if (r >= 0)
		r = atomic_file_open(&f, fan.fd, fan.path);
	if (r >= 0) {
		r = cfs_write_full(f.fd, data, size);
		if (r < 0) {
			atomic_file_discard(&f);
			log_errno(r, "cannot write to %s: %m", fan.path);
		}
	}
	if (r >= 0)
		r = atomic_file_commit(&f, name, store_commit_flags(s), s->alg, digest, &verity);
	if (r >= 0) {
		note_verity(s, verity);
		r = fsync(fan.fd) < 0 ? log_errno(-errno, "cannot sync %s: %m", fan.path) : 0;
	}
	cfs_closep(&fan.fd);
	free(fan.path);
	/* The object is durable before the link names it. */
	return r < 0 ? r : link_image(s, hex);
}

int store_add_signature(struct store *s, const char *hex, const uint8_t *sig, size_t len)
{
	_cleanup_close_ int fd = cfs_store_open_signatures(s->dir_fd, s->dir);
	_cleanup_free_ char *dir = NULL;
	char name[CFS_DIGEST_HEX_LEN + sizeof(CFS_STORE_SIG_SUFFIX)];

	if (fd < 0)
		return fd;
	if (asprintf(&dir, "%s/" CFS_STORE_SIGNATURES, s->dir) < 0)
		return log_oom();
	snprintf(name, sizeof(name), "%s" CFS_STORE_SIG_SUFFIX, hex);
	return atomic_file_write(fd, dir, name, sig, len, ATOMIC_FILE_REPLACE);
}
