// SPDX-License-Identifier: MIT
/*
 * The image reader's base: open an image, check its composefs header and
 * EROFS superblock, and decode one inode with everything it points at
 * checked against the file.  What an inode's bytes mean is in format.h.
 */
#include "lib/image/image_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

int cfs_image_bad(const struct cfs_image_file *img, int err, uint64_t nid, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (nid == CFS_NO_NID)
		return log_errno(err, "%s: %s", img->name, msg);
	return log_errno(err, "%s: nid %llu (offset %llu): %s", img->name,
			 (unsigned long long)nid,
			 (unsigned long long)(img->meta_start + nid * CFS_SLOT_SIZE), msg);
}

const char *cfs_name_printable(const char *name, size_t len, char *buf)
{
	char *p = buf;

	len = MIN(len, CFS_NAME_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c > ' ' && c < 0x7f && c != '\\')
			*p++ = (char)c;
		else
			p += sprintf(p, "\\x%02x", c);
	}
	*p = '\0';
	return buf;
}

/* ---- header and superblock ---------------------------------------------- */

static int parse_header(struct cfs_image_file *img)
{
	const uint8_t *h = img->data;
	uint32_t magic = get_le32(h), version = get_le32(h + 4);
	uint32_t flags = get_le32(h + 8), fmt = get_le32(h + 12);

	if (magic != CFS_MAGIC) {
		if (get_le32(h + EROFS_SUPER_OFFSET) == EROFS_SUPER_MAGIC)
			return cfs_image_corrupt(img, CFS_NO_NID,
						 "an EROFS image without a composefs header (magic 0x%08x)", magic);
		return cfs_image_corrupt(img, CFS_NO_NID,
					 "not a composefs image: bad magic 0x%08x at offset 0", magic);
	}
	if (version != CFS_HEADER_VERSION)
		return cfs_image_unsupported(img, CFS_NO_NID,
					     "composefs header version %u; this reader knows version %u",
					     version, CFS_HEADER_VERSION);
	if (fmt > CFS_MAX_FORMAT_VERSION)
		return cfs_image_unsupported(img, CFS_NO_NID,
					     "composefs format version %u; this reader knows up to %u",
					     fmt, CFS_MAX_FORMAT_VERSION);
	if (flags & ~CFS_FLAG_HAS_ACL)
		return cfs_image_unsupported(img, CFS_NO_NID, "unknown composefs header flags 0x%x", flags);
	img->info.flags = flags;
	img->info.format_version = fmt;
	return 0;
}

static int parse_super(struct cfs_image_file *img)
{
	const uint8_t *sb = img->data + EROFS_SUPER_OFFSET;
	struct cfs_image_info *info = &img->info;
	uint32_t incompat = get_le32(sb + offsetof(struct erofs_super, feature_incompat));

	if (get_le32(sb) != EROFS_SUPER_MAGIC)
		return cfs_image_corrupt(img, CFS_NO_NID, "bad EROFS superblock magic 0x%08x at offset %u",
					 get_le32(sb), EROFS_SUPER_OFFSET);
	if (sb[offsetof(struct erofs_super, blkszbits)] != CFS_BLOCK_BITS)
		return cfs_image_unsupported(img, CFS_NO_NID, "block size 2^%u; composefs uses 4096",
					     sb[offsetof(struct erofs_super, blkszbits)]);
	if (incompat)
		return cfs_image_unsupported(img, CFS_NO_NID,
					     "EROFS incompatible features 0x%x, which composefs never uses",
					     incompat);

	info->feature_compat = get_le32(sb + offsetof(struct erofs_super, feature_compat));
	info->root_nid = get_le16(sb + offsetof(struct erofs_super, root_nid));
	info->inodes = get_le64(sb + offsetof(struct erofs_super, inos));
	info->build_time_sec = (int64_t)get_le64(sb + offsetof(struct erofs_super, build_time));
	info->build_time_nsec = get_le32(sb + offsetof(struct erofs_super, build_time_nsec));
	info->blocks = get_le32(sb + offsetof(struct erofs_super, blocks));
	info->meta_blkaddr = get_le32(sb + offsetof(struct erofs_super, meta_blkaddr));
	info->xattr_blkaddr = get_le32(sb + offsetof(struct erofs_super, xattr_blkaddr));

	if ((uint64_t)info->blocks * CFS_BLOCK_SIZE != img->size)
		return cfs_image_corrupt(img, CFS_NO_NID,
					 "the superblock says %u blocks (%llu bytes) but the file has %zu bytes; truncated?",
					 info->blocks, (unsigned long long)info->blocks * CFS_BLOCK_SIZE, img->size);
	img->meta_start = (uint64_t)info->meta_blkaddr * CFS_BLOCK_SIZE;
	img->xattr_start = (uint64_t)info->xattr_blkaddr * CFS_BLOCK_SIZE;
	if (img->meta_start >= img->size)
		return cfs_image_corrupt(img, CFS_NO_NID, "metadata block %u is past the end of the image",
					 info->meta_blkaddr);
	if (img->xattr_start > img->size)
		return cfs_image_corrupt(img, CFS_NO_NID, "shared xattr block %u is past the end of the image",
					 info->xattr_blkaddr);
	img->n_nids = (img->size - img->meta_start) / CFS_SLOT_SIZE;
	return 0;
}

