// SPDX-License-Identifier: MIT
/*
 * Extended attributes in the image.  A (key, value) pair that occurs on
 * more than one inode is written once, in the shared table after the
 * inodes, and each inode refers to it by a 32-bit id; an inode holds at most
 * 128 such references, in key order, and keeps any further shared pairs
 * inline.  The table is ordered by key, value length and value bytes, all
 * descending: mkcomposefs sorts that way, and byte identity depends on it.
 * Each inode's area starts with a 32-bit bloom filter of its names.
 */
#include "tool/mkimage/writer_xattr.h"

#include <stdlib.h>
#include <string.h>

#include "lib/image/codec.h"
#include "lib/image/format.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/image/xxhash.h"

/* A known prefix is replaced by its index; a key without one keeps its
 * full name and index 0. */
static void split_key(struct wxattr *x)
{
	x->index = cfs_xattr_index_of(x->key, x->key_len, &x->suffix_len);
}

static const char *suffix(const struct wxattr *x)
{
	return x->key + (x->key_len - x->suffix_len);
}

static uint32_t entry_size(const struct wxattr *x)
{
	return (uint32_t)EROFS_XATTR_ALIGN(sizeof(struct erofs_xattr_entry) +
					   x->suffix_len + x->value_len);
}

/* The shared table's order: key, value length, value bytes, descending. */
static int table_cmp(const void *pa, const void *pb)
{
	const struct wxattr *a = *(struct wxattr *const *)pa;
	const struct wxattr *b = *(struct wxattr *const *)pb;
	int r = cfs_name_cmp(b->key, b->key_len, a->key, a->key_len);

	if (r)
		return r;
	if (a->value_len != b->value_len)
		return a->value_len < b->value_len ? 1 : -1;
	return memcmp(b->value, a->value, a->value_len);
}

static int check_inode_xattrs(struct writer *w, struct winode *wi)
{
	for (size_t i = 0; i < wi->n_xattrs; i++) {
		struct wxattr *x = &wi->xattrs[i];
		const char *why = NULL;

		split_key(x);
		if (x->key_len == 0)
			why = "has an empty name";
		else if (x->suffix_len > EROFS_XATTR_SUFFIX_MAX)
			why = "has a name longer than EROFS stores";
		else if (x->value_len > EROFS_XATTR_VALUE_MAX)
			why = "has a value longer than 65535 bytes";
		if (why) {
			_cleanup_free_ char *path = wi->node ? cfs_node_path(wi->node) : NULL;

			return log_errno(-E2BIG, "xattr '%s' of %s %s", x->key,
					 path ? path : "an inode", why);
		}
		if (strcmp(x->key, EROFS_XATTR_NAME_POSIX_ACL_ACCESS) == 0 ||
		    strcmp(x->key, EROFS_XATTR_NAME_POSIX_ACL_DEFAULT) == 0)
			w->has_acl = true;
	}
	return 0;
}

/* Finds the pairs that occur more than once: sorting every occurrence in
 * table order puts equal pairs next to each other, already in the order
 * the table wants. */
static int find_shared(struct writer *w)
{
	_cleanup_free_ struct wxattr **all = NULL;
	size_t n = 0, total = 0;
	uint64_t off = 0;

	for (size_t i = 0; i < w->n_inodes; i++)
		total += w->inodes[i].n_xattrs;
	all = calloc(total ? total : 1, sizeof(*all));
	w->shared = calloc(total ? total : 1, sizeof(*w->shared));
	w->shared_off = calloc(total ? total : 1, sizeof(*w->shared_off));
	if (!all || !w->shared || !w->shared_off)
		return log_oom();
	for (size_t i = 0; i < w->n_inodes; i++)
		for (size_t j = 0; j < w->inodes[i].n_xattrs; j++)
			all[n++] = &w->inodes[i].xattrs[j];
	qsort(all, n, sizeof(*all), table_cmp);

	for (size_t i = 0; i < n;) {
		size_t run = 1;

		while (i + run < n && table_cmp(&all[i], &all[i + run]) == 0)
			run++;
		if (run > 1) {
			if (off > UINT32_MAX)
				return log_errno(-E2BIG, "the shared xattr table is too large");
			for (size_t k = 0; k < run; k++)
				all[i + k]->shared = (int32_t)w->n_shared;
			w->shared[w->n_shared] = all[i];
			w->shared_off[w->n_shared] = (uint32_t)off;
			w->n_shared++;
			off += entry_size(all[i]);
		}
		i += run;
	}
	w->shared_size = off;
	return 0;
}

