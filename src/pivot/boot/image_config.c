// SPDX-License-Identifier: MIT
/*
 * The file is found in the image with the checked reader (lib/image),
 * walking its directories by name without following links.  Its content
 * is in the image (a file small enough to be inline) or in a store object;
 * the object is hashed here whatever the verity mode, so the bytes parsed
 * are the bytes the signed image names, with no kernel fs-verity needed.
 */
#include "pivot/boot/image_config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/base/log.h"
#include "pivot/boot/errors.h"
#include "lib/base/read_file.h"
#include "lib/base/util.h"
#include "lib/image/image.h"
#include "lib/image/image_dir.h"
#include "lib/image/image_objects.h"
#include "lib/store/beneath.h"
#include "lib/store/layout.h"
#include "lib/verity/fsverity.h"

#define CONF_SHOWN "the image's /" PIVOT_SETUP_CONF_PATH
#define CONF_REMEDY "fix the image's file, or set image-config = no in pivot.conf"

/* The nid of name in the directory dir: 1, 0 when absent, or an error. */
static int dir_lookup(const struct cfs_image_file *img, const struct cfs_inode *dir,
		      const char *name, size_t len, uint64_t *nid)
{
	struct cfs_dir_iter it;
	struct cfs_dirent_ref de;
	int r;

	cfs_dir_iter_init(&it, img, dir);
	while ((r = cfs_dir_iter_next(&it, &de)) > 0)
		if (de.name_len == len && memcmp(de.name, name, len) == 0) {
			*nid = de.nid;
			return 1;
		}
	return r;
}

/* The inode at path (relative, "a/b/c"): 1, 0 when a component is absent,
 * -ENOTDIR when one on the way is not a directory, or an error. */
static int lookup(const struct cfs_image_file *img, const char *path, struct cfs_inode *ino)
{
	const char *c = path;
	int r = cfs_image_read_inode(img, cfs_image_info(img)->root_nid, ino);

	while (r == 0) {
		const char *end = strchrnul(c, '/');
		struct cfs_inode dir = *ino;
		uint64_t nid;

		if (!S_ISDIR(dir.mode))
			return -ENOTDIR;
		r = dir_lookup(img, &dir, c, (size_t)(end - c), &nid);
		if (r <= 0)
			return r;
		r = cfs_image_read_inode(img, nid, ino);
		if (r == 0 && !*end)
			return 1;
		c = end + 1;
	}
	return r;
}

/* The content of an inline (flat) file, size bytes. */
static int inline_content(const struct cfs_image_file *img, const struct cfs_inode *ino,
			  char *buf)
{
	size_t at = 0;

	if (ino->layout != EROFS_LAYOUT_FLAT_PLAIN && ino->layout != EROFS_LAYOUT_FLAT_INLINE)
		return log_errno(-EINVAL, "refusing %s: it has neither an object nor its "
				 "content in the image (%s)", CONF_SHOWN, CONF_REMEDY);
	for (uint64_t k = 0; k <= ino->nblocks && at < ino->size; k++) {
		const uint8_t *data;
		size_t len;

		cfs_image_block(img, ino, k, &data, &len);
		len = MIN(len, (size_t)ino->size - at);
		memcpy(buf + at, data, len);
		at += len;
	}
	if (at != ino->size)
		return log_errno(-EUCLEAN, "refusing %s: its content is shorter than its size (%s)",
				 CONF_SHOWN, CONF_REMEDY);
	return 0;
}

/* The content of a file in the store: read, hashed, compared. */
static int object_content(const struct cfs_object_ref *obj, int objects_fd, char *buf)
{
	char path[CFS_OBJECT_REDIRECT_MAX];
	uint8_t digest[CFS_MAX_DIGEST_SIZE];
	_cleanup_free_ char *data = NULL;
	_cleanup_close_ int fd = -1;
	size_t len;
	int r;

	if (!obj->path || obj->path_len >= sizeof(path) || obj->alg == 0)
		return log_errno(-ENODATA, "refusing %s: the image records no object path or no "
				 "digest for it, so nothing vouches for its content (%s)",
				 CONF_SHOWN, CONF_REMEDY);
	memcpy(path, obj->path, obj->path_len);
	path[obj->path_len] = '\0';
	fd = cfs_open_beneath_regular(objects_fd, path);
	if (fd < 0)
		return cfs_beneath_refusal(fd, "the object of " CONF_SHOWN, path,
					   "the store lacks it: copy the image's objects");
	r = cfs_read_fd(fd, path, PIVOT_SETUP_CONF_MAX + 1, &data, &len);
	if (r < 0)
		return r;
	if (len != obj->size)
		return log_errno(-EBADMSG, "refusing %s: its object %s has %zu bytes, the image "
				 "says %llu", CONF_SHOWN, path, len, (unsigned long long)obj->size);
	r = cfs_verity_digest_buf(obj->alg, data, len, digest);
	if (r < 0)
		return r;
	if (memcmp(digest, obj->digest, obj->digest_len) != 0)
		return log_errno(-EBADMSG, "refusing %s: its object %s does not have the fs-verity "
				 "digest the image records (the store is corrupt or was tampered "
				 "with)", CONF_SHOWN, path);
	memcpy(buf, data, len);
	return 0;
}

