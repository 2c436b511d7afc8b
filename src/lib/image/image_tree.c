// SPDX-License-Identifier: MIT
/*
 * The whole tree of an image as struct cfs_node, the form the dump printer
 * prints and the writer writes: cfs_image_read_tree().
 *
 * The walk (image_walk.c) gives every entry once, breadth-first; the first
 * entry that reaches an inode gets its metadata, later ones become hard
 * links.  Which entry holds the inode matters for writing the image again:
 * the writer lays inodes out in breadth-first order of the entries that
 * hold them, so nids grow along that order.  choose_link_targets() picks,
 * for every hard-linked inode, an entry that keeps this true, which gives
 * back the same layout.  Then image_unescape.c undoes the overlayfs
 * encoding.
 *
 * Every byte the tree takes is charged to a budget proportional to the
 * image size: only shared xattrs can be copied more often than they are
 * stored, and the budget stops an image that abuses that.
 */
#include "lib/image/image_tree.h"

#include "lib/image/image_objects.h"
#include "lib/image/image_priv.h"
#include "lib/image/image_unescape.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/base/array.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/image/image_walk.h"
#include "lib/image/image_xattr.h"

#define SWAP(a, b) do { __typeof__(a) _t = (a); (a) = (b); (b) = _t; } while (0)

#define TREE_BUDGET_FACTOR 32u
#define TREE_BUDGET_SLACK  (64ull << 20)

struct tree_entry {
	uint64_t nid, seq;
	struct cfs_node *node;
};

struct tree_build {
	const struct cfs_image_file *img;
	struct cfs_node *root;
	struct tree_entry *entries;
	size_t n_entries, cap;
	uint64_t *linked;           /* nids of hard-linked inodes, increasing */
	size_t n_linked;
	uint64_t budget;
};

static int charge(struct tree_build *tb, uint64_t nid, uint64_t bytes)
{
	if (bytes > tb->budget)
		return cfs_image_corrupt(tb->img, nid,
					 "the tree would take more than %u times the image's size in memory",
					 TREE_BUDGET_FACTOR);
	tb->budget -= bytes;
	return 0;
}

/* Appends without looking for the key: duplicates are found after sorting,
 * which keeps an inode with thousands of xattrs linear. */
static int append_xattr(struct cfs_node *node, const char *key, const uint8_t *value, size_t len)
{
	struct cfs_xattr *x;

	if (CFS_GROW(node->xattrs, node->xattrs_cap, node->n_xattrs + 1, 4) < 0)
		return log_oom();
	x = &node->xattrs[node->n_xattrs];
	x->key = strdup(key);
	x->value = malloc(len ? len : 1);
	if (!x->key || !x->value) {
		free(x->key);
		free(x->value);
		return log_oom();
	}
	memcpy(x->value, value, len);
	x->value_len = len;
	node->n_xattrs++;
	return 0;
}

static int xattr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cfs_xattr *)a)->key, ((const struct cfs_xattr *)b)->key);
}

int cfs_tree_sort_xattrs(const struct cfs_image_file *img, struct cfs_node *node)
{
	char shown[CFS_NAME_PRINT_BUF];

	if (node->n_xattrs > 1)
		qsort(node->xattrs, node->n_xattrs, sizeof(node->xattrs[0]), xattr_cmp);
	for (size_t i = 1; i < node->n_xattrs; i++)
		if (strcmp(node->xattrs[i - 1].key, node->xattrs[i].key) == 0)
			return cfs_image_corrupt(img, node->nid, "xattr '%s' appears twice",
						 cfs_name_printable(node->xattrs[i].key,
								    strlen(node->xattrs[i].key), shown));
	return 0;
}