/* The inode's area: header, references, then its other entries. */
static int size_inode_area(struct winode *wi)
{
	uint64_t size = sizeof(struct erofs_xattr_ibody_header);

	if (wi->n_xattrs == 0)
		return 0;
	for (size_t i = 0; i < wi->n_xattrs; i++) {
		struct wxattr *x = &wi->xattrs[i];

		x->by_ref = x->shared >= 0 && wi->n_refs < CFS_MAX_SHARED_XATTRS_PER_INODE;
		if (x->by_ref) {
			wi->n_refs++;
			size += 4;
		} else {
			size += entry_size(x);
		}
	}
	if ((size - sizeof(struct erofs_xattr_ibody_header)) / 4 + 1 > EROFS_XATTR_ICOUNT_MAX) {
		_cleanup_free_ char *path = wi->node ? cfs_node_path(wi->node) : NULL;

		return log_errno(-E2BIG, "the xattrs of %s take %llu bytes, more than EROFS allows",
				 path ? path : "an inode", (unsigned long long)size);
	}
	wi->xattr_size = (uint32_t)size;
	return 0;
}

int writer_plan_xattrs(struct writer *w)
{
	int r;

	for (size_t i = 0; i < w->n_inodes; i++) {
		r = check_inode_xattrs(w, &w->inodes[i]);
		if (r < 0)
			return r;
	}
	r = find_shared(w);
	if (r < 0)
		return r;
	for (size_t i = 0; i < w->n_inodes; i++) {
		r = size_inode_area(&w->inodes[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static uint8_t *emit_entry(const struct wxattr *x, uint8_t *p)
{
	p[0] = (uint8_t)x->suffix_len;
	p[1] = x->index;
	put_le16(p + 2, (uint16_t)x->value_len);
	memcpy(p + 4, suffix(x), x->suffix_len);
	if (x->value_len)
		memcpy(p + 4 + x->suffix_len, x->value, x->value_len);
	/* The padding is already zero: the image buffer starts zeroed. */
	return p + entry_size(x);
}

/* A set bit says that no name of the inode hashes to it. */
static uint32_t name_filter(const struct winode *wi)
{
	uint32_t present = 0;

	for (size_t i = 0; i < wi->n_xattrs; i++) {
		const struct wxattr *x = &wi->xattrs[i];
		uint32_t h = cfs_xxh32(suffix(x), x->suffix_len, EROFS_XATTR_FILTER_SEED + x->index);

		present |= 1u << (h % EROFS_XATTR_FILTER_BITS);
	}
	return ~present;
}

uint8_t *writer_emit_xattr_area(const struct writer *w, const struct winode *wi, uint8_t *p)
{
	/* Shared ids count 4-byte words from the start of the block that
	 * holds the table (xattr_blkaddr). */
	uint64_t table_base = w->inodes_end % CFS_BLOCK_SIZE;

	if (wi->n_xattrs == 0)
		return p;
	put_le32(p, name_filter(wi));
	p[4] = (uint8_t)wi->n_refs;
	p += sizeof(struct erofs_xattr_ibody_header);
	for (size_t i = 0; i < wi->n_xattrs; i++) {
		const struct wxattr *x = &wi->xattrs[i];

		if (x->by_ref) {
			put_le32(p, (uint32_t)((table_base + w->shared_off[x->shared]) / 4));
			p += 4;
		}
	}
	for (size_t i = 0; i < wi->n_xattrs; i++)
		if (!wi->xattrs[i].by_ref)
			p = emit_entry(&wi->xattrs[i], p);
	return p;
}

void writer_emit_shared_table(const struct writer *w, uint8_t *p)
{
	for (size_t i = 0; i < w->n_shared; i++)
		emit_entry(w->shared[i], p + w->shared_off[i]);
}
