/* SPDX-License-Identifier: MIT */
/*
 * The composefs image on disk: the one place that says what the bytes are.
 *
 * A composefs image is an EROFS file system that holds metadata only, with a
 * 32-byte composefs header in the first kilobyte (which EROFS ignores).  All
 * integers are little-endian; a block is always 4096 bytes.  The layout rules
 * (inode placement, tails, shared xattrs) are in docs/image-format.md; this
 * header only fixes the structures and constants, and the compiler checks
 * their sizes.
 */
#ifndef CFS_FORMAT_H
#define CFS_FORMAT_H

#include <assert.h>
#include <stdint.h>

#define CFS_BLOCK_SIZE       4096u
#define CFS_BLOCK_BITS       12u
#define CFS_SLOT_SIZE        32u    /* inodes start on 32-byte slots: nid = offset / 32 */

/* ---- composefs header, offset 0 ---------------------------------------- */

#define CFS_MAGIC            0xD078629Au
#define CFS_HEADER_VERSION   1u
#define CFS_FLAG_HAS_ACL     (1u << 0)
#define CFS_MAX_FORMAT_VERSION 1u

struct cfs_header {
	uint32_t magic;
	uint32_t version;           /* CFS_HEADER_VERSION */
	uint32_t flags;             /* CFS_FLAG_* */
	uint32_t composefs_version; /* format version used: 0 or 1 */
	uint32_t unused[4];
};
static_assert(sizeof(struct cfs_header) == 32, "composefs header is 32 bytes");

/* ---- EROFS superblock, offset 1024 ------------------------------------- */

#define EROFS_SUPER_OFFSET   1024u
#define EROFS_SUPER_MAGIC    0xE0F5E1E2u

#define EROFS_FEATURE_COMPAT_MTIME         0x2u
#define EROFS_FEATURE_COMPAT_XATTR_FILTER  0x4u

struct erofs_super {
	uint32_t magic;
	uint32_t checksum;          /* 0: no SB_CHKSUM */
	uint32_t feature_compat;
	uint8_t  blkszbits;         /* 12 */
	uint8_t  sb_extslots;
	uint16_t root_nid;
	uint64_t inos;
	uint64_t build_time;        /* seconds of the smallest mtime (signed) */
	uint32_t build_time_nsec;
	uint32_t blocks;            /* image size / 4096 */
	uint32_t meta_blkaddr;      /* 0 */
	uint32_t xattr_blkaddr;     /* shared xattr table: block of inodes_end */
	uint8_t  uuid[16];
	uint8_t  volume_name[16];
	uint32_t feature_incompat;  /* 0 */
	uint8_t  reserved[44];
};
static_assert(sizeof(struct erofs_super) == 128, "EROFS superblock is 128 bytes");

/* The first inode slot: the root is always written there. */
#define CFS_INODES_START     (EROFS_SUPER_OFFSET + sizeof(struct erofs_super))

/* ---- inodes ------------------------------------------------------------- */

/* i_format = datalayout << 1 | extended */
#define EROFS_INODE_EXTENDED      1u
#define EROFS_LAYOUT_FLAT_PLAIN   0u
#define EROFS_LAYOUT_FLAT_INLINE  2u
#define EROFS_LAYOUT_CHUNK_BASED  4u
#define EROFS_I_FORMAT(layout, extended) ((uint16_t)(((layout) << 1) | (extended)))
#define EROFS_I_LAYOUT(fmt)       (((fmt) >> 1) & 0x7u)
#define EROFS_I_IS_EXTENDED(fmt)  ((fmt) & 1u)

/* Chunk-based inodes keep chunkbits - 12 in the low bits of i_u; composefs
 * never sets the "chunk indexes" flag, so the map is an array of u32 block
 * addresses, and every entry is a hole. */
#define EROFS_CHUNK_FORMAT_BLKBITS_MASK 0x1Fu
#define EROFS_CHUNK_FORMAT_INDEXES      0x20u
#define EROFS_NULL_ADDR                 0xFFFFFFFFu
#define CFS_MAX_CHUNKBITS               (12u + 31u)
#define CFS_MAX_CHUNKS                  1024u
/* The largest regular file the chunk map can describe (8 PiB). */
#define CFS_MAX_FILE_SIZE               ((uint64_t)CFS_MAX_CHUNKS << CFS_MAX_CHUNKBITS)

struct erofs_inode_compact {
	uint16_t i_format;
	uint16_t i_xattr_icount;
	uint16_t i_mode;
	uint16_t i_nlink;
	uint32_t i_size;
	uint32_t i_reserved;
	uint32_t i_u;               /* raw block, rdev or chunk format */
	uint32_t i_ino;
	uint16_t i_uid;
	uint16_t i_gid;
	uint32_t i_reserved2;
};
static_assert(sizeof(struct erofs_inode_compact) == 32, "compact inode is 32 bytes");

struct erofs_inode_extended {
	uint16_t i_format;
	uint16_t i_xattr_icount;
	uint16_t i_mode;
	uint16_t i_reserved;
	uint64_t i_size;
	uint32_t i_u;
	uint32_t i_ino;
	uint32_t i_uid;
	uint32_t i_gid;
	uint64_t i_mtime;           /* signed seconds */
	uint32_t i_mtime_nsec;
	uint32_t i_nlink;
	uint8_t  i_reserved2[16];
};
static_assert(sizeof(struct erofs_inode_extended) == 64, "extended inode is 64 bytes");

/* ---- directories -------------------------------------------------------- */