/* The file's content into buf (PIVOT_SETUP_CONF_MAX bytes): its length,
 * 0 for no file (or an empty one), or a negative errno, logged. */
static int read_conf(const struct cfs_image_file *img, int objects_fd, char *buf)
{
	struct cfs_object_ref obj;
	struct cfs_inode ino;
	int r = lookup(img, PIVOT_SETUP_CONF_PATH, &ino);

	if (r == -ENOTDIR)
		return log_errno(-EINVAL, "refusing %s: a component on its way is not a directory (links "
				 "in the image are not followed; %s)", CONF_SHOWN, CONF_REMEDY);
	if (r <= 0)
		return r;
	if (!S_ISREG(ino.mode))
		return log_errno(-EINVAL, "refusing %s: it is not a regular file (%s)", CONF_SHOWN,
				 CONF_REMEDY);
	if (ino.size > PIVOT_SETUP_CONF_MAX)
		return log_errno(-EINVAL, "refusing %s: %llu bytes, more than the %d read (%s)",
				 CONF_SHOWN, (unsigned long long)ino.size, PIVOT_SETUP_CONF_MAX,
				 CONF_REMEDY);
	r = cfs_image_object_of(img, &ino, &obj);
	if (r == 0)
		r = inline_content(img, &ino, buf);
	else if (r > 0)
		r = object_content(&obj, objects_fd, buf);
	return r < 0 ? r : (int)ino.size;
}

int pivot_image_config_apply(struct pivot_policy *p, struct pivot_store *store)
{
	const struct cfs_image_file *img;
	char buf[PIVOT_SETUP_CONF_MAX];
	struct pivot_setup_error err;
	struct pivot_setup_conf c;
	int r = pivot_store_image(store, &img);

	if (r == 0)
		r = read_conf(img, store->objects_fd, buf);
	if (r <= 0)
		return r;
	if (pivot_setup_conf_parse(buf, (size_t)r, &c, &err) < 0)
		return log_errno(-EINVAL, "refusing %s: line %u: %s (%s)", CONF_SHOWN, err.line,
				 err.what, CONF_REMEDY);
	return pivot_image_config_tighten(p, &c);
}

/* Strictness, weakest first: bind lets the most unverified state in, none
 * the least. */
static int etc_rank(enum pivot_etc e)
{
	static const int rank[] = {
		[PIVOT_ETC_BIND] = 0,
		[PIVOT_ETC_OVERLAY] = 1,
		[PIVOT_ETC_TRANSIENT] = 2,
		[PIVOT_ETC_NONE] = 3,
	};

	return rank[e];
}

static enum pivot_etc etc_of(enum pivot_setup_mount m)
{
	switch (m) {
	case PIVOT_SETUP_NONE:
		return PIVOT_ETC_NONE;
	case PIVOT_SETUP_OVERLAY:
		return PIVOT_ETC_OVERLAY;
	case PIVOT_SETUP_TRANSIENT:
		return PIVOT_ETC_TRANSIENT;
	default:
		return PIVOT_ETC_BIND;
	}
}

int pivot_image_config_tighten(struct pivot_policy *p, const struct pivot_setup_conf *c)
{
	enum pivot_etc etc = etc_of(pivot_setup_dir_mode(&c->etc));
	enum pivot_setup_mount var = pivot_setup_dir_mode(&c->var);

	if (etc_rank(etc) > etc_rank(p->etc)) {
		log_info("%s: etc = %s, stricter than the policy's etc = %s", CONF_SHOWN,
			 pivot_etc_to_string(etc), pivot_etc_to_string(p->etc));
		p->etc = etc;
	}
	if (p->var == PIVOT_VAR_BIND && var == PIVOT_SETUP_NONE) {
		log_info("%s: var = none, stricter than the policy's var = bind", CONF_SHOWN);
		p->var = PIVOT_VAR_NONE;
	} else if (p->var == PIVOT_VAR_BIND && var != PIVOT_SETUP_BIND) {
		return log_errno(-EINVAL, "refusing %s: [var] mount = %s, which cfs-pivot does "
				 "not mount (var is bind or none; %s)", CONF_SHOWN,
				 pivot_setup_mount_to_string(var), CONF_REMEDY);
	}
	if (c->root_transient)
		log_info("%s: [root] transient = true; / stays read-only, which is stricter",
			 CONF_SHOWN);
	return 0;
}

int pivot_image_config_class(int r)
{
	switch (r) {
	case -ENOMEM:
		return PIVOT_EXIT_INTERNAL;
	case -EINVAL:
		return PIVOT_EXIT_STATE;        /* the file says what cfs-pivot does not do */
	case -ENOENT:
	case -ELOOP:
	case -EXDEV:
		return PIVOT_EXIT_STORE;        /* its object is missing or unsafe */
	case -EUCLEAN:
	case -EOPNOTSUPP:
		return PIVOT_EXIT_MOUNT;        /* the image is corrupt: EROFS would refuse it */
	default:
		return PIVOT_EXIT_VERITY;       /* its object is not what the image records */
	}
}
