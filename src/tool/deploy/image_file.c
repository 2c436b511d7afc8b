// SPDX-License-Identifier: MIT
#include "tool/deploy/image_file.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/read_file.h"
#include "lib/base/util.h"
#include "lib/image/image.h"
#include "lib/image/image_tree.h"
#include "lib/store/layout.h"
#include "tool/deploy/site.h"
#include "lib/store/beneath.h"
#include "lib/verity/fsverity.h"

/* A kernel or an initramfs is far below this; an object is a file. */
#define FILE_MAX (1ull << 31)

int image_tree_open(const char *store, const char *hex, struct image_tree *t)
{
	_cleanup_close_ int fd = -1;
	struct cfs_image_file *img = NULL;
	int r;

	*t = (struct image_tree){ .objects_fd = -1 };
	if (asprintf(&t->name, "%s/" CFS_STORE_IMAGES "/%s", store, hex) < 0 ||
	    asprintf(&t->objects, "%s/" CFS_STORE_OBJECTS, store) < 0)
		return log_oom();
	fd = site_open_image(store, hex);
	if (fd < 0)
		return fd;
	t->objects_fd = open(t->objects, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->objects_fd < 0)
		return log_errno(-errno, "cannot open the objects %s: %m", t->objects);
	r = cfs_image_open_fd(fd, t->name, &img);
	if (r == 0)
		r = cfs_image_read_tree(img, &t->root);
	cfs_image_close(img);
	return r;
}

void image_tree_close(struct image_tree *t)
{
	cfs_node_free(t->root);
	free(t->name);
	free(t->objects);
	cfs_closep(&t->objects_fd);
	*t = (struct image_tree){ .objects_fd = -1 };
}

const struct cfs_node *image_node_find(const struct cfs_node *root, const char *path)
{
	const struct cfs_node *n = root;

	for (const char *p = path; n && *p;) {
		size_t len;

		p += strspn(p, "/");
		len = strcspn(p, "/");
		if (len == 0)
			break;
		if (cfs_node_type(n) != 0040000u)
			return NULL;
		n = cfs_node_lookup(n, p, len);
		if (n)
			n = cfs_node_resolve((struct cfs_node *)n);
		p += len;
	}
	return n;
}

const struct cfs_node *image_file_find(const struct cfs_node *root, const char *path)
{
	const struct cfs_node *n = image_node_find(root, path);

	return n && cfs_node_type(n) == 0100000u ? n : NULL;
}

int image_file_read(const struct image_tree *t, const struct cfs_node *f, const char *path,
		    uint8_t **out, size_t *len)
{
	const char *objects = t->objects;
	uint8_t got[CFS_SHA256_DIGEST_SIZE];
	char want_hex[2 * CFS_SHA256_DIGEST_SIZE + 1], got_hex[sizeof(want_hex)];
	_cleanup_close_ int fd = -1;
	int r;

	*out = NULL;
	if (!f->payload) {
		*out = malloc(f->content_len + 1);
		if (!*out)
			return log_oom();
		memcpy(*out, f->content, f->content_len);
		(*out)[f->content_len] = 0;
		*len = f->content_len;
		return 0;
	}
	if (!f->has_digest)
		return log_errno(-ENODATA, "%s in the image records no digest for its object %s, so "
				 "nothing can check it: rebuild the image with cfsboot mkimage", path,
				 f->payload);
	fd = cfs_open_beneath_regular(t->objects_fd, f->payload);
	if (fd < 0)
		return log_errno(fd, "cannot open the object %s/%s of %s: %m (cfsboot fsck --store "
				 "says what the store lacks)", objects, f->payload, path);
	r = cfs_read_fd(fd, f->payload, FILE_MAX, (char **)out, len);
	if (r == 0)
		r = cfs_verity_digest_buf(CFS_HASH_SHA256, *out, *len, got);
	if (r == 0 && memcmp(got, f->digest, sizeof(got)) != 0) {
		cfs_hex_encode(f->digest, sizeof(got), want_hex);
		cfs_hex_encode(got, sizeof(got), got_hex);
		r = log_errno(-EBADMSG, "the object %s/%s of %s has the digest %s, not %s as the image "
			      "says: the store is corrupt (cfsboot fsck --store names every such object)",
			      objects, f->payload, path, got_hex, want_hex);
	}
	if (r < 0) {
		free(*out);
		*out = NULL;
	}
	return r;
}

int image_file_kernel(const struct cfs_node *root, const char *image, const char **kver)
{
	const struct cfs_node *mods = root;
	static const char *const parts[] = { "usr", "lib", "modules" };
	size_t found = 0;

	for (size_t i = 0; mods && i < ARRAY_SIZE(parts); i++)
		mods = cfs_node_lookup(mods, parts[i], strlen(parts[i]));
	for (size_t i = 0; mods && i < mods->n_children; i++) {
		const struct cfs_node *c = mods->children[i];

		if (cfs_node_type(c) == 0040000u && image_file_find(c, "vmlinuz")) {
			*kver = c->name;
			found++;
		}
	}
	if (found == 0)
		return log_errno(-ENOENT, "the image %s ships no kernel: it needs "
				 "/usr/lib/modules/<kver>/vmlinuz and initramfs.img beside it", image);
	if (found > 1)
		return log_errno(-ENOTUNIQ, "the image %s ships %zu kernels in /usr/lib/modules: "
				 "deploy boots the one kernel an image carries; remove the others",
				 image, found);
	return 0;
}
