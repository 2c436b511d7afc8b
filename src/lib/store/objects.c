// SPDX-License-Identifier: MIT
/*
 * Many files share an object (identical content), so references are
 * collected, sorted by object, and each object is opened and read once,
 * however many files and images name it.  Paths are copied back to back
 * into one buffer: a boot check holds one entry per file of the image, and
 * fsck the entries of every image of a store after closing them.
 *
 * A reference is accepted only if the boot could check it: a redirect
 * naming a normal path below the objects directory, so that it cannot
 * lead out of it, and a digest to compare with.
 */
#include "lib/store/objects.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/base/array.h"
#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/base/workers.h"
#include "lib/image/image_objects.h"
#include "lib/image/tree.h"
#include "lib/store/beneath.h"
#include "lib/store/exposure.h"
#include "lib/store/layout.h"

struct add_ctx {
	struct cfs_objects *set;
	const char *image;
	size_t added;
};

/* What a reference must be for the boot to check it (see objects.h). */
static int check_ref(const struct cfs_object_ref *o, const char *image)
{
	char path[CFS_OBJECT_REDIRECT_MAX];
	const char *why = NULL;

	if (!o->path)
		why = "has its content in the store but no trusted.overlay.redirect naming the object";
	else if (o->path_len >= sizeof(path))
		why = "names an object with a path too long for an object";
	if (why)
		return log_errno(-EUCLEAN, "%s: nid %llu %s", image, (unsigned long long)o->nid, why);
	memcpy(path, o->path, o->path_len);
	path[o->path_len] = '\0';
	if (!cfs_path_is_normal(path))
		return log_errno(-EUCLEAN, "%s: nid %llu: redirect '/%s' leaves the object store (it "
				 "is no normal path below the objects directory)", image,
				 (unsigned long long)o->nid, path);
	if (!o->alg)
		return log_errno(-ENODATA, "%s: nid %llu records no digest for its object %s, so "
				 "nothing can check its content (rebuild the image with digests)",
				 image, (unsigned long long)o->nid, path);
	return 0;
}

static int add_ref(const struct cfs_object_ref *o, void *userdata)
{
	struct add_ctx *ctx = userdata;
	struct cfs_objects *set = ctx->set;
	struct cfs_object *e;
	int r;

	if (!set->list_all) {
		r = check_ref(o, ctx->image);
		if (r < 0)
			return r;
	}
	if (CFS_GROW(set->v, set->cap, set->n + 1, 256) < 0 ||
	    (o->path && CFS_GROW(set->paths, set->paths_cap, set->paths_len + o->path_len + 1,
				 16384) < 0))
		return log_oom();
	e = &set->v[set->n++];
	*e = (struct cfs_object){ .path = SIZE_MAX, .path_len = o->path_len, .nid = o->nid,
				  .image = ctx->image };
	if (o->path) {
		e->path = set->paths_len;
		memcpy(set->paths + set->paths_len, o->path, o->path_len);
		set->paths[set->paths_len + o->path_len] = '\0';
		set->paths_len += o->path_len + 1;
	}
	e->want.alg = o->alg;
	if (o->digest)
		memcpy(e->want.bytes, o->digest, MIN(o->digest_len, sizeof(e->want.bytes)));
	ctx->added++;
	/* The spot check needs one reference, not the walk of the image. */
	return set->limit && ctx->added >= set->limit ? -ECANCELED : 0;
}

int cfs_objects_add_image(struct cfs_objects *set, const struct cfs_image_file *img,
			  const char *image)
{
	struct add_ctx ctx = { .set = set, .image = image };
	size_t n = set->n, paths_len = set->paths_len;
	int r;

	r = cfs_image_walk_objects(img, add_ref, &ctx);
	if (r == -ECANCELED)
		r = 0;
	if (r < 0) {
		set->n = n;
		set->paths_len = paths_len;
		return r;
	}
	set->files += ctx.added;
	return 0;
}

