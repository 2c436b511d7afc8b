/* SPDX-License-Identifier: MIT */
/*
 * The compressed segments of an initramfs: one gzip member, one xz stream
 * or one zstd frame at a time, as the kernel unpacks them (it starts a new
 * segment after each, which may be compressed again or be a plain cpio
 * archive).  Output is bounded, so that a small archive cannot make us
 * allocate without limit.  cfsboot's alone: cfs-pivot never reads an
 * initramfs, so a static cfs-pivot does not link these decompressors.
 */
#ifndef CFS_INITRAMFS_DECOMPRESS_H
#define CFS_INITRAMFS_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

enum cfs_compression {
	CFS_COMPRESSION_NONE,       /* not a known compressed stream */
	CFS_COMPRESSION_GZIP,
	CFS_COMPRESSION_XZ,
	CFS_COMPRESSION_ZSTD,
	CFS_COMPRESSION_UNSUPPORTED,  /* bzip2, lzma, lzo, lz4: known, not read */
};

/* The compression that data starts with, and its name in *name (NULL
 * for CFS_COMPRESSION_NONE). */
enum cfs_compression cfs_compression_detect(const uint8_t *data, size_t len, const char **name);

/*
 * Decompresses the one stream of kind c at the start of data (len bytes):
 * 0 with *out (malloc'd, *out_len bytes) and *used, the input bytes the
 * stream took; or a negative errno, logged naming name and the stream's
 * offset off (-EBADMSG: corrupt or truncated, -EFBIG: more than max bytes).
 */
int cfs_decompress(enum cfs_compression c, const char *name, size_t off, const uint8_t *data,
		   size_t len, size_t max, uint8_t **out, size_t *out_len, size_t *used);

#endif
