// SPDX-License-Identifier: MIT
/*
 * The image's view of the tree.  Inodes are numbered breadth-first from the
 * root, each directory's entries in byte order of their names.  Beyond the
 * source tree, composefs adds:
 *   - "." and ".." to every directory (the root's ".." is the root);
 *   - a real overlay whiteout in the root for each name 00..ff it lacks;
 *   - overlay xattrs: metacopy and redirect on files whose content is in
 *     the store, "opaque" on the root, and the escaped whiteout markers;
 * and it escapes the source's own trusted.overlay.* xattrs, so that the
 * overlay mounting the image shows them instead of obeying them.
 * A source whiteout (chardev 0:0) becomes an empty regular file carrying
 * the escaped markers, so that it survives as data in the image.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format.h"
#include "log.h"
#include "util.h"
#include "writer_int.h"

#define NO_INODE UINT32_MAX

static int new_inode(struct writer *w, uint32_t parent, uint32_t *idx)
{
	if (w->n_inodes == w->inodes_cap) {
		size_t cap = w->inodes_cap ? w->inodes_cap * 2 : 1024;
		struct winode *a = reallocarray(w->inodes, cap, sizeof(*a));

		if (!a)
			return log_oom();
		w->inodes = a;
		w->inodes_cap = cap;
	}
	if (w->n_inodes >= UINT32_MAX)
		return log_errno(-E2BIG, "the tree has more inodes than an image can number");
	*idx = (uint32_t)w->n_inodes++;
	memset(&w->inodes[*idx], 0, sizeof(w->inodes[0]));
	w->inodes[*idx].parent = parent;
	return 0;
}

static bool known_type(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFCHR:
	case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		return true;
	}
	return false;
}

static int add_node_inode(struct writer *w, struct cfs_node *node, uint32_t parent)
{
	struct winode *wi;
	uint32_t idx;
	int r;

	if (!known_type(node->mode)) {
		_cleanup_free_ char *path = cfs_node_path(node);

		return log_errno(-EINVAL, "%s has an unknown file type (mode %o)",
				 path ? path : node->name, node->mode);
	}
	r = new_inode(w, parent, &idx);
	if (r < 0)
		return r;
	wi = &w->inodes[idx];
	wi->node = node;
	wi->mode = node->mode;
	wi->nlink = node->nlink;
	wi->uid = node->uid;
	wi->gid = node->gid;
	wi->rdev = node->rdev;
	wi->size = node->size;
	wi->mtime_sec = node->mtime_sec;
	wi->mtime_nsec = node->mtime_nsec;
	if (is_whiteout_node(node)) {
		wi->whiteout = true;
		wi->mode = S_IFREG | (node->mode & 07777);
		wi->size = 0;
		w->has_whiteout = true;
		w->inodes[parent].has_whiteout_child = true;
	}
	wi->external = S_ISREG(wi->mode) && wi->size > 0 && !node->content;
	node->ino = idx;
	return 0;
}

static int add_root_whiteout(struct writer *w, uint32_t *idx)
{
	const struct winode *root;
	struct winode *wi;
	int r = new_inode(w, 0, idx);

	if (r < 0)
		return r;
	root = &w->inodes[0];
	wi = &w->inodes[*idx];
	wi->mode = CFS_ROOT_WHITEOUT_MODE;
	wi->nlink = 1;
	wi->uid = root->uid;
	wi->gid = root->gid;
	wi->mtime_sec = root->mtime_sec;
	wi->mtime_nsec = root->mtime_nsec;
	return 0;
}

static int dirent_cmp(const void *pa, const void *pb)
{
	const struct wdirent *a = pa, *b = pb;

	return cfs_name_cmp(a->name, a->name_len, b->name, b->name_len);
}

static int check_name(const struct cfs_node *child)
{
	const char *why = NULL;

	if (child->name_len == 0)
		why = "is empty";
	else if (child->name_len > CFS_NAME_MAX)
		why = "is longer than 255 bytes";
	else if (memchr(child->name, '/', child->name_len) ||
		 strlen(child->name) != child->name_len)
		why = "contains '/' or a NUL byte";
	else if (strcmp(child->name, ".") == 0 || strcmp(child->name, "..") == 0)
		why = "is reserved";
	if (why) {
		_cleanup_free_ char *path = cfs_node_path(child);

		return log_errno(-EINVAL, "the name of %s %s", path ? path : "an entry", why);
	}
	return 0;
}

/* The root's whiteout names 00..ff, made once per image. */
static const char *whiteout_name(struct writer *w, unsigned i)
{
	char name[3];

	snprintf(name, sizeof(name), "%02x", i);
	return arena_memdup(&w->arena, name, 2);
}

/* Fills a directory's sorted entries and appends its new inodes, in the
 * order BFS numbers them. */
