// SPDX-License-Identifier: MIT
/*
 * The xattrs each inode gets in the image: the source's, with those in the
 * overlay's trusted namespace escaped (so that the overlay mounting the
 * image shows them instead of obeying them), plus what composefs adds for
 * overlayfs: metacopy and redirect on files whose content is in the store,
 * "opaque" on the root, and the escaped whiteout markers on source
 * whiteouts and their directories.
 */
#include "tool/mkimage/writer_overlay.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/image/format.h"

/* An inode's xattrs while they are collected: setting a key replaces its
 * value, as in mkcomposefs. */
struct xattr_list {
	struct wxattr *x;
	size_t n, cap;
	/* mkcomposefs 1.0.8 counts the bytes of the xattrs its writer adds
	 * (12 for a header, 7 plus key and value each) against 32767, from 0
	 * for each inode: its copy of the tree loses the source's count.
	 * Replacing a source xattr subtracts that one's size all the same, in
	 * unsigned arithmetic, so a replacement can make the count wrap and
	 * the write fail.  Byte identity includes failing there too. */
	size_t budget;
	bool over_budget;
};

#define WRITER_XATTR_BUDGET 32767u

static void set_xattr(struct xattr_list *l, const char *key, const void *value, size_t len)
{
	size_t key_len = strlen(key);
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->x[i].key_len == key_len && memcmp(l->x[i].key, key, key_len) == 0)
			break;
	if (i == l->n) {
		/* The list was sized for every addition the writer makes. */
		assert(l->n < l->cap);
		l->n++;
	}
	l->x[i] = (struct wxattr){ .key = key, .key_len = key_len,
				   .value = value, .value_len = len, .shared = -1 };
}

/* An xattr the writer adds, counted as mkcomposefs counts it. */
static void add_xattr(struct xattr_list *l, const char *key, const void *value, size_t len)
{
	size_t key_len = strlen(key), entry = 7 + key_len + len, others = l->n;

	for (size_t i = 0; i < l->n; i++)
		if (l->x[i].key_len == key_len && memcmp(l->x[i].key, key, key_len) == 0) {
			others = l->n - 1;
			l->budget = others ? l->budget - (7 + key_len + l->x[i].value_len) : 0;
		}
	if (others == 0)
		entry += 12;
	if (l->budget + entry > WRITER_XATTR_BUDGET)
		l->over_budget = true;
	l->budget += entry;
	set_xattr(l, key, value, len);
}

/* The source's xattrs; those in the overlay's trusted namespace escaped. */
static int add_source_xattrs(struct writer *w, const struct cfs_node *node, struct xattr_list *l)
{
	static const size_t plen = sizeof(OVL_XATTR_PREFIX) - 1;

	for (size_t i = 0; i < node->n_xattrs; i++) {
		const struct cfs_xattr *x = &node->xattrs[i];
		const char *key = x->key;

		if (strncmp(key, OVL_XATTR_PREFIX, plen) == 0) {
			char *esc = arena_alloc(&w->arena, sizeof(OVL_XATTR_ESCAPED_PREFIX) +
							       strlen(key + plen));

			if (!esc)
				return -ENOMEM;
			key = strcat(strcpy(esc, OVL_XATTR_ESCAPED_PREFIX), key + plen);
		}
		set_xattr(l, key, x->value, x->value_len);
	}
	return 0;
}

/* metacopy names the content's digest (empty when it is not known, as a
 * dump file may leave it); redirect names the object in the store. */
