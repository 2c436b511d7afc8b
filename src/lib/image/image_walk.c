// SPDX-License-Identifier: MIT
/*
 * The walk every whole-tree reader uses: breadth-first from the root, the
 * order the writer lays inodes out in, with the checks that make a hostile
 * image harmless:
 *
 *   - a directory may be reached once: a second time is a loop or a
 *     directory hard link, both refused;
 *   - "." and ".." must name the directory and its parent;
 *   - each entry's file type must match its inode;
 *   - the tree is at most CFS_IMAGE_MAX_DEPTH deep;
 *   - every inode, with its xattrs and inline data, and every data block
 *     is "claimed" in a bitmap of 32-byte slots the first time it is
 *     reached; bytes claimed twice are refused.
 *
 * The last rule bounds everything: a directory's entries are bytes no other
 * directory may use, so there are fewer entries than the image has bytes,
 * and the walk's time and memory grow with the image size alone.
 * Non-directory inodes may be reached again (hard links); only the first
 * entry claims them.
 *
 * The writer's walk (tool/mkimage/writer_tree.c) goes in the same order
 * but is a different walk: it numbers a trusted in-memory tree and adds
 * the entries composefs puts in every image, where this one follows nids
 * through untrusted bytes and checks them.  What both must agree on (the
 * file type of a mode, the xattr prefixes) is in codec.c.
 */
#include "lib/image/image_walk.h"

#include "lib/image/image_dir.h"
#include "lib/image/image_priv.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "lib/base/array.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/image/codec.h"
#include "lib/image/image_xattr.h"

struct queued {
	uint64_t nid, parent_nid;
	void *cookie;
	unsigned int depth;
};

struct walk {
	const struct cfs_image_file *img;
	cfs_walk_fn fn;
	void *userdata;
	uint64_t *visited;          /* one bit per nid */
	uint64_t *claimed;          /* one bit per 32-byte slot of the image */
	struct queued *queue;
	size_t head, len, cap;
	uint64_t seq;
};

static bool test_bit(const uint64_t *map, uint64_t bit)
{
	return map[bit / 64] & (1ull << (bit % 64));
}

static void set_bit(uint64_t *map, uint64_t bit)
{
	map[bit / 64] |= 1ull << (bit % 64);
}

/* Claims bytes [start, start + len) for one owner; false if any of their
 * slots is already taken. */
static bool claim(struct walk *w, uint64_t start, uint64_t len)
{
	uint64_t first = start / CFS_SLOT_SIZE, end = DIV_ROUND_UP(start + len, CFS_SLOT_SIZE);

	for (uint64_t s = first; s < end; s++)
		if (test_bit(w->claimed, s))
			return false;
	for (uint64_t s = first; s < end; s++)
		set_bit(w->claimed, s);
	return true;
}

static int claim_inode(struct walk *w, const struct cfs_inode *ino)
{
	const struct cfs_image_file *img = w->img;
	uint64_t end = (uint64_t)(ino->tail - img->data) + ino->tail_len;

	if (!claim(w, ino->offset, end - ino->offset))
		return cfs_image_corrupt(img, ino->nid, "the inode (bytes %llu..%llu) overlaps another inode",
					 (unsigned long long)ino->offset, (unsigned long long)end);
	if (ino->nblocks &&
	    !claim(w, (uint64_t)ino->blkaddr * CFS_BLOCK_SIZE, ino->nblocks * CFS_BLOCK_SIZE))
		return cfs_image_corrupt(img, ino->nid, "its data blocks %u..%llu are used by another inode",
					 ino->blkaddr, (unsigned long long)(ino->blkaddr + ino->nblocks - 1));
	return 0;
}

static int enqueue(struct walk *w, uint64_t nid, uint64_t parent_nid, void *cookie, unsigned int depth)
{
	if (CFS_GROW(w->queue, w->cap, w->len + 1, 64) < 0)
		return log_oom();
	w->queue[w->len++] = (struct queued){ nid, parent_nid, cookie, depth };
	return 0;
}