static int read_xattrs(struct tree_build *tb, struct cfs_node *node, const struct cfs_inode *ino)
{
	struct cfs_xattr_iter it;
	struct cfs_xattr_ref x;
	int r;

	cfs_xattr_iter_init(&it, tb->img, ino);
	while ((r = cfs_xattr_iter_next(&it, &x)) > 0) {
		char name[CFS_XATTR_NAME_BUF];

		cfs_xattr_name(&x, name);
		r = charge(tb, ino->nid, sizeof(struct cfs_xattr) + strlen(name) + 1 + x.value_len);
		if (r < 0)
			return r;
		r = append_xattr(node, name, x.value, x.value_len);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	return cfs_tree_sort_xattrs(tb->img, node);
}

/* Copies the data of a flat inode: content of a small file, or a symlink
 * target.  The budget has been charged by the caller. */
static uint8_t *copy_data(const struct cfs_image_file *img, const struct cfs_inode *ino)
{
	uint8_t *buf = malloc(ino->size + 1), *p = buf;

	if (!buf)
		return NULL;
	for (uint64_t k = 0; k < ino->nblocks + (ino->tail_len ? 1 : 0); k++) {
		const uint8_t *data;
		size_t len;

		cfs_image_block(img, ino, k, &data, &len);
		memcpy(p, data, len);
		p += len;
	}
	*p = '\0';
	return buf;
}

/* A file in the store: its payload (path in the store) and digest.  The two
 * xattrs that said so are the writer's, not the source's: drop them. */
static int read_object(struct tree_build *tb, struct cfs_node *node, const struct cfs_inode *ino)
{
	struct cfs_object_ref obj;
	int r;

	r = cfs_image_object_of(tb->img, ino, &obj);
	if (r <= 0)
		return r;
	if (obj.digest) {
		memcpy(node->digest, obj.digest, obj.digest_len);
		node->digest_alg = obj.alg;
		node->has_digest = true;
	}
	if (obj.path) {
		r = charge(tb, ino->nid, obj.path_len + 1);
		if (r < 0)
			return r;
		r = cfs_node_set_payload(node, obj.path, obj.path_len);
		if (r < 0)
			return r;
	}
	cfs_node_remove_xattr(node, OVL_XATTR_METACOPY);
	cfs_node_remove_xattr(node, OVL_XATTR_REDIRECT);
	return 1;
}

static int read_data(struct tree_build *tb, struct cfs_node *node, const struct cfs_inode *ino)
{
	bool is_link = S_ISLNK(ino->mode);
	uint8_t *data;
	int r;

	if (S_ISREG(ino->mode)) {
		r = read_object(tb, node, ino);
		if (r != 0 || ino->layout == EROFS_LAYOUT_CHUNK_BASED || ino->size == 0)
			return r;
	} else if (!is_link) {
		return 0;
	}
	r = charge(tb, ino->nid, ino->size + 1);
	if (r < 0)
		return r;
	data = copy_data(tb->img, ino);
	if (!data)
		return log_oom();
	if (is_link) {
		node->payload = (char *)data;
		node->payload_len = ino->size;
		if (strlen(node->payload) != ino->size)
			return cfs_image_corrupt(tb->img, ino->nid, "the symlink target contains NUL");
	} else {
		node->content = data;
		node->content_len = ino->size;
	}
	return 0;
}

/*
 * The writer stores no size for a device, fifo or socket, yet decides on
 * the size it was given whether the inode is compact.  An extended inode
 * that would otherwise be compact therefore had a size over 4 GiB: saying
 * so in the dump is what makes the writer lay it out the same way.
 */
static uint64_t special_file_size(const struct cfs_image_file *img, const struct cfs_inode *ino)
{
	const struct cfs_image_info *info = cfs_image_info(img);

	if (!ino->extended || ino->mtime_sec != info->build_time_sec ||
	    ino->mtime_nsec != info->build_time_nsec || ino->nlink > UINT16_MAX ||
	    ino->uid > UINT16_MAX || ino->gid > UINT16_MAX)
		return 0;
	return (uint64_t)UINT32_MAX + 1;
}

static int fill_node(struct tree_build *tb, struct cfs_node *node, const struct cfs_inode *ino)
{
	int r;

	node->nid = ino->nid;
	node->ino = ino->ino;
	node->mode = ino->mode;
	node->nlink = ino->nlink;
	node->uid = ino->uid;
	node->gid = ino->gid;
	node->rdev = ino->rdev;
	node->size = ino->size;
	if (!S_ISREG(ino->mode) && !S_ISDIR(ino->mode) && !S_ISLNK(ino->mode))
		node->size = special_file_size(tb->img, ino);
	node->mtime_sec = ino->mtime_sec;
	node->mtime_nsec = ino->mtime_nsec;
	r = read_xattrs(tb, node, ino);
	if (r < 0)
		return r;
	return read_data(tb, node, ino);
}

static int add_entry(struct tree_build *tb, uint64_t nid, uint64_t seq, struct cfs_node *node)
{
	if (CFS_GROW(tb->entries, tb->cap, tb->n_entries + 1, 256) < 0)
		return log_oom();
	tb->entries[tb->n_entries++] = (struct tree_entry){ nid, seq, node };
	return 0;
}

static int tree_entry(const struct cfs_walk_entry *e, void **cookie, void *userdata)
{
	struct tree_build *tb = userdata;
	struct cfs_node *node;
	int r;

	r = charge(tb, e->inode->nid, sizeof(*node) + sizeof(node) + e->name_len + 1);
	if (r < 0)
		return r;
	node = cfs_node_new();
	if (!node)
		return log_oom();
	if (!e->parent) {
		tb->root = node;
	} else {
		r = cfs_node_set_name(node, e->name, e->name_len);
		if (r >= 0)
			r = cfs_node_add_child(e->parent, node);
		if (r < 0) {
			cfs_node_free(node);
			return r;
		}
	}
	r = add_entry(tb, e->inode->nid, e->seq, node);
	if (r < 0)
		return r;
	/* Later entries of the same inode are links; choose_link_targets()
	 * points them at the right entry once all are known. */
	if (e->first)
		r = fill_node(tb, node, e->inode);
	*cookie = node;
	return r;
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct tree_entry *a = pa, *b = pb;

	if (a->nid != b->nid)
		return a->nid < b->nid ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Moves the inode's metadata from the entry that holds it to another entry
 * (a bare link so far); names and places in the tree stay. */
static void move_inode(struct cfs_node *from, struct cfs_node *to)
{
	struct cfs_node tmp = *to;

	*to = *from;
	*from = tmp;
	/* Swap back what belongs to the entry rather than to the inode.
	 * Neither is a directory, so neither has children. */
	SWAP(to->name, from->name);
	SWAP(to->name_len, from->name_len);
	SWAP(to->parent, from->parent);
}

/*
 * The writer gives nids in breadth-first order of the entries holding the
 * inodes.  Going through inodes by increasing nid, take for each the first
 * of its entries that comes after the entry chosen for the previous inode:
 * for an image a writer made, such a choice always exists, and any choice
 * with increasing positions lays the inodes out the same way.  For other
 * images the first entry is kept.
 */
static int choose_link_targets(struct tree_build *tb)
{
	uint64_t prev_seq = 0;
	bool have_prev = false;

	tb->linked = malloc(sizeof(uint64_t) * (tb->n_entries / 2 + 1));
	if (!tb->linked)
		return log_oom();
	qsort(tb->entries, tb->n_entries, sizeof(tb->entries[0]), entry_cmp);
	for (size_t i = 0, end; i < tb->n_entries; i = end) {
		struct tree_entry *group = &tb->entries[i];
		size_t n, chosen = 0;

		for (end = i + 1; end < tb->n_entries && tb->entries[end].nid == group->nid; end++)
			;
		n = end - i;
		for (size_t j = 0; j < n && have_prev; j++)
			if (group[j].seq > prev_seq) {
				chosen = j;
				break;
			}
		prev_seq = group[chosen].seq;
		have_prev = true;
		if (n == 1)
			continue;
		tb->linked[tb->n_linked++] = group->nid;
		/* group[0], the first entry reached, holds the metadata. */
		if (chosen)
			move_inode(group[0].node, group[chosen].node);
		for (size_t j = 0; j < n; j++)
			group[j].node->link_to = j == chosen ? NULL : group[chosen].node;
	}
	return 0;
}

int cfs_image_read_tree(const struct cfs_image_file *img, struct cfs_node **ret)
{
	struct tree_build tb = {
		.img = img,
		.budget = TREE_BUDGET_FACTOR * (uint64_t)img->size + TREE_BUDGET_SLACK,
	};
	int r;

	r = cfs_image_walk(img, tree_entry, &tb);
	if (r >= 0)
		r = choose_link_targets(&tb);
	if (r >= 0)
		r = cfs_tree_unescape(img, tb.root, tb.linked, tb.n_linked);
	free(tb.entries);
	free(tb.linked);
	if (r < 0) {
		cfs_node_free(tb.root);
		return r;
	}
	*ret = tb.root;
	return 0;
}
