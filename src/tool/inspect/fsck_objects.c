// SPDX-License-Identifier: MIT
/*
 * Collecting the objects of images and checking them in the store.  Each
 * distinct (path, digest) is hashed once, however many files and images
 * share it, on a pool of threads; each job writes only its own result.
 * Objects are opened beneath the objects directory without following any
 * symlink, so a hostile redirect or a planted link cannot make fsck read
 * (or vouch for) a file outside the store.
 */
#include "tool/inspect/fsck_objects.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "tool/common/workers.h"

struct add_ctx {
	struct fsck_objects *set;
	const struct cfs_image_file *img;
	const char *image;
};

/* A store path: relative components, none empty, "." or "..". */
static bool path_stays_inside(const char *path, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t end = i;

		while (end < len && path[end] != '/')
			end++;
		if (end == i || cfs_name_is_dot(path + i, end - i))
			return false;
		i = end + 1;
	}
	return len > 0 && path[len - 1] != '/';
}

static int add_object(const struct cfs_object_ref *obj, void *userdata)
{
	struct add_ctx *ctx = userdata;
	struct fsck_objects *set = ctx->set;
	struct fsck_object *o;

	if (!obj->path) {
		set->no_redirect++;
		return 0;
	}
	if (!path_stays_inside(obj->path, obj->path_len))
		return log_errno(-EUCLEAN, "%s: nid %llu: redirect '/%.*s' leaves the object store",
				 ctx->image, (unsigned long long)obj->nid, (int)MIN(obj->path_len, 200u),
				 obj->path);
	if (set->n == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 256;

		o = reallocarray(set->v, cap, sizeof(*o));
		if (!o)
			return log_oom();
		set->v = o;
		set->cap = cap;
	}
	o = &set->v[set->n];
	*o = (struct fsck_object){ .alg = obj->alg, .image = ctx->image };
	o->path = strndup(obj->path, obj->path_len);
	if (!o->path)
		return log_oom();
	if (obj->digest)
		memcpy(o->digest, obj->digest, obj->digest_len);
	set->n++;
	return 0;
}

int fsck_objects_add_image(struct fsck_objects *set, const struct cfs_image_file *img, const char *image)
{
	struct add_ctx ctx = { set, img, image };

	return cfs_image_walk_objects(img, add_object, &ctx);
}

static int object_cmp(const void *pa, const void *pb)
{
	const struct fsck_object *a = pa, *b = pb;
	int r = strcmp(a->path, b->path);

	if (r)
		return r;
	if (a->alg != b->alg)
		return a->alg < b->alg ? -1 : 1;
	return memcmp(a->digest, b->digest, cfs_hash_digest_size(a->alg));
}

void fsck_objects_unique(struct fsck_objects *set)
{
	size_t out = 0;

	if (set->n > 1)
		qsort(set->v, set->n, sizeof(set->v[0]), object_cmp);
	for (size_t i = 0; i < set->n; i++) {
		if (out && object_cmp(&set->v[out - 1], &set->v[i]) == 0)
			free(set->v[i].path);
		else
			set->v[out++] = set->v[i];
	}
	set->n = out;
}

static int open_beneath(int dir_fd, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));

	/* Before Linux 5.6: the path has no "..", so only a symlinked
	 * directory could lead outside, and objects never sit below one. */
	if (fd < 0 && errno == ENOSYS)
		fd = openat(dir_fd, path, (int)how.flags);
	return fd;
}

struct check_ctx {
	struct fsck_objects *set;
	int objects_fd;
};

static int check_one(size_t i, void *userdata)
{
	struct check_ctx *ctx = userdata;
	struct fsck_object *o = &ctx->set->v[i];
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	fd = open_beneath(ctx->objects_fd, o->path);
	if (fd < 0) {
		o->state = errno == ENOENT || errno == ENOTDIR ? FSCK_MISSING : FSCK_CORRUPT;
		o->err = errno;
		o->not_regular = errno == ELOOP;
		return 0;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		o->state = FSCK_CORRUPT;
		o->not_regular = true;
		return 0;
	}
	o->state = FSCK_OK;
	if (!o->alg)
		return 0;
	r = cfs_verity_digest_fd(o->alg, fd, o->found);
	if (r < 0) {
		o->state = FSCK_CORRUPT;
		o->err = -r;
	} else if (memcmp(o->found, o->digest, cfs_hash_digest_size(o->alg)) != 0) {
		o->state = FSCK_CORRUPT;
	}
	return 0;
}

int fsck_objects_check(struct fsck_objects *set, int objects_fd, unsigned threads)
{
	struct check_ctx ctx = { set, objects_fd };

	return cfs_run_jobs(set->n, threads, check_one, &ctx);
}

void fsck_objects_free(struct fsck_objects *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->v[i].path);
	free(set->v);
	*set = (struct fsck_objects){};
}
