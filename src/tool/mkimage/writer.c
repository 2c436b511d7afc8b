// SPDX-License-Identifier: MIT
/*
 * writer_build: the writer's stages in order (see writer_int.h), and the
 * choice of format version.
 */
#include "tool/mkimage/writer.h"

#include <stdlib.h>

#include "lib/image/format.h"
#include "lib/base/log.h"
#include "tool/mkimage/writer_emit.h"
#include "tool/mkimage/writer_int.h"
#include "tool/mkimage/writer_layout.h"
#include "tool/mkimage/writer_overlay.h"
#include "tool/mkimage/writer_tree.h"
#include "tool/mkimage/writer_xattr.h"

static void writer_free(struct writer *w)
{
	for (size_t i = 0; i < w->n_inodes; i++)
		free(w->inodes[i].dirents);
	free(w->inodes);
	free(w->shared);
	free(w->shared_off);
	arena_free(&w->arena);
}

/* Format 1 differs from 0 only in marking directories that hold escaped
 * whiteouts as opaque="x"; the writer uses it only when it has to. */
static unsigned pick_version(const struct writer *w, const struct writer_options *opts)
{
	if (opts->min_version < 1 && opts->max_version >= 1 && w->has_whiteout)
		return 1;
	return opts->min_version;
}

int writer_build(struct cfs_node *root, const struct writer_options *opts,
		 struct writer_image *image)
{
	struct writer w = {};
	uint8_t *data;
	int r;

	if (opts->min_version > opts->max_version || opts->max_version > CFS_MAX_FORMAT_VERSION)
		return log_errno(-EINVAL, "format versions %u..%u: the writer knows 0..%u",
				 opts->min_version, opts->max_version, CFS_MAX_FORMAT_VERSION);

	r = writer_collect_inodes(&w, root);
	if (r < 0)
		goto out;
	w.version = pick_version(&w, opts);
	r = writer_collect_xattrs(&w);
	if (r < 0)
		goto out;
	r = writer_plan_xattrs(&w);
	if (r < 0)
		goto out;
	r = writer_plan_layout(&w);
	if (r < 0)
		goto out;
	if (w.image_size > SIZE_MAX) {
		r = log_errno(-E2BIG, "the image would be larger than memory can hold");
		goto out;
	}
	data = calloc(1, (size_t)w.image_size);
	if (!data) {
		r = log_errno(-ENOMEM, "out of memory for an image of %llu bytes",
			      (unsigned long long)w.image_size);
		goto out;
	}
	writer_emit(&w, data);
	/* Tell the caller where each inode went. */
	for (size_t i = 0; i < w.n_inodes; i++)
		if (w.inodes[i].node)
			w.inodes[i].node->nid = w.inodes[i].offset / CFS_SLOT_SIZE;
	image->data = data;
	image->size = (size_t)w.image_size;
	image->version = w.version;
out:
	writer_free(&w);
	return r;
}

void writer_image_free(struct writer_image *image)
{
	free(image->data);
	image->data = NULL;
	image->size = 0;
}
