// SPDX-License-Identifier: MIT
/*
 * Directory entries.  A directory's data is a sequence of blocks (whole
 * data blocks, then maybe an inline tail); each block holds its 12-byte
 * dirents first, then their names back to back without NULs, and the first
 * dirent's nameoff says where the names start.  The last name of a block
 * runs to the block's end or to the first NUL of the padding.
 *
 * Names are checked as the kernel checks them (1..255 bytes, inside the
 * block) and more: no '/' or NUL, and strictly increasing across the whole
 * directory, because lookups binary-search and a duplicate name would make
 * the tree ambiguous.
 */
#include "lib/image/image_dir.h"

#include "lib/image/image_priv.h"

#include <string.h>

#include "lib/base/util.h"

void cfs_dir_iter_init(struct cfs_dir_iter *it, const struct cfs_image_file *img,
		       const struct cfs_inode *dir)
{
	memset(it, 0, sizeof(*it));
	it->img = img;
	it->dir = dir;
	it->nblocks = dir->nblocks + (dir->tail_len ? 1 : 0);
}

/* Moves to the next block; 0 at the end of the directory. */
static int load_block(struct cfs_dir_iter *it)
{
	const struct cfs_image_file *img = it->img;
	uint64_t nid = it->dir->nid;
	unsigned int first;

	if (it->block == it->nblocks)
		return 0;
	cfs_image_block(img, it->dir, it->block, &it->buf, &it->buf_len);
	it->block++;
	if (it->buf_len < sizeof(struct erofs_dirent))
		return cfs_image_corrupt(img, nid, "directory block %llu holds only %zu bytes",
					 (unsigned long long)it->block - 1, it->buf_len);
	first = get_le16(it->buf + offsetof(struct erofs_dirent, nameoff));
	if (first < sizeof(struct erofs_dirent) || first % sizeof(struct erofs_dirent) ||
	    first >= it->buf_len)
		return cfs_image_corrupt(img, nid, "directory block %llu: first name offset %u is invalid",
					 (unsigned long long)it->block - 1, first);
	it->n = first / sizeof(struct erofs_dirent);
	it->i = 0;
	return 1;
}

static int check_name(struct cfs_dir_iter *it, const struct cfs_dirent_ref *de)
{
	const struct cfs_image_file *img = it->img;
	char shown[CFS_NAME_PRINT_BUF];

	if (de->name_len == 0 || de->name_len > CFS_NAME_MAX)
		return cfs_image_corrupt(img, it->dir->nid, "directory block %llu: a name of %zu bytes",
					 (unsigned long long)it->block - 1, de->name_len);
	if (memchr(de->name, '/', de->name_len) || memchr(de->name, '\0', de->name_len))
		return cfs_image_corrupt(img, it->dir->nid, "directory entry '%s' contains '/' or NUL",
					 cfs_name_printable(de->name, de->name_len, shown));
	if (it->prev_len &&
	    cfs_name_cmp(it->prev, it->prev_len, de->name, de->name_len) >= 0)
		return cfs_image_corrupt(img, it->dir->nid,
					 "directory entry '%s' is out of order or repeated",
					 cfs_name_printable(de->name, de->name_len, shown));
	memcpy(it->prev, de->name, de->name_len);
	it->prev_len = de->name_len;
	if (de->file_type == EROFS_FT_UNKNOWN || de->file_type > EROFS_FT_SYMLINK)
		return cfs_image_corrupt(img, it->dir->nid, "directory entry '%s' has file type %u",
					 cfs_name_printable(de->name, de->name_len, shown), de->file_type);
	return 0;
}

int cfs_dir_iter_next(struct cfs_dir_iter *it, struct cfs_dirent_ref *de)
{
	const uint8_t *d;
	unsigned int off, end;
	int r;

	if (it->i == it->n) {
		r = load_block(it);
		if (r <= 0)
			return r;
	}
	d = it->buf + it->i * sizeof(struct erofs_dirent);
	off = get_le16(d + offsetof(struct erofs_dirent, nameoff));
	if (it->i + 1 < it->n) {
		end = get_le16(d + sizeof(struct erofs_dirent) + offsetof(struct erofs_dirent, nameoff));
		if (end > it->buf_len)
			end = 0; /* refused below */
	} else {
		end = off < it->buf_len ? off + strnlen((const char *)it->buf + off, it->buf_len - off) : 0;
	}
	if (off < it->n * sizeof(struct erofs_dirent) || off >= it->buf_len || end <= off)
		return cfs_image_corrupt(it->img, it->dir->nid,
					 "directory block %llu: entry %u has an invalid name offset %u",
					 (unsigned long long)it->block - 1, it->i, off);
	de->nid = get_le64(d + offsetof(struct erofs_dirent, nid));
	de->file_type = d[offsetof(struct erofs_dirent, file_type)];
	de->name = (const char *)it->buf + off;
	de->name_len = end - off;
	it->i++;
	r = check_name(it, de);
	return r < 0 ? r : 1;
}
