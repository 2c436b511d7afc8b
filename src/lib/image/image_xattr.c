// SPDX-License-Identifier: MIT
/*
 * Extended attributes.  An inode's xattr area starts with a 12-byte header
 * (name filter, count of shared ids), then that many u32 ids of entries in
 * the shared table, then its own entries, each padded to 4 bytes.  An entry
 * is a 4-byte header (suffix length, prefix index, value size), the name
 * suffix and the value.  Each entry is checked to lie inside its area (or,
 * shared, inside the image) before any byte of it is returned.
 */
#include "lib/image/image_xattr.h"

#include "lib/image/image_priv.h"

#include <string.h>

#include "lib/base/util.h"
#include "lib/image/codec.h"
#include "lib/image/xxhash.h"

void cfs_xattr_iter_init(struct cfs_xattr_iter *it, const struct cfs_image_file *img,
			 const struct cfs_inode *inode)
{
	it->img = img;
	it->inode = inode;
	it->shared_i = 0;
	it->pos = sizeof(struct erofs_xattr_ibody_header) + 4 * inode->shared_count;
}

/* Decodes the entry at p, of which avail bytes may be used. */
static int decode_entry(const struct cfs_xattr_iter *it, const uint8_t *p, size_t avail,
			const char *where, struct cfs_xattr_ref *x)
{
	const struct cfs_image_file *img = it->img;
	uint64_t nid = it->inode->nid;

	if (avail < sizeof(struct erofs_xattr_entry))
		return cfs_image_corrupt(img, nid, "%s xattr entry header runs past its area", where);
	x->suffix_len = p[offsetof(struct erofs_xattr_entry, e_name_len)];
	x->index = p[offsetof(struct erofs_xattr_entry, e_name_index)];
	x->value_len = get_le16(p + offsetof(struct erofs_xattr_entry, e_value_size));
	if (sizeof(struct erofs_xattr_entry) + x->suffix_len + x->value_len > avail)
		return cfs_image_corrupt(img, nid, "%s xattr entry of %zu+%zu bytes runs past its area",
					 where, x->suffix_len, x->value_len);
	if (x->index >= CFS_XATTR_INDEXES)
		return cfs_image_unsupported(img, nid, "%s xattr name index %u (long name prefixes)",
					     where, x->index);
	x->suffix = (const char *)p + sizeof(struct erofs_xattr_entry);
	x->value = p + sizeof(struct erofs_xattr_entry) + x->suffix_len;
	if (memchr(x->suffix, '\0', x->suffix_len))
		return cfs_image_corrupt(img, nid, "%s xattr name contains NUL", where);
	if (x->index == 0 && x->suffix_len == 0)
		return cfs_image_corrupt(img, nid, "%s xattr has an empty name", where);
	return 0;
}

static int next_shared(struct cfs_xattr_iter *it, struct cfs_xattr_ref *x)
{
	const struct cfs_image_file *img = it->img;
	const uint8_t *idp = it->inode->xattrs + sizeof(struct erofs_xattr_ibody_header) + 4 * it->shared_i;
	uint64_t off = img->xattr_start + 4 * (uint64_t)get_le32(idp);

	it->shared_i++;
	if (off >= img->size)
		return cfs_image_corrupt(img, it->inode->nid, "shared xattr id %u is past the end of the image",
					 get_le32(idp));
	return decode_entry(it, img->data + off, img->size - off, "shared", x);
}

static int next_inline(struct cfs_xattr_iter *it, struct cfs_xattr_ref *x)
{
	size_t avail = it->inode->xattr_size - it->pos;
	int r;

	r = decode_entry(it, it->inode->xattrs + it->pos, avail, "inline", x);
	if (r < 0)
		return r;
	/* avail is a multiple of 4, so the entry's padding fits as well. */
	it->pos += EROFS_XATTR_ALIGN(sizeof(struct erofs_xattr_entry) + x->suffix_len + x->value_len);
	return 0;
}

int cfs_xattr_iter_next(struct cfs_xattr_iter *it, struct cfs_xattr_ref *x)
{
	int r;

	if (it->inode->xattr_size == 0)
		return 0;
	if (it->shared_i < it->inode->shared_count)
		r = next_shared(it, x);
	else if (it->pos < it->inode->xattr_size)
		r = next_inline(it, x);
	else
		return 0;
	return r < 0 ? r : 1;
}

void cfs_xattr_name(const struct cfs_xattr_ref *x, char *buf)
{
	const char *prefix = cfs_xattr_prefix(x->index);
	size_t plen = strlen(prefix);

	memcpy(buf, prefix, plen);
	memcpy(buf + plen, x->suffix, x->suffix_len);
	buf[plen + x->suffix_len] = '\0';
}

/*
 * With the XATTR_FILTER feature, each inode carries a 32-bit filter in which
 * a set bit means "no xattr of mine hashes here", and the kernel answers a
 * lookup from the filter alone when the name's bit is set.  An xattr hidden
 * by its own filter is one the kernel would never show: refuse it, so that
 * what this reader reports is what a mount shows.
 */
int cfs_xattr_check_filter(const struct cfs_image_file *img, const struct cfs_inode *inode)
{
	struct cfs_xattr_iter it;
	struct cfs_xattr_ref x;
	uint32_t filter;
	int r;

	if (!(img->info.feature_compat & EROFS_FEATURE_COMPAT_XATTR_FILTER) || !inode->xattr_size)
		return 0;
	filter = get_le32(inode->xattrs + offsetof(struct erofs_xattr_ibody_header, h_name_filter));
	cfs_xattr_iter_init(&it, img, inode);
	while ((r = cfs_xattr_iter_next(&it, &x)) > 0) {
		uint32_t bit = cfs_xxh32(x.suffix, x.suffix_len, EROFS_XATTR_FILTER_SEED + x.index) %
			       EROFS_XATTR_FILTER_BITS;
		char name[CFS_XATTR_NAME_BUF], shown[CFS_NAME_PRINT_BUF];

		if (filter & (1u << bit)) {
			cfs_xattr_name(&x, name);
			return cfs_image_corrupt(img, inode->nid, "its xattr name filter hides xattr '%s'",
						 cfs_name_printable(name, strlen(name), shown));
		}
	}
	return r;
}
