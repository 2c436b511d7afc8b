// SPDX-License-Identifier: MIT
/*
 * Where everything goes.  Inodes follow each other in BFS order on 32-byte
 * slots from offset 1152, each followed by its xattr area and its "tail":
 * the inline end of its data (the last dirent block, a short file's last
 * bytes, a symlink target, or an external file's chunk map).  A tail must
 * not cross a block boundary, so an inode may be pushed forward; the exact
 * rules are mkcomposefs's, quirks included, because the digest depends on
 * every padding byte.  Whole blocks of data follow the shared xattr table,
 * in BFS order.
 */
#include "tool/mkimage/writer_layout.h"

#include <sys/stat.h>

#include "lib/image/format.h"
#include "lib/base/log.h"
#include "lib/base/util.h"

#define DIRENT_SIZE sizeof(struct erofs_dirent)

size_t writer_dir_block_end(const struct winode *dir, size_t start, uint32_t *used)
{
	uint32_t u = 0;
	size_t i;

	for (i = start; i < dir->n_dirents; i++) {
		uint32_t len = (uint32_t)(DIRENT_SIZE + dir->dirents[i].name_len);

		if (u + len > CFS_BLOCK_SIZE)
			break;
		u += len;
	}
	*used = u;
	return i;
}

static void size_dir(struct winode *wi)
{
	uint32_t used = 0;
	size_t start = 0;

	/* Every full block goes to the data area; the last, partial one stays
	 * inline only if it fills at most half a block. */
	for (;;) {
		size_t end = writer_dir_block_end(wi, start, &used);

		if (end == wi->n_dirents)
			break;
		wi->n_blocks++;
		start = end;
	}
	if (used > CFS_MAX_INLINE_TAIL)
		wi->n_blocks++;
	else
		wi->tail = used;
}

static unsigned bit_length(uint64_t v)
{
	return v ? 64u - (unsigned)__builtin_clzll(v) : 0;
}

static int size_file(struct winode *wi)
{
	const struct cfs_node *node = wi->node;
	_cleanup_free_ char *path = NULL;

	if (!wi->external) {
		if (node->content_len != wi->size) {
			path = cfs_node_path(node);
			return log_errno(-EINVAL, "%s: %zu bytes of inline content for a size of %llu",
					 path ? path : node->name, node->content_len,
					 (unsigned long long)wi->size);
		}
		wi->n_blocks = (uint32_t)(wi->size / CFS_BLOCK_SIZE);
		wi->tail = (uint32_t)(wi->size % CFS_BLOCK_SIZE);
		if (wi->tail > CFS_MAX_INLINE_TAIL) {
			wi->n_blocks++;
			wi->tail = 0;
		}
		return 0;
	}
	/* One chunk covers the whole file up to 8 TiB; the map is all holes,
	 * the content comes from the store through overlayfs. */
	if (wi->size > CFS_MAX_FILE_SIZE) {
		path = cfs_node_path(node);
		return log_errno(-EFBIG, "%s is %llu bytes, larger than a composefs image can describe (8 PiB)",
				 path ? path : node->name, (unsigned long long)wi->size);
	}
	wi->chunkbits = MIN(MAX(CFS_BLOCK_BITS, bit_length(wi->size - 1)), CFS_MAX_CHUNKBITS);
	wi->n_chunks = (uint32_t)DIV_ROUND_UP(wi->size, (uint64_t)1 << wi->chunkbits);
	wi->tail = wi->n_chunks * 4;
	return 0;
}

static int size_symlink(struct winode *wi)
{
	const struct cfs_node *node = wi->node;

	if (node->payload_len == 0 || node->payload_len > CFS_SYMLINK_MAX) {
		_cleanup_free_ char *path = cfs_node_path(node);

		return log_errno(-EINVAL, "symlink %s has a target of %zu bytes (1..4095 allowed)",
				 path ? path : node->name, node->payload_len);
	}
	wi->size = node->payload_len;
	wi->tail = (uint32_t)node->payload_len;
	return 0;
}

static int size_data(struct winode *wi)
{
	switch (wi->mode & S_IFMT) {
	case S_IFDIR:
		size_dir(wi);
		return 0;
	case S_IFREG:
		return wi->size > 0 ? size_file(wi) : 0;
	case S_IFLNK:
		return size_symlink(wi);
	}
	return 0;
}

static bool mtime_before(int64_t s1, uint32_t ns1, int64_t s2, uint32_t ns2)
{
	return s1 < s2 || (s1 == s2 && ns1 < ns2);
}

/* Compact inodes have no mtime (readers use the build time) and 16-bit
 * link count and ids, 32-bit size. */