static int add_external_xattrs(struct writer *w, const struct cfs_node *node, struct xattr_list *l)
{
	uint8_t *metacopy = NULL;
	size_t metacopy_len = 0;

	if (node->has_digest) {
		size_t digest_len = cfs_hash_digest_size(node->digest_alg);

		metacopy_len = OVL_METACOPY_HEADER + digest_len;
		metacopy = arena_alloc(&w->arena, metacopy_len);
		if (!metacopy)
			return -ENOMEM;
		metacopy[0] = 0;                        /* version */
		metacopy[1] = (uint8_t)metacopy_len;
		metacopy[2] = 0;                        /* flags */
		metacopy[3] = (uint8_t)node->digest_alg;
		memcpy(metacopy + OVL_METACOPY_HEADER, node->digest, digest_len);
	}
	add_xattr(l, OVL_XATTR_METACOPY, metacopy ? metacopy : (const uint8_t *)"", metacopy_len);
	if (node->payload_len > 0) {
		char *redirect = arena_alloc(&w->arena, node->payload_len + 2);

		if (!redirect)
			return -ENOMEM;
		redirect[0] = '/';
		memcpy(redirect + 1, node->payload, node->payload_len + 1);
		add_xattr(l, OVL_XATTR_REDIRECT, redirect, node->payload_len + 1);
	}
	return 0;
}

static int xattr_cmp(const void *pa, const void *pb)
{
	const struct wxattr *a = pa, *b = pb;

	return cfs_name_cmp(a->key, a->key_len, b->key, b->key_len);
}

static int collect_inode_xattrs(struct writer *w, struct winode *wi)
{
	const struct cfs_node *root = w->inodes[0].node;
	/* Room for the source's xattrs and the most the writer adds (the root
	 * with whiteouts: two markers, two opaque, and its own opaque). */
	struct xattr_list l = { .cap = (wi->node ? wi->node->n_xattrs : 0) + 6 };
	int r;

	l.x = arena_alloc(&w->arena, l.cap * sizeof(*l.x));
	if (!l.x)
		return -ENOMEM;

	if (!wi->node) {
		/* An added root whiteout carries the root's SELinux label. */
		const struct cfs_xattr *label = cfs_node_get_xattr(root, "security.selinux");

		if (label)
			add_xattr(&l, "security.selinux", label->value, label->value_len);
	} else {
		r = add_source_xattrs(w, wi->node, &l);
		if (r < 0)
			return r;
	}
	if (wi->external) {
		r = add_external_xattrs(w, wi->node, &l);
		if (r < 0)
			return r;
	}
	if (wi->whiteout) {
		add_xattr(&l, OVL_XATTR_ESC_WHITEOUT, "", 0);
		add_xattr(&l, OVL_USER_XATTR_WHITEOUT, "", 0);
	}
	if (wi->has_whiteout_child) {
		add_xattr(&l, OVL_XATTR_ESC_WHITEOUTS, "", 0);
		add_xattr(&l, OVL_USER_XATTR_WHITEOUTS, "", 0);
		if (w->version >= 1) {
			add_xattr(&l, OVL_XATTR_ESC_OPAQUE, OVL_OPAQUE_XWHITEOUTS, 1);
			add_xattr(&l, OVL_USER_XATTR_OPAQUE, OVL_OPAQUE_XWHITEOUTS, 1);
		}
	}
	if (wi == &w->inodes[0])
		add_xattr(&l, OVL_XATTR_OPAQUE, OVL_OPAQUE_ROOT, 1);

	if (l.over_budget) {
		_cleanup_free_ char *path = wi->node ? cfs_node_path(wi->node) : NULL;

		return log_errno(-ERANGE, "%s: replacing its xattrs that composefs sets itself "
				 "(trusted.overlay.*, user.overlay.*) makes mkcomposefs 1.0.8 fail "
				 "(\"Numerical result out of range\"); drop them from the source",
				 path ? path : "an inode");
	}
	qsort(l.x, l.n, sizeof(*l.x), xattr_cmp);
	wi->xattrs = l.x;
	wi->n_xattrs = l.n;
	return 0;
}

int writer_collect_xattrs(struct writer *w)
{
	for (size_t i = 0; i < w->n_inodes; i++) {
		int r = collect_inode_xattrs(w, &w->inodes[i]);

		if (r < 0)
			return r;
	}
	return 0;
}
