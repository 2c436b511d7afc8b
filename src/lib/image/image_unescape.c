// SPDX-License-Identifier: MIT
/*
 * Undoing what the writer adds for overlayfs, so that the tree read from an
 * image is the tree it was written from (docs/inspect.md lists what cannot
 * be undone).  The writer:
 *
 *   1. escapes source xattrs trusted.overlay.X as trusted.overlay.overlay.X;
 *   2. gives each file in the store trusted.overlay.metacopy and .redirect
 *      (image_tree.c turns those into DIGEST and PAYLOAD);
 *   3. stores a source whiteout (chardev 0:0) as an empty regular file with
 *      trusted.overlay.overlay.whiteout="" and user.overlay.whiteout="",
 *      and marks its directory with ...whiteouts="" (both namespaces) and,
 *      in format 1, ...opaque="x";
 *   4. gives the root trusted.overlay.opaque="y" and a real whiteout for
 *      each name 00..ff it lacks, owned like the root.
 *
 * Undone in reverse: the root's additions first (while its synthetic
 * whiteouts are still the only chardevs), then escaped whiteouts back to
 * chardevs, their directory's markers, any remaining unescaped overlay
 * xattr (no writer sets one; it is dropped with a warning), and last the
 * unescaping of the source's own overlay xattrs.
 */
#include "lib/image/image_unescape.h"

#include "lib/image/image_priv.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/image/image_tree.h"

struct unescape {
	const struct cfs_image_file *img;
	const uint64_t *linked;
	size_t n_linked;
};

static bool has_value(const struct cfs_node *n, const char *key, const char *value)
{
	const struct cfs_xattr *x = cfs_node_get_xattr(n, key);

	return x && x->value_len == strlen(value) && memcmp(x->value, value, x->value_len) == 0;
}

/* Removes key if it has exactly this value; true if it did. */
static bool remove_if(struct cfs_node *n, const char *key, const char *value)
{
	if (!has_value(n, key, value))
		return false;
	cfs_node_remove_xattr(n, key);
	return true;
}

static bool is_linked(const struct unescape *u, uint64_t nid)
{
	size_t lo = 0, hi = u->n_linked;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (u->linked[mid] == nid)
			return true;
		if (u->linked[mid] < nid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool is_hex_byte_name(const struct cfs_node *n)
{
	return n->name_len == 2 && cfs_hex_is_lower(n->name, 2);
}

/* Exactly what the writer adds to the root (step 4), and not hard-linked,
 * so that dropping it loses nothing the writer would not add again. */
static bool is_root_whiteout(const struct unescape *u, const struct cfs_node *root,
			     const struct cfs_node *n)
{
	const struct cfs_xattr *label = cfs_node_get_xattr(root, "security.selinux");

	if (n->link_to || !is_hex_byte_name(n) || n->mode != CFS_ROOT_WHITEOUT_MODE || n->rdev ||
	    n->nlink != 1 || n->uid != root->uid || n->gid != root->gid ||
	    n->mtime_sec != root->mtime_sec || n->mtime_nsec != root->mtime_nsec)
		return false;
	if (n->n_xattrs > 1 || (n->n_xattrs == 1) != (label != NULL))
		return false;
	if (label && (strcmp(n->xattrs[0].key, label->key) || n->xattrs[0].value_len != label->value_len ||
		      memcmp(n->xattrs[0].value, label->value, label->value_len)))
		return false;
	return !is_linked(u, n->nid);
}

static void drop_root_additions(const struct unescape *u, struct cfs_node *root)
{
	for (size_t i = root->n_children; i-- > 0;)
		if (is_root_whiteout(u, root, root->children[i]))
			cfs_node_remove_child(root, i);
	remove_if(root, OVL_XATTR_OPAQUE, OVL_OPAQUE_ROOT);
}

/* Step 3 for one file: an escaped whiteout becomes a chardev 0:0 again. */
static bool unescape_whiteout(struct cfs_node *n)
{
	if (n->link_to || !S_ISREG(n->mode) || n->size || !remove_if(n, OVL_XATTR_ESC_WHITEOUT, ""))
		return false;
	remove_if(n, OVL_USER_XATTR_WHITEOUT, "");
	n->mode = S_IFCHR | (n->mode & 07777);
	n->rdev = 0;
	return true;
}

static void drop_whiteout_markers(const struct cfs_image_file *img, struct cfs_node *dir)
{
	remove_if(dir, OVL_XATTR_ESC_WHITEOUTS, "");
	remove_if(dir, OVL_USER_XATTR_WHITEOUTS, "");
	if (cfs_image_info(img)->format_version >= 1) {
		remove_if(dir, OVL_XATTR_ESC_OPAQUE, OVL_OPAQUE_XWHITEOUTS);
		remove_if(dir, OVL_USER_XATTR_OPAQUE, OVL_OPAQUE_XWHITEOUTS);
	}
}

/* Drops overlay xattrs no writer sets, then turns the escaped ones of the
 * source back into what they were. */
static int unescape_xattrs(const struct unescape *u, struct cfs_node *n)
{
	const size_t plen = strlen(OVL_XATTR_PREFIX), elen = strlen(OVL_XATTR_ESCAPED_PREFIX);

	for (size_t i = n->n_xattrs; i-- > 0;) {
		char *key = n->xattrs[i].key;

		if (strncmp(key, OVL_XATTR_PREFIX, plen) != 0)
			continue;
		if (strncmp(key, OVL_XATTR_ESCAPED_PREFIX, elen) == 0) {
			memmove(key + plen, key + elen, strlen(key + elen) + 1);
			continue;
		}
		log_warning("%s: nid %llu: dropping xattr %s, which no composefs writer sets and a dump cannot hold",
			    cfs_image_name(u->img), (unsigned long long)n->nid, key);
		cfs_node_remove_xattr(n, key);
	}
	return cfs_tree_sort_xattrs(u->img, n);
}

static int unescape_node(const struct unescape *u, struct cfs_node *n, bool is_root)
{
	size_t whiteouts = 0;
	int r;

	if (n->link_to)
		return 0;
	if (is_root)
		drop_root_additions(u, n);
	for (size_t i = 0; i < n->n_children; i++) {
		struct cfs_node *c = n->children[i];

		r = unescape_node(u, c, false);
		if (r < 0)
			return r;
		if (!c->link_to && S_ISCHR(c->mode) && c->rdev == 0)
			whiteouts++;
	}
	if (whiteouts)
		drop_whiteout_markers(u->img, n);
	unescape_whiteout(n);
	return unescape_xattrs(u, n);
}

int cfs_tree_unescape(const struct cfs_image_file *img, struct cfs_node *root,
		      const uint64_t *linked, size_t n_linked)
{
	struct unescape u = { img, linked, n_linked };

	return unescape_node(&u, root, true);
}
