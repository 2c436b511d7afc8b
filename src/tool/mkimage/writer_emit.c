// SPDX-License-Identifier: MIT
/*
 * The bytes of the image, written into a zeroed buffer at the offsets the
 * layout chose: every padding byte is therefore zero without being written.
 */
#include "tool/mkimage/writer_emit.h"

#include <string.h>
#include <sys/stat.h>

#include "lib/image/codec.h"
#include "lib/image/format.h"
#include "lib/base/util.h"
#include "tool/mkimage/writer_layout.h"
#include "tool/mkimage/writer_xattr.h"

static void emit_header(const struct writer *w, uint8_t *img)
{
	put_le32(img + offsetof(struct cfs_header, magic), CFS_MAGIC);
	put_le32(img + offsetof(struct cfs_header, version), CFS_HEADER_VERSION);
	put_le32(img + offsetof(struct cfs_header, flags), w->has_acl ? CFS_FLAG_HAS_ACL : 0);
	put_le32(img + offsetof(struct cfs_header, composefs_version), w->version);
}

static void emit_super(const struct writer *w, uint8_t *img)
{
	uint8_t *sb = img + EROFS_SUPER_OFFSET;

	put_le32(sb + offsetof(struct erofs_super, magic), EROFS_SUPER_MAGIC);
	put_le32(sb + offsetof(struct erofs_super, feature_compat),
		 EROFS_FEATURE_COMPAT_MTIME | EROFS_FEATURE_COMPAT_XATTR_FILTER);
	sb[offsetof(struct erofs_super, blkszbits)] = CFS_BLOCK_BITS;
	put_le16(sb + offsetof(struct erofs_super, root_nid),
		 (uint16_t)(w->inodes[0].offset / CFS_SLOT_SIZE));
	put_le64(sb + offsetof(struct erofs_super, inos), w->n_inodes);
	put_le64(sb + offsetof(struct erofs_super, build_time), (uint64_t)w->min_mtime_sec);
	put_le32(sb + offsetof(struct erofs_super, build_time_nsec), w->min_mtime_nsec);
	put_le32(sb + offsetof(struct erofs_super, blocks), (uint32_t)(w->image_size / CFS_BLOCK_SIZE));
	put_le32(sb + offsetof(struct erofs_super, xattr_blkaddr),
		 (uint32_t)(w->inodes_end / CFS_BLOCK_SIZE));
}

/* Dirents [start, end) as one block: all dirents, then all names, unpadded
 * and without terminators. */
static void emit_dirents(const struct writer *w, const struct winode *dir,
			 size_t start, size_t end, uint8_t *p)
{
	uint16_t nameoff = (uint16_t)((end - start) * sizeof(struct erofs_dirent));
	uint8_t *names = p + nameoff;

	for (size_t i = start; i < end; i++) {
		const struct wdirent *e = &dir->dirents[i];
		const struct winode *t = &w->inodes[e->target];

		put_le64(p + offsetof(struct erofs_dirent, nid), t->offset / CFS_SLOT_SIZE);
		put_le16(p + offsetof(struct erofs_dirent, nameoff), nameoff);
		p[offsetof(struct erofs_dirent, file_type)] = cfs_file_type(t->mode);
		p += sizeof(struct erofs_dirent);
		memcpy(names, e->name, e->name_len);
		names += e->name_len;
		nameoff += (uint16_t)e->name_len;
	}
}

/* Blocks go to the data area in order; a last group left over is the tail. */
static void emit_dir(const struct writer *w, const struct winode *dir, uint8_t *img, uint8_t *tail)
{
	size_t start = 0;

	for (uint32_t block = 0; start < dir->n_dirents; block++) {
		uint32_t used;
		size_t end = writer_dir_block_end(dir, start, &used);

		if (block < dir->n_blocks)
			emit_dirents(w, dir, start, end,
				     img + (uint64_t)(dir->blkaddr + block) * CFS_BLOCK_SIZE);
		else
			emit_dirents(w, dir, start, end, tail);
		start = end;
	}
}

static void emit_file(const struct winode *wi, uint8_t *img, uint8_t *tail)
{
	const struct cfs_node *node = wi->node;

	if (wi->external) {
		/* The chunk map: every chunk a hole.  The degenerate 8 PiB case
		 * has a data block of holes instead. */
		if (wi->n_blocks)
			memset(img + (uint64_t)wi->blkaddr * CFS_BLOCK_SIZE, 0xff, CFS_BLOCK_SIZE);
		else
			memset(tail, 0xff, (size_t)wi->n_chunks * 4);
		return;
	}
	for (uint32_t b = 0; b < wi->n_blocks; b++) {
		uint64_t off = (uint64_t)b * CFS_BLOCK_SIZE;

		memcpy(img + (uint64_t)(wi->blkaddr + b) * CFS_BLOCK_SIZE, node->content + off,
		       MIN((uint64_t)CFS_BLOCK_SIZE, wi->size - off));
	}
	if (wi->tail)
		memcpy(tail, node->content + wi->size - wi->tail, wi->tail);
}