static int parse(struct cfs_image_file *img)
{
	struct cfs_inode root;
	int r;

	/* The superblock ends inside the first block; a valid image has at
	 * least that one block, as blocks * 4096 == size is checked next. */
	if (img->size < CFS_BLOCK_SIZE || img->size % CFS_BLOCK_SIZE)
		return cfs_image_corrupt(img, CFS_NO_NID,
					 "%zu bytes is not a whole number of 4096-byte blocks; truncated?",
					 img->size);
	r = parse_header(img);
	if (r < 0)
		return r;
	r = parse_super(img);
	if (r < 0)
		return r;
	r = cfs_image_read_inode(img, img->info.root_nid, &root);
	if (r < 0)
		return r;
	if (!S_ISDIR(root.mode))
		return cfs_image_corrupt(img, root.nid, "the root inode is not a directory (mode 0%o)",
					 root.mode);
	return 0;
}

static int image_new(const char *name, struct cfs_image_file **ret)
{
	struct cfs_image_file *img = calloc(1, sizeof(*img));

	if (!img)
		return log_oom();
	img->name = strdup(name ? name : "image");
	if (!img->name) {
		free(img);
		return log_oom();
	}
	*ret = img;
	return 0;
}

int cfs_image_open_buf(const void *data, size_t len, const char *name, struct cfs_image_file **ret)
{
	struct cfs_image_file *img = NULL;
	int r;

	r = image_new(name, &img);
	if (r < 0)
		return r;
	img->data = data;
	img->size = len;
	if (len > CFS_IMAGE_MAX_SIZE)
		r = cfs_image_unsupported(img, CFS_NO_NID, "%zu bytes is more than the %llu this reader accepts",
					  len, CFS_IMAGE_MAX_SIZE);
	else
		r = parse(img);
	if (r < 0) {
		cfs_image_close(img);
		return r;
	}
	*ret = img;
	return 0;
}

int cfs_image_open_fd(int fd, const char *name, struct cfs_image_file **ret)
{
	_cleanup_free_ uint8_t *buf = NULL;
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0)
		return log_errno(-errno, "cannot stat %s: %m", name);
	if (!S_ISREG(st.st_mode))
		return log_errno(-EUCLEAN, "%s: not a regular file", name);
	if ((uint64_t)st.st_size > CFS_IMAGE_MAX_SIZE)
		return log_errno(-EOPNOTSUPP, "%s: %lld bytes is more than the %llu this reader accepts",
				 name, (long long)st.st_size, CFS_IMAGE_MAX_SIZE);
	/* Too small to hold anything: let the parser say what is missing. */
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf)
		return log_oom();
	r = cfs_pread_full(fd, buf, (size_t)st.st_size, 0);
	if (r < 0)
		return log_errno(r, "cannot read %s: %m", name);
	r = cfs_image_open_buf(buf, (size_t)st.st_size, name, ret);
	if (r < 0)
		return r;
	(*ret)->owned = TAKE_PTR(buf);
	return 0;
}

