// SPDX-License-Identifier: MIT
#include "tool/pull/objlist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/array.h"
#include "lib/base/log.h"
#include "lib/image/image_objects.h"

struct walk {
	struct objlist *l;
	const char *image;
};

static int add(const struct cfs_object_ref *o, void *ud)
{
	const struct walk *w = ud;
	struct objlist *l = w->l;
	struct objlist_entry *e;
	size_t len = cfs_hash_digest_size(o->alg);

	if (!o->alg || !o->path || o->digest_len != len)
		return log_errno(-EBADMSG, "image %s: inode %llu names an object without a digest "
				 "or a redirect, which no store can hold; refused", w->image,
				 (unsigned long long)o->nid);
	if (CFS_GROW(l->v, l->cap, l->n + 1, 256) < 0)
		return log_oom();
	e = &l->v[l->n];
	cfs_layout_object_path(o->digest, len, e->path);
	if (o->path_len != strlen(e->path) || memcmp(o->path, e->path, o->path_len) != 0)
		return log_errno(-EBADMSG, "image %s: inode %llu redirects to '%.*s', not to the "
				 "name of its digest %s, which may leave the object directory; refused",
				 w->image, (unsigned long long)o->nid, (int)(o->path_len > 200 ? 200 : o->path_len),
				 o->path, e->path);
	e->alg = o->alg;
	memcpy(e->digest, o->digest, len);
	e->size = o->size;
	l->n++;
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct objlist_entry *)a)->path,
		      ((const struct objlist_entry *)b)->path);
}

int objlist_build(const struct cfs_image_file *img, struct objlist *l)
{
	size_t k = 0;
	int r;

	memset(l, 0, sizeof(*l));
	r = cfs_image_walk_objects(img, add, &(struct walk){ l, cfs_image_name(img) });
	if (r < 0)
		return r;
	qsort(l->v, l->n, sizeof(*l->v), by_path);
	for (size_t i = 0; i < l->n; i++) {
		if (k > 0 && strcmp(l->v[k - 1].path, l->v[i].path) == 0) {
			if (l->v[k - 1].size != l->v[i].size)
				return log_errno(-EBADMSG, "image %s: object %s is recorded with two "
						 "sizes; refused", cfs_image_name(img), l->v[i].path);
			continue;
		}
		l->v[k++] = l->v[i];
		l->bytes += l->v[i].size;
	}
	l->n = k;
	return 0;
}

void objlist_free(struct objlist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}