static void emit_symlink(const struct winode *wi, uint8_t *img, uint8_t *tail)
{
	const struct cfs_node *node = wi->node;

	if (wi->n_blocks)
		memcpy(img + (uint64_t)wi->blkaddr * CFS_BLOCK_SIZE, node->payload, node->payload_len);
	else
		memcpy(tail, node->payload, node->payload_len);
}

static uint16_t i_format(const struct winode *wi)
{
	unsigned layout = wi->external ? EROFS_LAYOUT_CHUNK_BASED :
			  wi->tail ? EROFS_LAYOUT_FLAT_INLINE : EROFS_LAYOUT_FLAT_PLAIN;

	return EROFS_I_FORMAT(layout, wi->compact ? 0 : EROFS_INODE_EXTENDED);
}

/* i_u: a block address, a device number, or an external file's chunk
 * format (which overwrites the low half of the degenerate case's block). */
static uint32_t i_u(const struct winode *wi)
{
	uint32_t u = wi->n_blocks ? wi->blkaddr : 0;

	if (S_ISCHR(wi->mode) || S_ISBLK(wi->mode))
		u = (uint32_t)wi->rdev;
	if (wi->external)
		u = (u & 0xFFFF0000u) | (wi->chunkbits - CFS_BLOCK_BITS);
	return u;
}

static uint64_t i_size(const struct winode *wi)
{
	switch (wi->mode & S_IFMT) {
	case S_IFDIR:
		return (uint64_t)wi->n_blocks * CFS_BLOCK_SIZE + wi->tail;
	case S_IFREG:
	case S_IFLNK:
		return wi->size;
	}
	return 0;
}

static uint8_t *emit_inode(const struct winode *wi, uint32_t ino, uint8_t *p)
{
	uint16_t icount = wi->xattr_size ?
		(uint16_t)((wi->xattr_size - sizeof(struct erofs_xattr_ibody_header)) / 4 + 1) : 0;

#define PUT(type, field, bits, v) put_le##bits(p + offsetof(type, field), v)
	if (wi->compact) {
		PUT(struct erofs_inode_compact, i_format, 16, i_format(wi));
		PUT(struct erofs_inode_compact, i_xattr_icount, 16, icount);
		PUT(struct erofs_inode_compact, i_mode, 16, (uint16_t)wi->mode);
		PUT(struct erofs_inode_compact, i_nlink, 16, (uint16_t)wi->nlink);
		PUT(struct erofs_inode_compact, i_size, 32, (uint32_t)i_size(wi));
		PUT(struct erofs_inode_compact, i_u, 32, i_u(wi));
		PUT(struct erofs_inode_compact, i_ino, 32, ino);
		PUT(struct erofs_inode_compact, i_uid, 16, (uint16_t)wi->uid);
		PUT(struct erofs_inode_compact, i_gid, 16, (uint16_t)wi->gid);
		return p + sizeof(struct erofs_inode_compact);
	}
	PUT(struct erofs_inode_extended, i_format, 16, i_format(wi));
	PUT(struct erofs_inode_extended, i_xattr_icount, 16, icount);
	PUT(struct erofs_inode_extended, i_mode, 16, (uint16_t)wi->mode);
	PUT(struct erofs_inode_extended, i_size, 64, i_size(wi));
	PUT(struct erofs_inode_extended, i_u, 32, i_u(wi));
	PUT(struct erofs_inode_extended, i_ino, 32, ino);
	PUT(struct erofs_inode_extended, i_uid, 32, wi->uid);
	PUT(struct erofs_inode_extended, i_gid, 32, wi->gid);
	PUT(struct erofs_inode_extended, i_mtime, 64, (uint64_t)wi->mtime_sec);
	PUT(struct erofs_inode_extended, i_mtime_nsec, 32, wi->mtime_nsec);
	PUT(struct erofs_inode_extended, i_nlink, 32, wi->nlink);
#undef PUT
	return p + sizeof(struct erofs_inode_extended);
}

void writer_emit(const struct writer *w, uint8_t *img)
{
	emit_header(w, img);
	emit_super(w, img);
	for (size_t i = 0; i < w->n_inodes; i++) {
		const struct winode *wi = &w->inodes[i];
		uint8_t *p = emit_inode(wi, (uint32_t)i, img + wi->offset);

		p = writer_emit_xattr_area(w, wi, p);
		switch (wi->mode & S_IFMT) {
		case S_IFDIR:
			emit_dir(w, wi, img, p);
			break;
		case S_IFREG:
			if (wi->size > 0)
				emit_file(wi, img, p);
			break;
		case S_IFLNK:
			emit_symlink(wi, img, p);
			break;
		}
	}
	writer_emit_shared_table(w, img + w->inodes_end);
}