void cfs_image_close(struct cfs_image_file *img)
{
	if (!img)
		return;
	free(img->owned);
	free(img->name);
	free(img);
}

const struct cfs_image_info *cfs_image_info(const struct cfs_image_file *img)
{
	return &img->info;
}

const uint8_t *cfs_image_data(const struct cfs_image_file *img, size_t *len)
{
	*len = img->size;
	return img->data;
}

const char *cfs_image_name(const struct cfs_image_file *img)
{
	return img->name;
}

/* ---- inodes ------------------------------------------------------------- */

static void decode_compact(const struct cfs_image_file *img, const uint8_t *p, struct cfs_inode *ino)
{
	ino->mode = get_le16(p + offsetof(struct erofs_inode_compact, i_mode));
	ino->nlink = get_le16(p + offsetof(struct erofs_inode_compact, i_nlink));
	ino->size = get_le32(p + offsetof(struct erofs_inode_compact, i_size));
	ino->ino = get_le32(p + offsetof(struct erofs_inode_compact, i_ino));
	ino->uid = get_le16(p + offsetof(struct erofs_inode_compact, i_uid));
	ino->gid = get_le16(p + offsetof(struct erofs_inode_compact, i_gid));
	/* Compact inodes have no time of their own: they share the build time. */
	ino->mtime_sec = img->info.build_time_sec;
	ino->mtime_nsec = img->info.build_time_nsec;
}

static void decode_extended(const uint8_t *p, struct cfs_inode *ino)
{
	ino->mode = get_le16(p + offsetof(struct erofs_inode_extended, i_mode));
	ino->size = get_le64(p + offsetof(struct erofs_inode_extended, i_size));
	ino->ino = get_le32(p + offsetof(struct erofs_inode_extended, i_ino));
	ino->uid = get_le32(p + offsetof(struct erofs_inode_extended, i_uid));
	ino->gid = get_le32(p + offsetof(struct erofs_inode_extended, i_gid));
	ino->mtime_sec = (int64_t)get_le64(p + offsetof(struct erofs_inode_extended, i_mtime));
	/* Any u32, 10^9 and over too, as the build time's: mkcomposefs (and
	 * mkimage) write a dump's nanoseconds as given, and the kernel shows
	 * them unchanged in stat. */
	ino->mtime_nsec = get_le32(p + offsetof(struct erofs_inode_extended, i_mtime_nsec));
	ino->nlink = get_le32(p + offsetof(struct erofs_inode_extended, i_nlink));
}

/* Whole data blocks [blkaddr, blkaddr + n) must lie inside the image. */
static int check_blocks(const struct cfs_image_file *img, const struct cfs_inode *ino)
{
	if (ino->nblocks == 0)
		return 0;
	if (ino->blkaddr >= img->info.blocks || ino->nblocks > img->info.blocks - ino->blkaddr)
		return cfs_image_corrupt(img, ino->nid,
					 "%llu data blocks at block %u run past the image's %u blocks",
					 (unsigned long long)ino->nblocks, ino->blkaddr, img->info.blocks);
	return 0;
}

/* The inline tail follows the xattrs and, like the kernel requires, does
 * not cross a block boundary. */
static int check_tail(const struct cfs_image_file *img, const struct cfs_inode *ino, uint64_t tail_off,
		      bool one_block)
{
	if (tail_off > img->size || ino->tail_len > img->size - tail_off)
		return cfs_image_corrupt(img, ino->nid, "%zu bytes of inline data run past the end of the image",
					 ino->tail_len);
	if (one_block && ino->tail_len &&
	    tail_off / CFS_BLOCK_SIZE != (tail_off + ino->tail_len - 1) / CFS_BLOCK_SIZE)
		return cfs_image_corrupt(img, ino->nid, "%zu bytes of inline data cross a block boundary",
					 ino->tail_len);
	return 0;
}

