// SPDX-License-Identifier: MIT
/*
 * The image's inodes and directory entries.  Inodes are numbered
 * breadth-first from the root, each directory's entries in byte order of
 * their names.  Beyond the source tree, composefs adds "." and ".." to
 * every directory (the root's ".." is the root) and a real overlay whiteout
 * in the root for each name 00..ff it lacks.  A source whiteout (chardev
 * 0:0) becomes an empty regular file, so that it survives as data in the
 * image; writer_overlay.c gives it the escaped whiteout markers.
 *
 * The reader walks images in the same order (lib/image/image_walk.c), but
 * through untrusted bytes, checking each entry; this walk numbers a tree
 * that is already in memory.  The rules both apply are in
 * lib/image/codec.c.
 */
#include "tool/mkimage/writer_tree.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/image/codec.h"
#include "lib/image/format.h"
#include "lib/base/array.h"
#include "lib/base/log.h"
#include "lib/base/util.h"

#define NO_INODE UINT32_MAX

static int new_inode(struct writer *w, uint32_t parent, uint32_t *idx)
{
	if (CFS_GROW(w->inodes, w->inodes_cap, w->n_inodes + 1, 1024) < 0)
		return log_oom();
	if (w->n_inodes >= UINT32_MAX)
		return log_errno(-E2BIG, "the tree has more inodes than an image can number");
	*idx = (uint32_t)w->n_inodes++;
	memset(&w->inodes[*idx], 0, sizeof(w->inodes[0]));
	w->inodes[*idx].parent = parent;
	return 0;
}

static int add_node_inode(struct writer *w, struct cfs_node *node, uint32_t parent)
{
	struct winode *wi;
	uint32_t idx;
	int r;

	if (cfs_file_type(node->mode) == EROFS_FT_UNKNOWN) {
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
