// SPDX-License-Identifier: MIT
/*
 * The image names an object by its trusted.overlay.redirect ("/ab/cdef...")
 * and pins its content by the digest in trusted.overlay.metacopy, which is
 * what overlayfs verity=require compares with the object's fs-verity
 * digest.  This file makes the same comparison in user space.  Objects are
 * opened beneath the objects directory without following links, like
 * everything on the physical root, so a redirect cannot lead out of it.
 *
 * Many files share an object (identical content), so the references are
 * collected, sorted by object, and each object is read once.
 */
#include "pivot/verify/objects.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/store/beneath.h"
#include "lib/store/layout.h"
#include "pivot/boot/digest.h"
#include "lib/base/hex.h"
#include "lib/image/image.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "pivot/verify/verity.h"

/* Object paths are "xx/<62 or 126 hex>" (layout.h); anything far longer is not one. */
#define OBJECT_PATH_MAX CFS_OBJECT_REDIRECT_MAX

struct ref {
	const char *path;         /* into the image's bytes, not NUL-terminated */
	size_t path_len;
	struct pivot_digest digest;
	uint64_t nid;
};

struct refs {
	struct ref *v;
	size_t n, cap;
	const char *image_name;
};

/* What a reference must be for cfs-pivot to check it: a redirect naming
 * an object beneath the objects directory, and a digest to compare with. */
static int check_ref(const struct cfs_object_ref *o, const char *image_name, char *path)
{
	if (!o->path)
		return log_errno(-EUCLEAN, "%s: nid %llu has its content in the store but no "
				 "trusted.overlay.redirect naming the object", image_name,
				 (unsigned long long)o->nid);
	if (o->path_len >= OBJECT_PATH_MAX)
		return log_errno(-EUCLEAN, "%s: nid %llu names an object with a %zu-byte path, too "
				 "long for an object", image_name, (unsigned long long)o->nid, o->path_len);
	memcpy(path, o->path, o->path_len);
	path[o->path_len] = '\0';
	if (!cfs_path_is_normal(path))
		return log_errno(-EUCLEAN, "%s: nid %llu names the object '%s', which is not a path "
				 "inside the objects directory", image_name, (unsigned long long)o->nid, path);
	if (!o->alg)
		return log_errno(-ENODATA, "%s: nid %llu records no digest for its object %s, so "
				 "nothing can check its content (rebuild the image with digests)",
				 image_name, (unsigned long long)o->nid, path);
	return 0;
}

static int collect(const struct cfs_object_ref *o, void *userdata)
{
	struct refs *refs = userdata;
	char path[OBJECT_PATH_MAX];
	struct ref *r;
	int ret;

	ret = check_ref(o, refs->image_name, path);
	if (ret < 0)
		return ret;
	if (refs->n == refs->cap) {
		size_t cap = refs->cap ? 2 * refs->cap : 1024;

		r = reallocarray(refs->v, cap, sizeof(*r));
		if (!r)
			return log_oom();
		refs->v = r;
		refs->cap = cap;
	}
	r = &refs->v[refs->n++];
	*r = (struct ref){ .path = o->path, .path_len = o->path_len, .nid = o->nid };
	r->digest.alg = o->alg;
	memcpy(r->digest.bytes, o->digest, o->digest_len);
	return 0;
}

static int compare_path(const struct ref *a, const struct ref *b)
{
	int c = memcmp(a->path, b->path, MIN(a->path_len, b->path_len));

	if (c)
		return c;
	return a->path_len < b->path_len ? -1 : a->path_len > b->path_len;
}

/* By object, then by algorithm, so that each algorithm is computed once. */
static int compare_refs(const void *x, const void *y)
{
	const struct ref *a = x, *b = y;
	int c = compare_path(a, b);

	if (c)
		return c;
	return (int)a->digest.alg - (int)b->digest.alg;
}

/* Opens an object for reading; it must be a regular file. */
static int open_object(int objects_fd, const char *objects_name, const char *path, uint64_t nid)
{
	_cleanup_close_ int path_fd = cfs_open_beneath(objects_fd, path, false);
	struct stat st;
	int fd;

	if (path_fd == -ENOENT)
		return log_errno(path_fd, "object %s/%s (nid %llu) is missing (the store is "
				 "incomplete: deploy the image with its objects)", objects_name, path,
				 (unsigned long long)nid);
	if (path_fd < 0)
		return log_errno(path_fd, "refusing object %s/%s (nid %llu): %m (objects are opened "
				 "without following links or crossing mount points)", objects_name, path,
				 (unsigned long long)nid);
	if (fstat(path_fd, &st) < 0)
		return log_errno(-errno, "cannot stat object %s/%s: %m", objects_name, path);
	if (!S_ISREG(st.st_mode))
		return log_errno(-EUCLEAN, "refusing object %s/%s (nid %llu): not a regular file",
				 objects_name, path, (unsigned long long)nid);
	fd = cfs_reopen_read(path_fd);
	if (fd < 0)
		return log_errno(fd, "cannot open object %s/%s: %m", objects_name, path);
	return fd;
}