static int collect_dir(struct writer *w, uint32_t dir)
{
	struct cfs_node *node = w->inodes[dir].node;
	bool is_root = dir == 0;
	size_t n = 0, cap = node->n_children + 2 + (is_root ? CFS_ROOT_WHITEOUTS : 0);
	struct wdirent *d = calloc(cap, sizeof(*d));
	int r;

	if (!d)
		return log_oom();
	w->inodes[dir].dirents = d;

	for (size_t i = 0; i < node->n_children; i++) {
		struct cfs_node *c = node->children[i];

		r = check_name(c);
		if (r < 0)
			return r;
		d[n++] = (struct wdirent){ c->name, c->name_len, c, NO_INODE };
	}
	d[n++] = (struct wdirent){ ".", 1, NULL, dir };
	d[n++] = (struct wdirent){ "..", 2, NULL, w->inodes[dir].parent };
	for (unsigned i = 0; is_root && i < CFS_ROOT_WHITEOUTS; i++) {
		const char *name = whiteout_name(w, i);

		if (!name)
			return -ENOMEM;
		if (!cfs_node_lookup(node, name, 2))
			d[n++] = (struct wdirent){ name, 2, NULL, NO_INODE };
	}
	w->inodes[dir].n_dirents = n;

	qsort(d, n, sizeof(*d), dirent_cmp);
	/* A directory's link count is recomputed: the source's is ignored. */
	w->inodes[dir].nlink = 2;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && dirent_cmp(&d[i - 1], &d[i]) == 0) {
			_cleanup_free_ char *path = cfs_node_path(node);

			return log_errno(-EEXIST, "%s has two entries named '%s'",
					 path ? path : "a directory", d[i].name);
		}
		if (d[i].node && !d[i].node->link_to) {
			if (S_ISDIR(d[i].node->mode))
				w->inodes[dir].nlink++;
			r = add_node_inode(w, d[i].node, dir);
		}
		else if (!d[i].node && d[i].target == NO_INODE)
			r = add_root_whiteout(w, &d[i].target);
		else
			r = 0;
		if (r < 0)
			return r;
	}
	return 0;
}

/* Every inode now has its number: point each entry at its inode. */
static int resolve_dirents(struct writer *w, struct winode *dir)
{
	for (size_t i = 0; i < dir->n_dirents; i++) {
		struct wdirent *e = &dir->dirents[i];
		struct cfs_node *t;

		if (!e->node)
			continue;
		if (!e->node->link_to) {
			e->target = e->node->ino;
			continue;
		}
		t = e->node->link_to;
		if (t->link_to || S_ISDIR(t->mode) || t->ino >= w->n_inodes ||
		    w->inodes[t->ino].node != t) {
			_cleanup_free_ char *path = cfs_node_path(e->node);

			return log_errno(-EINVAL, "hardlink %s does not name a file of this tree",
					 path ? path : e->name);
		}
		e->target = t->ino;
	}
	return 0;
}

int writer_collect_inodes(struct writer *w, struct cfs_node *root)
{
	int r;

	if (!S_ISDIR(root->mode) || root->link_to)
		return log_errno(-EINVAL, "the root of the tree is not a directory");
	/* The root is inode 0 and its own parent. */
	r = add_node_inode(w, root, 0);
	if (r < 0)
		return r;

	/* Breadth-first: the array is the queue; collect_dir appends. */
	for (size_t i = 0; i < w->n_inodes; i++) {
		if (!S_ISDIR(w->inodes[i].mode))
			continue;
		r = collect_dir(w, (uint32_t)i);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < w->n_inodes; i++) {
		r = resolve_dirents(w, &w->inodes[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* An inode's xattrs while they are collected: setting a key replaces its
 * value, as in mkcomposefs. */
struct xattr_list {
	struct wxattr *x;
	size_t n, cap;
};

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
		metacopy = arena_alloc(&w->arena, OVL_METACOPY_SIZE);
		if (!metacopy)
			return -ENOMEM;
		metacopy[0] = 0;                        /* version */
		metacopy[1] = OVL_METACOPY_SIZE;        /* length */
		metacopy[2] = 0;                        /* flags */
		metacopy[3] = OVL_METACOPY_ALG_SHA256;
		memcpy(metacopy + 4, node->digest, 32);
		metacopy_len = OVL_METACOPY_SIZE;
	}
	set_xattr(l, OVL_XATTR_METACOPY, metacopy ? metacopy : (const uint8_t *)"", metacopy_len);
	if (node->payload_len > 0) {
		char *redirect = arena_alloc(&w->arena, node->payload_len + 2);

		if (!redirect)
			return -ENOMEM;
		redirect[0] = '/';
		memcpy(redirect + 1, node->payload, node->payload_len + 1);
		set_xattr(l, OVL_XATTR_REDIRECT, redirect, node->payload_len + 1);
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
			set_xattr(&l, "security.selinux", label->value, label->value_len);
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
		set_xattr(&l, OVL_XATTR_ESC_WHITEOUT, "", 0);
		set_xattr(&l, OVL_USER_XATTR_WHITEOUT, "", 0);
	}
	if (wi->has_whiteout_child) {
		set_xattr(&l, OVL_XATTR_ESC_WHITEOUTS, "", 0);
		set_xattr(&l, OVL_USER_XATTR_WHITEOUTS, "", 0);
		if (w->version >= 1) {
			set_xattr(&l, OVL_XATTR_ESC_OPAQUE, OVL_OPAQUE_XWHITEOUTS, 1);
			set_xattr(&l, OVL_USER_XATTR_OPAQUE, OVL_OPAQUE_XWHITEOUTS, 1);
		}
	}
	if (wi == &w->inodes[0])
		set_xattr(&l, OVL_XATTR_OPAQUE, OVL_OPAQUE_ROOT, 1);

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