const char *cfs_object_path(const struct cfs_objects *set, const struct cfs_object *o)
{
	return o->path == SIZE_MAX ? NULL : set->paths + o->path;
}

static int path_cmp(const struct cfs_objects *set, const struct cfs_object *a,
		    const struct cfs_object *b)
{
	bool ha = a->path != SIZE_MAX, hb = b->path != SIZE_MAX;

	if (!ha || !hb)
		return (int)ha - (int)hb;
	return cfs_name_cmp(set->paths + a->path, a->path_len, set->paths + b->path, b->path_len);
}

static int entry_cmp(const void *x, const void *y, void *userdata)
{
	const struct cfs_object *a = x, *b = y;
	int r = path_cmp(userdata, a, b);

	if (r)
		return r;
	if (a->want.alg != b->want.alg)
		return a->want.alg < b->want.alg ? -1 : 1;
	return memcmp(a->want.bytes, b->want.bytes, cfs_hash_digest_size(a->want.alg));
}

void cfs_objects_sort(struct cfs_objects *set)
{
	size_t out = 0;

	if (set->n > 1)
		qsort_r(set->v, set->n, sizeof(*set->v), entry_cmp, set);
	for (size_t i = 0; i < set->n; i++)
		if (out == 0 || entry_cmp(&set->v[out - 1], &set->v[i], set) != 0)
			set->v[out++] = set->v[i];
	set->n = out;
}