#define EROFS_FT_UNKNOWN  0u
#define EROFS_FT_REG_FILE 1u
#define EROFS_FT_DIR      2u
#define EROFS_FT_CHRDEV   3u
#define EROFS_FT_BLKDEV   4u
#define EROFS_FT_FIFO     5u
#define EROFS_FT_SOCK     6u
#define EROFS_FT_SYMLINK  7u

struct erofs_dirent {
	uint64_t nid;
	uint16_t nameoff;           /* from the start of the block */
	uint8_t  file_type;
	uint8_t  reserved;
} __attribute__((packed));
static_assert(sizeof(struct erofs_dirent) == 12, "dirent is 12 bytes");

#define CFS_NAME_MAX      255u
/* Symlink targets: what the kernel accepts (PATH_MAX - 1). */
#define CFS_SYMLINK_MAX   4095u
/* The last partial dirent block stays inline only up to half a block. */
#define CFS_MAX_INLINE_TAIL (CFS_BLOCK_SIZE / 2)

/* ---- extended attributes ------------------------------------------------ */

#define EROFS_XATTR_INDEX_NONE          0u
#define EROFS_XATTR_INDEX_USER          1u
#define EROFS_XATTR_INDEX_POSIX_ACL_ACCESS  2u
#define EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT 3u
#define EROFS_XATTR_INDEX_TRUSTED       4u
#define EROFS_XATTR_INDEX_SECURITY      6u

/* Name prefixes and the index that replaces them (first match wins; the
 * two ACL names are whole names with an empty suffix). */
#define EROFS_XATTR_PREFIX_USER          "user."
#define EROFS_XATTR_NAME_POSIX_ACL_ACCESS  "system.posix_acl_access"
#define EROFS_XATTR_NAME_POSIX_ACL_DEFAULT "system.posix_acl_default"
#define EROFS_XATTR_PREFIX_TRUSTED       "trusted."
#define EROFS_XATTR_PREFIX_SECURITY      "security."

/* The entry header's field widths. */
#define EROFS_XATTR_SUFFIX_MAX   255u
#define EROFS_XATTR_VALUE_MAX    65535u
#define EROFS_XATTR_ICOUNT_MAX   65535u

#define EROFS_XATTR_FILTER_SEED  0x25BBE08Fu
#define EROFS_XATTR_FILTER_BITS  32u
#define CFS_MAX_SHARED_XATTRS_PER_INODE 128u

struct erofs_xattr_ibody_header {
	uint32_t h_name_filter;     /* bit set = no xattr hashes to it */
	uint8_t  h_shared_count;
	uint8_t  h_reserved2[7];
	/* followed by h_shared_count u32 shared xattr ids, then entries */
};
static_assert(sizeof(struct erofs_xattr_ibody_header) == 12, "xattr header is 12 bytes");

struct erofs_xattr_entry {
	uint8_t  e_name_len;        /* length of the name suffix */
	uint8_t  e_name_index;      /* EROFS_XATTR_INDEX_* */
	uint16_t e_value_size;
	/* followed by the name suffix, then the value; padded to 4 */
};
static_assert(sizeof(struct erofs_xattr_entry) == 4, "xattr entry header is 4 bytes");

/* i_xattr_icount counts 4-byte units after the first 12-byte header. */
#define EROFS_XATTR_AREA_SIZE(icount) ((icount) ? 12u + 4u * ((uint32_t)(icount) - 1u) : 0u)
#define EROFS_XATTR_ALIGN(x)          (((x) + 3u) & ~3u)

/* ---- overlayfs xattrs that composefs writes ----------------------------- */

#define OVL_XATTR_PREFIX          "trusted.overlay."
#define OVL_XATTR_ESCAPED_PREFIX  "trusted.overlay.overlay."
#define OVL_XATTR_METACOPY        "trusted.overlay.metacopy"
#define OVL_XATTR_REDIRECT        "trusted.overlay.redirect"
#define OVL_XATTR_OPAQUE          "trusted.overlay.opaque"

/* Source xattrs in the overlay namespace are stored escaped, so that the
 * overlay mounting the image shows them instead of acting on them. */
#define OVL_XATTR_ESC_WHITEOUT    "trusted.overlay.overlay.whiteout"
#define OVL_XATTR_ESC_WHITEOUTS   "trusted.overlay.overlay.whiteouts"
#define OVL_XATTR_ESC_OPAQUE      "trusted.overlay.overlay.opaque"
#define OVL_USER_XATTR_WHITEOUT   "user.overlay.whiteout"
#define OVL_USER_XATTR_WHITEOUTS  "user.overlay.whiteouts"
#define OVL_USER_XATTR_OPAQUE     "user.overlay.opaque"
#define OVL_OPAQUE_ROOT           "y"   /* the root hides what lies below */
#define OVL_OPAQUE_XWHITEOUTS     "x"   /* format 1: "has xattr whiteouts" */

/* The root holds a real overlay whiteout (chardev 0:0) for each name 00..ff
 * it does not have, hiding an object store's fan-out directories. */
#define CFS_ROOT_WHITEOUTS        256u
#define CFS_ROOT_WHITEOUT_MODE    0020644u  /* S_IFCHR | 0644 */

/* trusted.overlay.metacopy value (struct ovl_metacopy): version 0, its
 * length, flags 0, the fs-verity algorithm (FS_VERITY_HASH_ALG_*, as enum
 * cfs_hash_alg), then the digest: 36 bytes for SHA-256, 68 for SHA-512. */
#define OVL_METACOPY_HEADER       4u

/* Files up to this size are stored inside the image, not in the store. */
#define CFS_INLINE_CONTENT_MAX    64u

#endif
