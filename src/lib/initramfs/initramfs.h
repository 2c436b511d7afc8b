/* SPDX-License-Identifier: MIT */
/*
 * A reader of initramfs images, for cfsboot deploy, which verifies an image
 * with the trust anchors, revocation list and policy of the initramfs it
 * will boot with.  An initramfs is what the kernel unpacks
 * (Documentation/driver-api/early-userspace/buffer-format.rst): segments
 * one after the other, each a cpio "newc" archive (070701, or 070702 with
 * checksums) or a gzip, xz or zstd stream holding such archives, with zero
 * bytes between them (an uncompressed early cpio with microcode, then the
 * compressed main one, as dracut and mkinitramfs write it).  As the kernel
 * does, a later entry replaces an earlier one of the same name.
 *
 * The input is untrusted: every length is checked against what is left,
 * and any malformation refuses the whole initramfs, logged in one line
 * naming it and the byte offset.  cfsboot's alone (decompress.h).
 */
#ifndef CFS_INITRAMFS_H
#define CFS_INITRAMFS_H

#include <stddef.h>
#include <stdint.h>

/* The most an initramfs may unpack to, all segments together. */
#define CFS_INITRAMFS_UNPACKED_MAX (1ull << 30)

struct cfs_initramfs_entry {
	char *path;                 /* normalised: no leading "/" or "./"; "" is the root */
	uint32_t mode;              /* type and permissions, as stat's st_mode */
	const uint8_t *data;        /* a file's content, a link's target (not NUL-terminated) */
	size_t size;
	/* Hard links: newc stores the content once, with the last name. */
	uint32_t ino, dev_major, dev_minor, nlink;
	size_t archive;             /* which cpio archive, as inode numbers are its own */
};

struct cfs_initramfs {
	struct cfs_initramfs_entry *entries;   /* in archive order */
	size_t n_entries, n_archives;
	uint8_t **buffers;          /* what the compressed segments unpacked to */
	size_t n_buffers;
};

/*
 * Reads the initramfs data (len bytes; named name in messages) into *out,
 * unpacking at most max bytes of compressed segments (0:
 * CFS_INITRAMFS_UNPACKED_MAX).  The entries point into data, which must
 * outlive *out.  0, or a negative errno, logged (-EBADMSG: malformed).
 * *out is to be freed with cfs_initramfs_free() either way.
 */
int cfs_initramfs_read(const uint8_t *data, size_t len, const char *name, size_t max,
		       struct cfs_initramfs *out);
void cfs_initramfs_free(struct cfs_initramfs *ir);

/* The entry of path (absolute or not): the last of that name, which
 * replaced the others; NULL when there is none. */
const struct cfs_initramfs_entry *cfs_initramfs_find(const struct cfs_initramfs *ir,
						     const char *path);

#endif