bool cfs_objects_has_path(const struct cfs_objects *set, const char *path)
{
	size_t lo = 0, hi = set->n, len = strlen(path);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cfs_object *o = &set->v[mid];
		int c = o->path == SIZE_MAX ? -1 :
			cfs_name_cmp(set->paths + o->path, o->path_len, path, len);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

size_t cfs_objects_group_end(const struct cfs_objects *set, size_t i)
{
	size_t j = i + 1;

	while (j < set->n && path_cmp(set, &set->v[i], &set->v[j]) == 0)
		j++;
	return j;
}

static bool digest_equal(const struct cfs_verity_digest *a, const struct cfs_verity_digest *b)
{
	return a->alg == b->alg && memcmp(a->bytes, b->bytes, cfs_hash_digest_size(a->alg)) == 0;
}

/* The one line for the refusal of entry o, of error r. */
static int log_refusal(const struct cfs_objects *set, const struct cfs_object *o,
		       const char *objects_name, int r, const char *doing)
{
	const char *path = cfs_object_path(set, o);
	unsigned long long nid = (unsigned long long)o->nid;
	char have[CFS_DIGEST_HEX_LEN + 1], want[CFS_DIGEST_HEX_LEN + 1];

	switch (r) {
	case -ENOENT:
		return log_errno(r, "object %s/%s (nid %llu) is missing (the store is incomplete: "
				 "cfsboot mkimage --store of the image's tree adds its objects)",
				 objects_name, path, nid);
	case -EUCLEAN:
		return log_errno(r, "refusing object %s/%s (nid %llu): not a regular file",
				 objects_name, path, nid);
	case -EPERM:
		return log_errno(r, "refusing object %s/%s (nid %llu): %s, so someone other than "
				 "root could change it after the boot checked it, and verity = "
				 "boot-check does not check it again (make the store root's, chmod "
				 "go-w, one link per object: cfsboot mkimage --store writes it so)",
				 objects_name, path, nid, o->exposed);
	case -ENODATA:
		return log_errno(r, "refusing object %s/%s (nid %llu): it has no fs-verity, and "
				 "overlayfs verity=require refuses to read a file whose object has none "
				 "(enable fs-verity on every object of the store, or set verity = "
				 "boot-check in pivot.conf)", objects_name, path, nid);
	case -EBADMSG:
		cfs_hex_encode(o->found->bytes, cfs_hash_digest_size(o->found->alg), have);
		cfs_hex_encode(o->want.bytes, cfs_hash_digest_size(o->want.alg), want);
		return log_errno(r, "refusing object %s/%s (nid %llu): its fs-verity digest is "
				 "%s:%s, but the image records %s:%s (the store is damaged: remove the "
				 "object, and cfsboot mkimage --store of the image's tree adds it "
				 "again)", objects_name, path, nid, cfs_hash_name(o->found->alg), have,
				 cfs_hash_name(o->want.alg), want);
	}
	if (doing)
		return log_errno(r, "cannot %s object %s/%s: %m", doing, objects_name, path);
	return log_errno(r, "refusing object %s/%s (nid %llu): %m (objects are opened without "
			 "following links or crossing mount points)", objects_name, path, nid);
}

/* Sets the verdict of entry o; the group's first refusal is logged when
 * asked.  Returns r. */
static int verdict(struct cfs_objects *set, struct cfs_object *o, int r, bool by_kernel,
		   const struct cfs_verity_digest *have, const char *exposed,
		   const char *objects_name, unsigned *flags, const char *doing)
{
	o->checked = true;
	o->by_kernel = by_kernel;
	o->err = r;
	o->doing = doing;
	if (r == -EBADMSG) {
		o->found = malloc(sizeof(*o->found));
		if (!o->found)
			return o->err = log_oom();
		*o->found = *have;
	}
	if (r == -EPERM) {
		o->exposed = strdup(exposed);
		if (!o->exposed)
			return o->err = log_oom();
	}
	if (r < 0 && (*flags & CFS_OBJECTS_LOG)) {
		*flags &= ~CFS_OBJECTS_LOG;
		log_refusal(set, o, objects_name, r, doing);
	}
	return r;
}

/*
 * -EPERM with why filled when someone other than root could change the
 * object open at fd after the check: the object itself unless the kernel
 * checks it, and, whatever it is, each directory on its path, the objects
 * directory included, since whoever can write one of them can put another
 * file in its place, which nothing checks under verity = boot-check.
 */
static int check_exposure(int fd, bool by_kernel, int objects_fd, const char *path,
			  char *why, size_t size)
{
	char what[CFS_EXPOSED_MAX], dir[CFS_OBJECT_REDIRECT_MAX];
	struct stat st;

	if (!by_kernel) {
		if (fstat(fd, &st) < 0)
			return -errno;
		if (cfs_store_exposed(&st, what) < 0) {
			snprintf(why, size, "it %s", what);
			return -EPERM;
		}
	}
	if (fstat(objects_fd, &st) < 0)
		return -errno;
	if (cfs_store_exposed(&st, what) < 0) {
		snprintf(why, size, "the objects directory %s", what);
		return -EPERM;
	}
	/* The path is normal (check_ref()) and was just opened without links. */
	for (const char *slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		if (fstatat(objects_fd, dir, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		if (cfs_store_exposed(&st, what) < 0) {
			snprintf(why, size, "its directory %s %s", dir, what);
			return -EPERM;
		}
	}
	return 0;
}

/* Returned by check_group() for an object left to cfs_objects_check_all()'s
 * second phase: at least split_min bytes, to be hashed on all threads. */
#define CHECK_DEFERRED 1

static int check_group(struct cfs_objects *set, size_t i, size_t end, int objects_fd,
		       const char *objects_name, unsigned flags, unsigned threads, off_t split_min)
{
	struct cfs_object *v = set->v;
	struct cfs_verity_digest have = {};
	char exposed[CFS_OBJECT_REDIRECT_MAX + CFS_EXPOSED_MAX + 32] = "";
	const char *doing = NULL;
	_cleanup_close_ int fd = -1;
	bool by_kernel = false;
	struct stat st;
	int r, first = 0;

	fd = cfs_open_beneath_regular(objects_fd, cfs_object_path(set, &v[i]));
	r = fd < 0 ? fd : cfs_verity_measure(fd, &have.alg, have.bytes);
	if (fd >= 0 && r < 0)
		doing = "measure";
	by_kernel = r > 0;
	if (r == 0 && split_min && fstat(fd, &st) == 0 && st.st_size >= split_min)
		return CHECK_DEFERRED;
	if (r == 0 && (flags & CFS_OBJECTS_KERNEL_ONLY))
		r = -ENODATA;
	if (r >= 0 && !(flags & CFS_OBJECTS_KERNEL_ONLY))
		r = check_exposure(fd, by_kernel, objects_fd, cfs_object_path(set, &v[i]), exposed,
				   sizeof(exposed));
	for (size_t k = i; k < end; k++) {
		/* Computed once per algorithm: the entries are sorted by it. */
		if (r >= 0 && !by_kernel && have.alg != v[k].want.alg) {
			have.alg = v[k].want.alg;
			r = cfs_verity_digest_fd(have.alg, fd, threads, have.bytes);
			doing = r < 0 ? "read" : NULL;
		}
		if (r >= 0)
			r = digest_equal(&have, &v[k].want) ? 0 : -EBADMSG;
		r = verdict(set, &v[k], r, by_kernel, &have, exposed, objects_name, &flags, doing);
		if (first == 0)
			first = r;
		if (r == -EBADMSG)
			r = 0;
	}
	return first;
}

int cfs_objects_check_group(struct cfs_objects *set, size_t i, size_t end, int objects_fd,
			    const char *objects_name, unsigned flags)
{
	return check_group(set, i, end, objects_fd, objects_name, flags, 1, 0);
}

struct check_all {
	struct cfs_objects *set;
	int objects_fd;
	unsigned flags;
	off_t split_min;
};

/* A job of the first phase: entry i, if it starts a group. */
static int check_small(size_t i, void *userdata)
{
	struct check_all *c = userdata;
	struct cfs_objects *set = c->set;
	int r;

	if (i > 0 && path_cmp(set, &set->v[i - 1], &set->v[i]) == 0)
		return 0;
	r = check_group(set, i, cfs_objects_group_end(set, i), c->objects_fd, NULL,
			c->flags & ~CFS_OBJECTS_LOG, 1, c->split_min);
	return r < 0 && (c->flags & CFS_OBJECTS_STOP) ? r : 0;
}

/* The index of the first entry refused, in the set's order, or set->n. */
static size_t first_refusal(const struct cfs_objects *set)
{
	size_t i = 0;

	while (i < set->n && !(set->v[i].checked && set->v[i].err))
		i++;
	return i;
}

int cfs_objects_check_all(struct cfs_objects *set, int objects_fd, const char *objects_name,
			  unsigned flags, unsigned threads)
{
	struct check_all c = { .set = set, .objects_fd = objects_fd, .flags = flags };
	size_t end = set->n, first;

	if (threads == 0)
		threads = cfs_workers_default_threads();
	/* With one thread, nothing is gained by leaving large objects for later. */
	c.split_min = threads > 1 ? CFS_VERITY_SPLIT_MIN : 0;
	cfs_workers_run(set->n, threads, check_small, &c);
	/* Jobs start in the set's order, so with CFS_OBJECTS_STOP every group
	 * before the first refusal was checked or left for now: checking
	 * those makes the refusal reported the first in order. */
	if (flags & CFS_OBJECTS_STOP)
		end = first_refusal(set);
	for (size_t i = 0; i < end; i++) {
		if (set->v[i].checked || (i > 0 && path_cmp(set, &set->v[i - 1], &set->v[i]) == 0))
			continue;
		if (check_group(set, i, cfs_objects_group_end(set, i), objects_fd, NULL,
				flags & ~CFS_OBJECTS_LOG, threads, 0) < 0 &&
		    (flags & CFS_OBJECTS_STOP))
			break;
	}
	first = first_refusal(set);
	if (first == set->n)
		return 0;
	if (flags & CFS_OBJECTS_LOG)
		log_refusal(set, &set->v[first], objects_name, set->v[first].err, set->v[first].doing);
	return set->v[first].err;
}

void cfs_objects_free(struct cfs_objects *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->v[i].found);
		free(set->v[i].exposed);
	}
	free(set->v);
	free(set->paths);
	*set = (struct cfs_objects){};
}
