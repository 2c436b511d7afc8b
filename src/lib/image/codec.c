// SPDX-License-Identifier: MIT
#include "lib/image/codec.h"

#include <string.h>
#include <sys/stat.h>

#include "lib/base/util.h"
#include "lib/image/format.h"

#define EROFS_XATTR_INDEX_LUSTRE 5u

uint8_t cfs_file_type(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:  return EROFS_FT_REG_FILE;
	case S_IFDIR:  return EROFS_FT_DIR;
	case S_IFCHR:  return EROFS_FT_CHRDEV;
	case S_IFBLK:  return EROFS_FT_BLKDEV;
	case S_IFIFO:  return EROFS_FT_FIFO;
	case S_IFSOCK: return EROFS_FT_SOCK;
	case S_IFLNK:  return EROFS_FT_SYMLINK;
	}
	return EROFS_FT_UNKNOWN;
}

static const char *const prefixes[CFS_XATTR_INDEXES] = {
	[EROFS_XATTR_INDEX_NONE] = "",
	[EROFS_XATTR_INDEX_USER] = EROFS_XATTR_PREFIX_USER,
	[EROFS_XATTR_INDEX_POSIX_ACL_ACCESS] = EROFS_XATTR_NAME_POSIX_ACL_ACCESS,
	[EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT] = EROFS_XATTR_NAME_POSIX_ACL_DEFAULT,
	[EROFS_XATTR_INDEX_TRUSTED] = EROFS_XATTR_PREFIX_TRUSTED,
	[EROFS_XATTR_INDEX_LUSTRE] = "lustre.",
	[EROFS_XATTR_INDEX_SECURITY] = EROFS_XATTR_PREFIX_SECURITY,
};

const char *cfs_xattr_prefix(unsigned int index)
{
	return prefixes[index];
}

uint8_t cfs_xattr_index_of(const char *key, size_t key_len, size_t *suffix_len)
{
	/* The prefixes do not overlap, so at most one fits. */
	for (uint8_t i = EROFS_XATTR_INDEX_NONE + 1; i < ARRAY_SIZE(prefixes); i++) {
		size_t plen = strlen(prefixes[i]);

		if (i == EROFS_XATTR_INDEX_LUSTRE)
			continue;
		if (key_len >= plen && memcmp(key, prefixes[i], plen) == 0) {
			*suffix_len = key_len - plen;
			return i;
		}
	}
	*suffix_len = key_len;
	return EROFS_XATTR_INDEX_NONE;
}