/* Reports one entry (or the root, parent == NULL) and queues directories. */
static int visit(struct walk *w, const struct queued *parent, const struct cfs_dirent_ref *de,
		 const struct cfs_inode *ino)
{
	bool is_dir = S_ISDIR(ino->mode);
	struct cfs_walk_entry e = {
		.parent = parent ? parent->cookie : NULL,
		.parent_nid = parent ? parent->nid : ino->nid,
		.name = de ? de->name : NULL,
		.name_len = de ? de->name_len : 0,
		.inode = ino,
		.first = !test_bit(w->visited, ino->nid),
		.depth = parent ? parent->depth + 1 : 0,
		.seq = w->seq,
	};
	void *cookie = NULL;
	int r;

	if (is_dir && !e.first)
		return cfs_image_corrupt(w->img, ino->nid,
					 "directory reached a second time (from directory nid %llu): a loop or a directory hard link",
					 (unsigned long long)e.parent_nid);
	if (e.depth > CFS_IMAGE_MAX_DEPTH)
		return cfs_image_corrupt(w->img, ino->nid, "the tree is deeper than %u levels",
					 CFS_IMAGE_MAX_DEPTH);
	if (e.first) {
		set_bit(w->visited, ino->nid);
		r = claim_inode(w, ino);
		if (r < 0)
			return r;
		r = cfs_xattr_check_filter(w->img, ino);
		if (r < 0)
			return r;
	}
	w->seq++;
	r = w->fn(&e, &cookie, w->userdata);
	if (r < 0)
		return r;
	if (is_dir)
		return enqueue(w, ino->nid, e.parent_nid, cookie, e.depth);
	return 0;
}

static int check_dot(struct walk *w, const struct queued *dir, const struct cfs_dirent_ref *de)
{
	uint64_t want = de->name_len == 1 ? dir->nid : dir->parent_nid;

	if (de->nid != want || de->file_type != EROFS_FT_DIR)
		return cfs_image_corrupt(w->img, dir->nid, "its '%.*s' entry points at nid %llu instead of %llu",
					 (int)de->name_len, de->name, (unsigned long long)de->nid,
					 (unsigned long long)want);
	return 0;
}

static int walk_dir(struct walk *w, const struct queued *dir)
{
	struct cfs_inode ino, child;
	struct cfs_dir_iter it;
	struct cfs_dirent_ref de;
	int r;

	r = cfs_image_read_inode(w->img, dir->nid, &ino);
	if (r < 0)
		return r;
	cfs_dir_iter_init(&it, w->img, &ino);
	while ((r = cfs_dir_iter_next(&it, &de)) > 0) {
		char shown[CFS_NAME_PRINT_BUF];

		if (cfs_name_is_dot(de.name, de.name_len)) {
			r = check_dot(w, dir, &de);
			if (r < 0)
				return r;
			continue;
		}
		r = cfs_image_read_inode(w->img, de.nid, &child);
		if (r < 0)
			return r;
		if (cfs_file_type(child.mode) != de.file_type)
			return cfs_image_corrupt(w->img, dir->nid,
						 "entry '%s' says file type %u but its inode %llu has mode 0%o",
						 cfs_name_printable(de.name, de.name_len, shown), de.file_type,
						 (unsigned long long)de.nid, child.mode);
		r = visit(w, dir, &de, &child);
		if (r < 0)
			return r;
	}
	return r;
}

int cfs_image_walk(const struct cfs_image_file *img, cfs_walk_fn fn, void *userdata)
{
	struct walk w = { .img = img, .fn = fn, .userdata = userdata };
	struct cfs_inode root;
	int r;

	w.visited = calloc(DIV_ROUND_UP(img->n_nids, 64), sizeof(uint64_t));
	w.claimed = calloc(DIV_ROUND_UP(img->size / CFS_SLOT_SIZE, 64), sizeof(uint64_t));
	if (!w.visited || !w.claimed) {
		r = log_oom();
		goto out;
	}
	/* The composefs header and the superblock belong to no inode. */
	claim(&w, 0, CFS_INODES_START);

	r = cfs_image_read_inode(img, img->info.root_nid, &root);
	if (r < 0)
		goto out;
	r = visit(&w, NULL, NULL, &root);
	while (r >= 0 && w.head < w.len) {
		struct queued dir = w.queue[w.head++];

		r = walk_dir(&w, &dir);
	}
out:
	free(w.visited);
	free(w.claimed);
	free(w.queue);
	return r < 0 ? r : 0;
}