/*
 * A chunk-based file's map of u32 block addresses follows its xattrs.  When
 * the map cannot fit in the rest of that block, mkcomposefs moves it into a
 * data block it cannot point at any more (its i_u holds the chunk format):
 * a layout no reader can follow, written only for files of petabytes.  As
 * composefs reads such files from the store, never through the map, the map
 * is then ignored rather than refused, and is no part of the inode.
 */
static int decode_chunk_map(const struct cfs_image_file *img, struct cfs_inode *ino, uint32_t i_u,
			    uint64_t map_off)
{
	unsigned int bits = CFS_BLOCK_BITS + (i_u & EROFS_CHUNK_FORMAT_BLKBITS_MASK);
	uint64_t chunks;

	if (i_u & EROFS_CHUNK_FORMAT_INDEXES)
		return cfs_image_unsupported(img, ino->nid, "chunk index records, which composefs never writes");
	chunks = (ino->size >> bits) + !!(ino->size & ((1ull << bits) - 1));
	if (chunks > CFS_MAX_CHUNKS)
		return cfs_image_corrupt(img, ino->nid, "%llu chunks; composefs writes at most %u",
					 (unsigned long long)chunks, CFS_MAX_CHUNKS);
	if (map_off % CFS_BLOCK_SIZE + chunks * 4 <= CFS_BLOCK_SIZE)
		ino->tail_len = chunks * 4;
	return 0;
}

/* composefs files keep their data in the store: every chunk is a hole. */
static int check_chunk_holes(const struct cfs_image_file *img, const struct cfs_inode *ino)
{
	for (size_t i = 0; i < ino->tail_len; i += 4)
		if (get_le32(ino->tail + i) != EROFS_NULL_ADDR)
			return cfs_image_corrupt(img, ino->nid,
						 "chunk %zu maps block %u; composefs files have no data in the image",
						 i / 4, get_le32(ino->tail + i));
	return 0;
}

static int decode_layout(const struct cfs_image_file *img, struct cfs_inode *ino, uint32_t i_u,
			 uint64_t tail_off)
{
	uint32_t type = ino->mode & S_IFMT;

	switch (ino->layout) {
	case EROFS_LAYOUT_FLAT_PLAIN:
		ino->nblocks = DIV_ROUND_UP(ino->size, CFS_BLOCK_SIZE);
		break;
	case EROFS_LAYOUT_FLAT_INLINE:
		ino->nblocks = ino->size / CFS_BLOCK_SIZE;
		ino->tail_len = ino->size % CFS_BLOCK_SIZE;
		break;
	case EROFS_LAYOUT_CHUNK_BASED:
		if (type != S_IFREG)
			return cfs_image_corrupt(img, ino->nid, "a chunk-based inode of mode 0%o", ino->mode);
		return decode_chunk_map(img, ino, i_u, tail_off);
	default:
		return cfs_image_unsupported(img, ino->nid, "data layout %u, which composefs never writes",
					     ino->layout);
	}
	if (ino->nblocks)
		ino->blkaddr = i_u;
	return check_blocks(img, ino);
}

/* What composefs writes for each file type; anything else is damage. */
static int check_type(const struct cfs_image_file *img, struct cfs_inode *ino, uint32_t i_u)
{
	switch (ino->mode & S_IFMT) {
	case S_IFDIR:
	case S_IFREG:
		return 0;
	case S_IFLNK:
		if (ino->size == 0 || ino->size > CFS_SYMLINK_MAX)
			return cfs_image_corrupt(img, ino->nid, "a symlink target of %llu bytes",
						 (unsigned long long)ino->size);
		return 0;
	case S_IFCHR:
	case S_IFBLK:
		ino->rdev = i_u;
		/* fall through */
	case S_IFIFO:
	case S_IFSOCK:
		if (ino->size || ino->layout != EROFS_LAYOUT_FLAT_PLAIN)
			return cfs_image_corrupt(img, ino->nid, "a special file (mode 0%o) with %llu bytes of data",
						 ino->mode, (unsigned long long)ino->size);
		return 0;
	default:
		return cfs_image_corrupt(img, ino->nid, "invalid file type in mode 0%o", ino->mode);
	}
}