static bool fits_compact(const struct writer *w, const struct winode *wi)
{
	uint64_t size = S_ISDIR(wi->mode) ? (uint64_t)wi->n_blocks * CFS_BLOCK_SIZE + wi->tail
					  : wi->size;

	return wi->mtime_sec == w->min_mtime_sec && wi->mtime_nsec == w->min_mtime_nsec &&
	       wi->nlink <= UINT16_MAX && wi->uid <= UINT16_MAX && wi->gid <= UINT16_MAX &&
	       size <= UINT32_MAX;
}

/* A symlink's target goes to a block of its own when inode, xattrs and
 * target reach a block's size.  Either way the whole span is kept from
 * crossing a block boundary, counting the target even when it has moved
 * out (mkcomposefs does).  Returns the padding put before the inode. */
static uint64_t place_symlink(struct winode *wi, uint64_t pos, uint64_t base)
{
	uint64_t span = base + wi->tail;

	if (span >= CFS_BLOCK_SIZE) {
		wi->n_blocks = 1;
		wi->tail = 0;
	}
	if (pos / CFS_BLOCK_SIZE != (pos + span - 1) / CFS_BLOCK_SIZE)
		return ROUND_UP(pos, CFS_BLOCK_SIZE) - pos;
	return 0;
}

/* Keeps a directory's or file's tail within one block.  Returns the
 * padding put before the inode. */
static uint64_t place_tail(struct winode *wi, uint64_t pos, uint64_t base)
{
	uint64_t room = CFS_BLOCK_SIZE - (pos + base) % CFS_BLOCK_SIZE;
	uint64_t extra;

	if (room >= wi->tail)
		return 0;
	/* Push the inode forward by the room rounded up to a slot: the inode
	 * may then straddle a boundary, as long as the tail does not. */
	extra = ROUND_UP(room, CFS_SLOT_SIZE);
	if (wi->tail <= CFS_BLOCK_SIZE - (pos + base + extra) % CFS_BLOCK_SIZE)
		return extra;
	/* Only a chunk map of more than 1016 chunks gets here (an 8 PiB file):
	 * mkcomposefs then gives it one data block and starts the inode on a
	 * new block.  The result makes no sense, but it is what upstream's
	 * own test image holds. */
	wi->n_blocks++;
	wi->tail = 0;
	return ROUND_UP(pos, CFS_BLOCK_SIZE) - pos;
}

static uint64_t inode_size(const struct winode *wi)
{
	return wi->compact ? sizeof(struct erofs_inode_compact) : sizeof(struct erofs_inode_extended);
}

int writer_plan_layout(struct writer *w)
{
	uint64_t pos = CFS_INODES_START, block;
	int r;

	w->min_mtime_sec = w->inodes[0].mtime_sec;
	w->min_mtime_nsec = w->inodes[0].mtime_nsec;
	for (size_t i = 0; i < w->n_inodes; i++) {
		struct winode *wi = &w->inodes[i];

		r = size_data(wi);
		if (r < 0)
			return r;
		if (mtime_before(wi->mtime_sec, wi->mtime_nsec, w->min_mtime_sec, w->min_mtime_nsec)) {
			w->min_mtime_sec = wi->mtime_sec;
			w->min_mtime_nsec = wi->mtime_nsec;
		}
	}

	for (size_t i = 0; i < w->n_inodes; i++) {
		struct winode *wi = &w->inodes[i];
		uint64_t base;

		wi->compact = fits_compact(w, wi);
		base = inode_size(wi) + wi->xattr_size;
		pos = ROUND_UP(pos, CFS_SLOT_SIZE);
		pos += S_ISLNK(wi->mode) ? place_symlink(wi, pos, base) : place_tail(wi, pos, base);
		wi->offset = pos;
		pos += base + wi->tail;
	}
	w->inodes_end = ROUND_UP(pos, CFS_SLOT_SIZE);
	w->data_start = ROUND_UP(w->inodes_end + w->shared_size, CFS_BLOCK_SIZE);

	block = w->data_start / CFS_BLOCK_SIZE;
	for (size_t i = 0; i < w->n_inodes; i++) {
		struct winode *wi = &w->inodes[i];

		if (!wi->n_blocks)
			continue;
		wi->blkaddr = (uint32_t)block;
		block += wi->n_blocks;
		if (block > UINT32_MAX)
			return log_errno(-E2BIG, "the image would exceed 2^32 blocks");
	}
	w->n_data_blocks = block - w->data_start / CFS_BLOCK_SIZE;
	w->image_size = block * CFS_BLOCK_SIZE;
	return 0;
}