static int mismatch(const char *objects_name, const char *path, const struct ref *want,
		    const struct pivot_digest *have)
{
	char have_hex[PIVOT_DIGEST_HEX_MAX], want_hex[PIVOT_DIGEST_HEX_MAX];

	pivot_digest_hex(have, have_hex);
	pivot_digest_hex(&want->digest, want_hex);
	return log_errno(-EBADMSG, "refusing object %s/%s (nid %llu): its fs-verity digest is "
			 "%s:%s, but the image records %s:%s (the store is damaged: redeploy the "
			 "image's objects)", objects_name, path, (unsigned long long)want->nid,
			 cfs_hash_name(have->alg), have_hex, cfs_hash_name(want->digest.alg), want_hex);
}

/* Checks one object against every reference to it, refs[0..n). */
static int check_object(int objects_fd, const char *objects_name, const struct ref *refs,
			size_t n, bool *by_kernel)
{
	char path[OBJECT_PATH_MAX];
	struct pivot_digest have = {};
	_cleanup_close_ int fd = -1;
	int r;

	memcpy(path, refs[0].path, refs[0].path_len);
	path[refs[0].path_len] = '\0';
	fd = open_object(objects_fd, objects_name, path, refs[0].nid);
	if (fd < 0)
		return fd;

	r = pivot_measure_verity(fd, &have);
	if (r < 0)
		return log_errno(r, "cannot measure object %s/%s: %m", objects_name, path);
	*by_kernel = r > 0;
	for (size_t i = 0; i < n; i++) {
		/* Computed once per algorithm: the refs are sorted by it. */
		if (!*by_kernel && have.alg != refs[i].digest.alg) {
			have.alg = refs[i].digest.alg;
			r = cfs_verity_digest_fd(have.alg, fd, have.bytes);
			if (r < 0)
				return log_errno(r, "cannot read object %s/%s: %m", objects_name, path);
		}
		if (!pivot_digest_equal(&have, &refs[i].digest))
			return mismatch(objects_name, path, &refs[i], &have);
	}
	return 0;
}

int pivot_objects_check_all(int image_fd, const char *image_name, int objects_fd,
			    const char *objects_name, struct pivot_objects_report *rep)
{
	struct cfs_image_file *img = NULL;
	struct refs refs = { .image_name = image_name };
	int r;

	*rep = (struct pivot_objects_report){};
	r = cfs_image_open_fd(image_fd, image_name, &img);
	if (r < 0)
		return r;
	r = cfs_image_walk_objects(img, collect, &refs);
	if (r < 0)
		goto out;

	qsort(refs.v, refs.n, sizeof(*refs.v), compare_refs);
	rep->files = refs.n;
	for (size_t i = 0, j; i < refs.n; i = j) {
		bool by_kernel = false;

		for (j = i + 1; j < refs.n && compare_path(&refs.v[i], &refs.v[j]) == 0; j++)
			;
		r = check_object(objects_fd, objects_name, &refs.v[i], j - i, &by_kernel);
		if (r < 0)
			goto out;
		rep->objects++;
		rep->by_kernel += by_kernel;
	}
out:
	free(refs.v);
	cfs_image_close(img);
	return r;
}

/* Keeps the first reference and stops the walk. */
static int first_ref(const struct cfs_object_ref *o, void *userdata)
{
	int r = collect(o, userdata);

	return r < 0 ? r : -ECANCELED;
}

/* The first object must have fs-verity, with the digest the image records. */
static int check_has_verity(int objects_fd, const char *objects_name, const struct ref *ref)
{
	char path[OBJECT_PATH_MAX];
	_cleanup_close_ int fd = -1;
	struct pivot_digest have;
	int r;

	memcpy(path, ref->path, ref->path_len);
	path[ref->path_len] = '\0';
	fd = open_object(objects_fd, objects_name, path, ref->nid);
	if (fd < 0)
		return fd;
	r = pivot_measure_verity(fd, &have);
	if (r < 0)
		return log_errno(r, "cannot measure object %s/%s: %m", objects_name, path);
	if (r == 0)
		return log_errno(-ENODATA, "refusing object %s/%s (nid %llu): it has no fs-verity, and "
				 "overlayfs verity=require refuses to read a file whose object has none "
				 "(enable fs-verity on every object of the store, or set verity = "
				 "boot-check in pivot.conf)", objects_name, path,
				 (unsigned long long)ref->nid);
	if (!pivot_digest_equal(&have, &ref->digest))
		return mismatch(objects_name, path, ref, &have);
	return 0;
}

int pivot_objects_spot_check(int image_fd, const char *image_name, int objects_fd,
			     const char *objects_name)
{
	struct cfs_image_file *img = NULL;
	struct refs refs = { .image_name = image_name };
	int r;

	/* Read, not mapped: fs-verity fails a read of a corrupted page with
	 * EIO, which refuses the boot in one line, where a mapping would
	 * kill PID 1 with SIGBUS and panic the kernel. */
	r = cfs_image_open_fd(image_fd, image_name, &img);
	if (r == 0)
		r = cfs_image_walk_objects(img, first_ref, &refs);
	if (r == -ECANCELED)
		r = check_has_verity(objects_fd, objects_name, &refs.v[0]);
	cfs_image_close(img);
	free(refs.v);
	return r;
}
