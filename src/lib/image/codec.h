/* SPDX-License-Identifier: MIT */
/*
 * The rules of the format that the image reader (lib/image) and the
 * writer (tool/mkimage) both apply, kept once so that the two cannot
 * disagree: the file type a directory entry records for a mode, and the
 * xattr name prefixes EROFS stores as a one-byte index.  format.h has the
 * constants; this file maps between them.
 */
#ifndef CFS_CODEC_H
#define CFS_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* The EROFS_FT_* a dirent records for an inode of this mode, or
 * EROFS_FT_UNKNOWN for a mode of no file type an image can hold. */
uint8_t cfs_file_type(uint32_t mode);

/* Name indexes 0 .. CFS_XATTR_INDEXES - 1 have a fixed prefix; higher
 * ones are long-prefix indexes, a feature composefs does not set. */
#define CFS_XATTR_INDEXES 7u

/* The prefix that index (< CFS_XATTR_INDEXES) stands for; "" for 0. */
const char *cfs_xattr_prefix(unsigned int index);

/*
 * The index the writer stores for the xattr name key: that of the prefix
 * key starts with, with *suffix_len the length after it; 0 and the whole
 * length when none fits.  The two ACL names are whole names, so they have
 * an empty suffix.  Index 5 (lustre.) is standard EROFS, so the reader
 * knows it, but composefs never writes it.
 */
uint8_t cfs_xattr_index_of(const char *key, size_t key_len, size_t *suffix_len);

#endif
