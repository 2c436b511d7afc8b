// SPDX-License-Identifier: MIT
/*
 * The store objects an image references.  Overlayfs takes a regular file's
 * content from the data layer when the file has trusted.overlay.metacopy;
 * trusted.overlay.redirect then names the object ("/ab/cdef..."), and the
 * metacopy value carries the digest that verity=require checks.  This is
 * what cfs-pivot checks in user space when the kernel cannot, so it reads
 * both xattrs exactly as overlayfs does (by name index and suffix, as the
 * kernel looks them up) and refuses anything ambiguous: a repeated xattr,
 * a relative or empty redirect, a malformed metacopy.
 */
#include "lib/image/image_objects.h"

#include "lib/image/image_priv.h"

#include <string.h>
#include <sys/stat.h>

#include "lib/base/util.h"
#include "lib/image/image_walk.h"
#include "lib/image/image_xattr.h"

/* The suffixes after "trusted." that overlayfs looks up. */
#define OVL_SUFFIX_METACOPY "overlay.metacopy"
#define OVL_SUFFIX_REDIRECT "overlay.redirect"

/* As overlayfs reads the value: empty or a bare header means "no digest"
 * (verity=require then refuses the file); otherwise the header must say
 * version 0, the value's length, no flags, and an algorithm whose digest
 * fills the rest. */
static int parse_metacopy(const uint8_t *value, size_t len, enum cfs_hash_alg *alg,
			  const uint8_t **digest, size_t *digest_len)
{
	*alg = 0;
	*digest = NULL;
	*digest_len = 0;
	if (len == 0)
		return 0;
	if (len < OVL_METACOPY_HEADER || value[0] != 0 || value[1] != len || value[2] != 0)
		return -EUCLEAN;
	if (len == OVL_METACOPY_HEADER)
		return 0;
	*alg = value[3];
	*digest_len = cfs_hash_digest_size(*alg);
	if (*digest_len == 0 || len != OVL_METACOPY_HEADER + *digest_len)
		return -EUCLEAN;
	*digest = value + OVL_METACOPY_HEADER;
	return 0;
}

static bool is_trusted(const struct cfs_xattr_ref *x, const char *suffix)
{
	return x->index == EROFS_XATTR_INDEX_TRUSTED && x->suffix_len == strlen(suffix) &&
	       memcmp(x->suffix, suffix, x->suffix_len) == 0;
}

/* Finds the two xattrs; a second copy of either is refused, since the
 * kernel and this reader might not pick the same one. */
static int find_overlay_xattrs(const struct cfs_image_file *img, const struct cfs_inode *ino,
			       struct cfs_xattr_ref *metacopy, struct cfs_xattr_ref *redirect,
			       bool *has_metacopy, bool *has_redirect)
{
	struct cfs_xattr_iter it;
	struct cfs_xattr_ref x;
	int r;

	*has_metacopy = *has_redirect = false;
	cfs_xattr_iter_init(&it, img, ino);
	while ((r = cfs_xattr_iter_next(&it, &x)) > 0) {
		bool *seen = NULL;

		if (is_trusted(&x, OVL_SUFFIX_METACOPY)) {
			seen = has_metacopy;
			*metacopy = x;
		} else if (is_trusted(&x, OVL_SUFFIX_REDIRECT)) {
			seen = has_redirect;
			*redirect = x;
		}
		if (seen && *seen)
			return cfs_image_corrupt(img, ino->nid, "%s appears twice",
						 seen == has_metacopy ? OVL_XATTR_METACOPY : OVL_XATTR_REDIRECT);
		if (seen)
			*seen = true;
	}
	return r;
}

/* Fills obj->path from a redirect: absolute, naming something, no NUL. */
static int parse_redirect(const struct cfs_image_file *img, const struct cfs_inode *ino,
			  const struct cfs_xattr_ref *redirect, struct cfs_object_ref *obj)
{
	const char *v = (const char *)redirect->value;
	size_t len = redirect->value_len;

	if (len < 2 || v[0] != '/' || memchr(v, '\0', len))
		return cfs_image_corrupt(img, ino->nid,
					 "%s is not an absolute path naming an object (%zu bytes)",
					 OVL_XATTR_REDIRECT, len);
	obj->path = v + 1;
	obj->path_len = len - 1;
	return 0;
}

int cfs_image_object_of(const struct cfs_image_file *img, const struct cfs_inode *ino,
			struct cfs_object_ref *obj)
{
	struct cfs_xattr_ref metacopy = {}, redirect = {};
	bool has_metacopy, has_redirect;
	int r;

	memset(obj, 0, sizeof(*obj));
	if (!S_ISREG(ino->mode))
		return 0;
	r = find_overlay_xattrs(img, ino, &metacopy, &redirect, &has_metacopy, &has_redirect);
	if (r < 0 || !has_metacopy)
		return r;
	obj->nid = ino->nid;
	obj->size = ino->size;
	if (parse_metacopy(metacopy.value, metacopy.value_len, &obj->alg, &obj->digest,
			       &obj->digest_len) < 0)
		return cfs_image_corrupt(img, ino->nid, "%s is malformed (%zu bytes)",
					 OVL_XATTR_METACOPY, metacopy.value_len);
	if (has_redirect) {
		r = parse_redirect(img, ino, &redirect, obj);
		if (r < 0)
			return r;
	}
	return 1;
}

struct objects_walk {
	cfs_object_fn fn;
	void *userdata;
	const struct cfs_image_file *img;
};

static int object_entry(const struct cfs_walk_entry *e, void **cookie, void *userdata)
{
	struct objects_walk *ow = userdata;
	struct cfs_object_ref obj;
	int r;

	(void)cookie;
	/* A hard-linked file is one inode: check its object once. */
	if (!e->first)
		return 0;
	r = cfs_image_object_of(ow->img, e->inode, &obj);
	if (r <= 0)
		return r;
	return ow->fn(&obj, ow->userdata);
}

int cfs_image_walk_objects(const struct cfs_image_file *img, cfs_object_fn fn, void *userdata)
{
	struct objects_walk ow = { fn, userdata, img };

	return cfs_image_walk(img, object_entry, &ow);
}