static int decode_xattr_area(const struct cfs_image_file *img, struct cfs_inode *ino, uint16_t icount,
			     uint64_t area_off)
{
	ino->xattr_size = EROFS_XATTR_AREA_SIZE(icount);
	if (area_off > img->size || ino->xattr_size > img->size - area_off)
		return cfs_image_corrupt(img, ino->nid, "its %zu-byte xattr area runs past the end of the image",
					 ino->xattr_size);
	ino->xattrs = img->data + area_off;
	if (!icount)
		return 0;
	ino->shared_count = ino->xattrs[offsetof(struct erofs_xattr_ibody_header, h_shared_count)];
	if (sizeof(struct erofs_xattr_ibody_header) + 4 * ino->shared_count > ino->xattr_size)
		return cfs_image_corrupt(img, ino->nid, "%u shared xattrs do not fit its %zu-byte xattr area",
					 ino->shared_count, ino->xattr_size);
	return 0;
}

int cfs_image_read_inode(const struct cfs_image_file *img, uint64_t nid, struct cfs_inode *ino)
{
	const uint8_t *p;
	uint16_t format;
	uint32_t i_u;
	size_t isize;
	int r;

	memset(ino, 0, sizeof(*ino));
	ino->nid = nid;
	if (nid >= img->n_nids)
		return cfs_image_corrupt(img, CFS_NO_NID, "nid %llu is outside the image",
					 (unsigned long long)nid);
	ino->offset = img->meta_start + nid * CFS_SLOT_SIZE;
	p = img->data + ino->offset;
	format = get_le16(p);
	ino->extended = EROFS_I_IS_EXTENDED(format);
	ino->layout = EROFS_I_LAYOUT(format);
	if (format >> 4)
		return cfs_image_unsupported(img, nid, "inode format 0x%x has bits composefs never sets", format);
	isize = ino->extended ? sizeof(struct erofs_inode_extended) : sizeof(struct erofs_inode_compact);
	if (isize > img->size - ino->offset)
		return cfs_image_corrupt(img, nid, "the inode runs past the end of the image");
	if (ino->extended) {
		decode_extended(p, ino);
		i_u = get_le32(p + offsetof(struct erofs_inode_extended, i_u));
	} else {
		decode_compact(img, p, ino);
		i_u = get_le32(p + offsetof(struct erofs_inode_compact, i_u));
	}
	r = decode_xattr_area(img, ino, get_le16(p + 2), ino->offset + isize);
	if (r < 0)
		return r;
	r = decode_layout(img, ino, i_u, ino->offset + isize + ino->xattr_size);
	if (r < 0)
		return r;
	r = check_type(img, ino, i_u);
	if (r < 0)
		return r;
	r = check_tail(img, ino, ino->offset + isize + ino->xattr_size,
		       ino->layout == EROFS_LAYOUT_FLAT_INLINE);
	if (r < 0)
		return r;
	ino->tail = img->data + ino->offset + isize + ino->xattr_size;
	if (ino->layout == EROFS_LAYOUT_CHUNK_BASED)
		return check_chunk_holes(img, ino);
	return 0;
}

void cfs_image_block(const struct cfs_image_file *img, const struct cfs_inode *ino, uint64_t k,
		     const uint8_t **data, size_t *len)
{
	if (k < ino->nblocks) {
		uint64_t end = ino->size - k * CFS_BLOCK_SIZE;

		*data = img->data + (uint64_t)(ino->blkaddr + k) * CFS_BLOCK_SIZE;
		*len = MIN(end, (uint64_t)CFS_BLOCK_SIZE);
	} else {
		*data = ino->tail;
		*len = ino->tail_len;
	}
}
