// SPDX-License-Identifier: MIT
#include "store.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "format.h"
#include "fsverity.h"
#include "hex.h"
#include "log.h"
#include "util.h"
#include "workers.h"

#define HEX_DIGEST_LEN (2 * CFS_SHA256_DIGEST_SIZE)

struct object_list {
	const struct cfs_node **v;
	size_t n, cap;
};

static int open_subdir(int parent_fd, const char *name, const char *path, int *fd)
{
	if (mkdirat(parent_fd, name, 0755) < 0 && errno != EEXIST)
		return log_errno(-errno, "cannot create %s: %m", path);
	*fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return log_errno(-errno, "cannot open %s: %m", path);
	return 0;
}

int cfs_store_open(struct cfs_store *s, const char *dir, unsigned threads)
{
	_cleanup_free_ char *objects = NULL, *images = NULL;
	int r;

	*s = (struct cfs_store){ .dir_fd = -1, .objects_fd = -1, .images_fd = -1,
				 .threads = threads };
	s->dir = strdup(dir);
	if (!s->dir || asprintf(&objects, "%s/objects", dir) < 0 ||
	    asprintf(&images, "%s/images", dir) < 0)
		return log_oom();
	r = open_subdir(AT_FDCWD, dir, dir, &s->dir_fd);
	if (r >= 0)
		r = open_subdir(s->dir_fd, "objects", objects, &s->objects_fd);
	if (r >= 0)
		r = open_subdir(s->dir_fd, "images", images, &s->images_fd);
	if (r < 0)
		cfs_store_close(s);
	return r;
}

void cfs_store_close(struct cfs_store *s)
{
	cfs_closep(&s->images_fd);
	cfs_closep(&s->objects_fd);
	cfs_closep(&s->dir_fd);
	s->images_fd = s->objects_fd = s->dir_fd = -1;
	free(s->dir);
	s->dir = NULL;
}

/* Says once, for the whole run, that files are stored without fs-verity. */
static void note_verity(struct cfs_store *s, enum cfs_verity_result result)
{
	if (result != CFS_VERITY_UNSUPPORTED || atomic_exchange(&s->no_verity, true))
		return;
	log_notice("%s: the file system has no fs-verity, so files are stored without it; "
		   "overlayfs verity=require will refuse them", s->dir);
}

static unsigned commit_flags(struct cfs_store *s)
{
	return atomic_load(&s->no_verity) ? 0 : CFS_ATOMIC_VERITY;
}

static int collect_objects(const struct cfs_node *node, struct object_list *l)
{
	if (node->link_to)
		return 0;
	if (S_ISREG(node->mode) && node->has_digest && node->src_path && !node->content) {
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 256;
			const struct cfs_node **v = reallocarray(l->v, cap, sizeof(*v));

			if (!v)
				return log_oom();
			l->v = v;
			l->cap = cap;
		}
		l->v[l->n++] = node;
	}
	for (size_t i = 0; i < node->n_children; i++) {
		int r = collect_objects(node->children[i], l);

		if (r < 0)
			return r;
	}
	return 0;
}

static int digest_cmp(const void *pa, const void *pb)
{
	const struct cfs_node *a = *(const struct cfs_node *const *)pa;
	const struct cfs_node *b = *(const struct cfs_node *const *)pb;

	return memcmp(a->digest, b->digest, CFS_SHA256_DIGEST_SIZE);
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

struct object_job {
	struct cfs_store *store;
	struct object_list *objects;
};

static int store_object(size_t i, void *ctx)
{
	struct object_job *job = ctx;
	struct cfs_store *s = job->store;
	const struct cfs_node *node = job->objects->v[i];
	struct cfs_atomic_file f = { .fd = -1 };
	enum cfs_verity_result verity = CFS_VERITY_ENABLED;
	char hex[HEX_DIGEST_LEN + 1], fan[3], name[HEX_DIGEST_LEN + 2];
	_cleanup_free_ char *fan_path = NULL;
	_cleanup_close_ int fan_fd = -1, src_fd = -1;
	struct stat st;
	int r;

	cfs_hex_encode(node->digest, CFS_SHA256_DIGEST_SIZE, hex);
	memcpy(fan, hex, 2);
	fan[2] = '\0';
	snprintf(name, sizeof(name), "%s/%s", fan, hex + 2);
	if (fstatat(s->objects_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		atomic_fetch_add(&s->present, 1);
		return 0;
	}
	if (asprintf(&fan_path, "%s/objects/%s", s->dir, fan) < 0)
		return log_oom();
	r = open_subdir(s->objects_fd, fan, fan_path, &fan_fd);
	if (r < 0)
		return r;
	src_fd = open(node->src_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (src_fd < 0)
		return log_errno(-errno, "cannot open %s: %m", node->src_path);

	r = cfs_atomic_open(&f, fan_fd, fan_path);
	if (r < 0)
		return r;
	r = cfs_atomic_copy_from(&f, src_fd, node->src_path);
	if (r < 0) {
		cfs_atomic_discard(&f);
		return r;
	}
	r = cfs_atomic_commit(&f, hex + 2, commit_flags(s), node->digest, &verity);
	if (r < 0)
		return r;
	note_verity(s, verity);
	atomic_fetch_add(r == 1 ? &s->present : &s->added, 1);
	return 0;
}

int cfs_store_add_objects(struct cfs_store *s, const struct cfs_node *root)
{
	struct object_list objects = {};
	struct object_job job = { s, &objects };
	int r = collect_objects(root, &objects);

	if (r >= 0) {
		unique_by_digest(&objects);
		r = cfs_run_jobs(objects.n, s->threads, store_object, &job);
	}
	free(objects.v);
	if (r < 0)
		return r;
	if (syncfs(s->objects_fd) < 0)
		return log_errno(-errno, "cannot sync %s: %m", s->dir);
	return 0;
}

int cfs_store_add_image(struct cfs_store *s, const uint8_t *data, size_t size,
			const uint8_t digest[32])
{
	struct cfs_atomic_file f = { .fd = -1 };
	enum cfs_verity_result verity = CFS_VERITY_ENABLED;
	char hex[HEX_DIGEST_LEN + 1];
	_cleanup_free_ char *images = NULL;
	int r;

	cfs_hex_encode(digest, CFS_SHA256_DIGEST_SIZE, hex);
	if (faccessat(s->images_fd, hex, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (asprintf(&images, "%s/images", s->dir) < 0)
		return log_oom();
	r = cfs_atomic_open(&f, s->images_fd, images);
	if (r < 0)
		return r;
	r = cfs_write_full(f.fd, data, size);
	if (r < 0) {
		cfs_atomic_discard(&f);
		return log_errno(r, "cannot write to %s: %m", images);
	}
	r = cfs_atomic_commit(&f, hex, commit_flags(s), digest, &verity);
	if (r < 0)
		return r;
	note_verity(s, verity);
	if (fsync(s->images_fd) < 0)
		return log_errno(-errno, "cannot sync %s: %m", images);
	return 0;
}
