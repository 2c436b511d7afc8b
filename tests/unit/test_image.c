// SPDX-License-Identifier: MIT
/*
 * The image reader on images laid out by hand, byte by byte, so that each
 * test controls exactly one fact: a good small image, then the same image
 * with one thing broken.  Every refusal must be one log line naming what
 * is wrong.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "capture.h"
#include "lib/image/format.h"
#include "lib/image/image.h"
#include "lib/base/util.h"
#include "lib/image/image_objects.h"
#include "lib/image/image_tree.h"

/*
 * The base image, one block:
 *   nid 36  /     directory, entries ".", "..", "a", "d" inline
 *   nid 39  /a    regular file, 5 bytes "hello" inline
 *   nid 41  /d    directory, "." and ".." inline
 */
#define NID_ROOT 36
#define NID_A    39
#define NID_D    41

struct dirent_spec {
	const char *name;
	uint64_t nid;
	uint8_t type;
};

static uint8_t img[4 * CFS_BLOCK_SIZE];

static uint8_t *at_nid(uint64_t nid)
{
	return img + nid * CFS_SLOT_SIZE;
}

static void put_super(uint32_t blocks)
{
	memset(img, 0, sizeof(img));
	put_le32(img, CFS_MAGIC);
	put_le32(img + 4, CFS_HEADER_VERSION);
	put_le32(img + EROFS_SUPER_OFFSET, EROFS_SUPER_MAGIC);
	img[EROFS_SUPER_OFFSET + offsetof(struct erofs_super, blkszbits)] = CFS_BLOCK_BITS;
	put_le16(img + EROFS_SUPER_OFFSET + offsetof(struct erofs_super, root_nid), NID_ROOT);
	put_le32(img + EROFS_SUPER_OFFSET + offsetof(struct erofs_super, blocks), blocks);
}

/* A compact inode; returns where its inline data goes (no xattrs). */
static uint8_t *put_inode(uint64_t nid, uint16_t mode, unsigned int layout, uint32_t size, uint32_t i_u)
{
	uint8_t *p = at_nid(nid);

	put_le16(p + offsetof(struct erofs_inode_compact, i_format), EROFS_I_FORMAT(layout, 0));
	put_le16(p + offsetof(struct erofs_inode_compact, i_mode), mode);
	put_le16(p + offsetof(struct erofs_inode_compact, i_nlink), S_ISDIR(mode) ? 2 : 1);
	put_le32(p + offsetof(struct erofs_inode_compact, i_size), size);
	put_le32(p + offsetof(struct erofs_inode_compact, i_u), i_u);
	return p + sizeof(struct erofs_inode_compact);
}

/* One dirent block at p; returns its length. */
static size_t put_dirents(uint8_t *p, const struct dirent_spec *e, size_t n)
{
	size_t off = n * sizeof(struct erofs_dirent);

	for (size_t i = 0; i < n; i++) {
		uint8_t *d = p + i * sizeof(struct erofs_dirent);

		put_le64(d + offsetof(struct erofs_dirent, nid), e[i].nid);
		put_le16(d + offsetof(struct erofs_dirent, nameoff), (uint16_t)off);
		d[offsetof(struct erofs_dirent, file_type)] = e[i].type;
		memcpy(p + off, e[i].name, strlen(e[i].name));
		off += strlen(e[i].name);
	}
	return off;
}

static void put_dir(uint64_t nid, const struct dirent_spec *e, size_t n)
{
	uint8_t tail[CFS_BLOCK_SIZE] = { 0 };
	size_t len = put_dirents(tail, e, n);

	memcpy(put_inode(nid, S_IFDIR | 0755, EROFS_LAYOUT_FLAT_INLINE, (uint32_t)len, 0), tail, len);
}

static void build_base(void)
{
	const struct dirent_spec root[] = {
		{ ".", NID_ROOT, EROFS_FT_DIR },
		{ "..", NID_ROOT, EROFS_FT_DIR },
		{ "a", NID_A, EROFS_FT_REG_FILE },
		{ "d", NID_D, EROFS_FT_DIR },
	};
	const struct dirent_spec d[] = {
		{ ".", NID_D, EROFS_FT_DIR },
		{ "..", NID_ROOT, EROFS_FT_DIR },
	};

	put_super(1);
	put_dir(NID_ROOT, root, ARRAY_SIZE(root));
	memcpy(put_inode(NID_A, S_IFREG | 0644, EROFS_LAYOUT_FLAT_INLINE, 5, 0), "hello", 5);
	put_dir(NID_D, d, ARRAY_SIZE(d));
}

/* Opens img (of size blocks) and reads the whole tree: 0 or -errno. */
static int read_all(size_t blocks, struct cfs_node **root)
{
	struct cfs_image_file *f;
	int r;

	r = cfs_image_open_buf(img, blocks * CFS_BLOCK_SIZE, "test.cfs", &f);
	if (r < 0)
		return r;
	r = cfs_image_read_tree(f, root);
	cfs_image_close(f);
	return r;
}

/* The refusal: -EUCLEAN (or want), one log line containing what. */
static void assert_refused(size_t blocks, int want, const char *what)
{
	struct cfs_node *root = NULL;
	const char *log;
	int r;

	capture_start();
	r = read_all(blocks, &root);
	log = capture_end();
	assert_int_equal(r, want);
	assert_null(root);
	assert_int_equal(count_lines(log), 1);
	assert_contains(log, "test.cfs: ");
	assert_contains(log, what);
}

static void test_base_tree(void **state)
{
	struct cfs_node *root, *a, *d;

	(void)state;
	build_base();
	assert_int_equal(read_all(1, &root), 0);
	assert_int_equal(root->n_children, 2);
	a = root->children[0];
	d = root->children[1];
	assert_string_equal(a->name, "a");
	assert_int_equal(a->mode, S_IFREG | 0644);
	assert_int_equal(a->content_len, 5);
	assert_memory_equal(a->content, "hello", 5);
	assert_null(a->payload);
	assert_string_equal(d->name, "d");
	assert_int_equal(d->n_children, 0);
	assert_int_equal(d->nid, NID_D);
	cfs_node_free(root);
}

static void test_hardlink(void **state)
{
	const struct dirent_spec root[] = {
		{ ".", NID_ROOT, EROFS_FT_DIR },
		{ "..", NID_ROOT, EROFS_FT_DIR },
		{ "a", NID_A, EROFS_FT_REG_FILE },
		{ "b", NID_A, EROFS_FT_REG_FILE },
	};
	struct cfs_node *r;

	(void)state;
	build_base();
	put_dir(NID_ROOT, root, ARRAY_SIZE(root));
	assert_int_equal(read_all(1, &r), 0);
	assert_int_equal(r->n_children, 2);
	assert_null(r->children[0]->link_to);
	assert_ptr_equal(r->children[1]->link_to, r->children[0]);
	cfs_node_free(r);
}

/* /a and /d/x name one inode.  Its nid says which entry the writer placed
 * it at: after /d (nid 41) means /d/x, which must then hold it. */
static void test_hardlink_target(void **state)
{
	const struct dirent_spec root[] = {
		{ ".", NID_ROOT, EROFS_FT_DIR },
		{ "..", NID_ROOT, EROFS_FT_DIR },
		{ "a", 44, EROFS_FT_REG_FILE },
		{ "d", NID_D, EROFS_FT_DIR },
	};
	const struct dirent_spec d[] = {
		{ ".", NID_D, EROFS_FT_DIR },
		{ "..", NID_ROOT, EROFS_FT_DIR },
		{ "x", 44, EROFS_FT_REG_FILE },
	};
	struct cfs_node *r, *a, *x;

	(void)state;
	build_base();
	memset(at_nid(NID_A), 0, 2 * CFS_SLOT_SIZE);
	put_dir(NID_ROOT, root, ARRAY_SIZE(root));
	put_dir(NID_D, d, ARRAY_SIZE(d));
	memcpy(put_inode(44, S_IFREG | 0644, EROFS_LAYOUT_FLAT_INLINE, 5, 0), "hello", 5);
	assert_int_equal(read_all(1, &r), 0);
	a = r->children[0];
	x = r->children[1]->children[0];
	assert_string_equal(x->name, "x");
	assert_null(x->link_to);
	assert_memory_equal(x->content, "hello", 5);
	assert_ptr_equal(a->link_to, x);
	assert_null(a->content);
	assert_string_equal(a->name, "a");
	assert_ptr_equal(a->parent, r);
	cfs_node_free(r);
}

static void test_external_file(void **state)
{
	static const char redirect[] = "/ab/cdef";
	uint8_t metacopy[OVL_METACOPY_HEADER + 32] = { 0, OVL_METACOPY_HEADER + 32, 0, CFS_HASH_SHA256 };
	struct cfs_image_file *f;
	struct cfs_inode ino;
	struct cfs_object_ref obj;
	struct cfs_node *root;
	uint8_t *p;

	(void)state;
	memset(metacopy + 4, 0x5a, 32);
	build_base();
	/* /a becomes a 100000-byte file in the store: a one-chunk hole map
	 * after two inline xattrs, "overlay.metacopy" and "overlay.redirect". */
	p = put_inode(NID_A, S_IFREG | 0644, EROFS_LAYOUT_CHUNK_BASED, 100000, 17 - 12);
	put_le16(at_nid(NID_A) + offsetof(struct erofs_inode_compact, i_xattr_icount),
		 1 + (4 + 16 + 36 + 4 + 16 + 8) / 4);
	memset(p, 0, sizeof(struct erofs_xattr_ibody_header));
	p += sizeof(struct erofs_xattr_ibody_header);
	p[0] = 16;
	p[1] = EROFS_XATTR_INDEX_TRUSTED;
	put_le16(p + 2, sizeof(metacopy));
	memcpy(p + 4, "overlay.metacopy", 16);
	memcpy(p + 20, metacopy, sizeof(metacopy));
	p += 4 + 16 + 36;
	p[0] = 16;
	p[1] = EROFS_XATTR_INDEX_TRUSTED;
	put_le16(p + 2, 8);
	memcpy(p + 4, "overlay.redirect", 16);
	memcpy(p + 20, redirect, 8);
	p += 4 + 16 + 8;
	put_le32(p, EROFS_NULL_ADDR);
	/* The file now reaches nid 43: move /d out of its way. */
	{
		const struct dirent_spec rootd[] = {
			{ ".", NID_ROOT, EROFS_FT_DIR },
			{ "..", NID_ROOT, EROFS_FT_DIR },
			{ "a", NID_A, EROFS_FT_REG_FILE },
			{ "d", 48, EROFS_FT_DIR },
		};
		const struct dirent_spec d[] = {
			{ ".", 48, EROFS_FT_DIR },
			{ "..", NID_ROOT, EROFS_FT_DIR },
		};

		put_dir(NID_ROOT, rootd, ARRAY_SIZE(rootd));
		put_dir(48, d, ARRAY_SIZE(d));
	}

	assert_int_equal(cfs_image_open_buf(img, CFS_BLOCK_SIZE, "test.cfs", &f), 0);
	assert_int_equal(cfs_image_read_inode(f, NID_A, &ino), 0);
	assert_int_equal(cfs_image_object_of(f, &ino, &obj), 1);
	assert_int_equal(obj.path_len, 7);
	assert_memory_equal(obj.path, "ab/cdef", 7);
	assert_int_equal(obj.alg, CFS_HASH_SHA256);
	assert_memory_equal(obj.digest, metacopy + 4, 32);
	assert_int_equal(cfs_image_read_tree(f, &root), 0);
	/* The two xattrs became PAYLOAD and DIGEST. */
	assert_string_equal(root->children[0]->payload, "ab/cdef");
	assert_true(root->children[0]->has_digest);
	assert_int_equal(root->children[0]->n_xattrs, 0);
	assert_int_equal(root->children[0]->size, 100000);
	cfs_node_free(root);
	cfs_image_close(f);
}

static void test_bad_magic(void **state)
{
	(void)state;
	build_base();
	img[0] ^= 1;
	assert_refused(1, -EUCLEAN, "an EROFS image without a composefs header");
	build_base();
	img[EROFS_SUPER_OFFSET] ^= 1;
	assert_refused(1, -EUCLEAN, "bad EROFS superblock magic");
}

static void test_truncated(void **state)
{
	(void)state;
	build_base();
	put_le32(img + EROFS_SUPER_OFFSET + offsetof(struct erofs_super, blocks), 2);
	assert_refused(1, -EUCLEAN, "truncated");
}

static void test_bad_root(void **state)
{
	(void)state;
	build_base();
	put_le16(img + EROFS_SUPER_OFFSET + offsetof(struct erofs_super, root_nid), 60000);
	assert_refused(1, -EUCLEAN, "nid 60000 is outside the image");
	build_base();
	put_le16(img + EROFS_SUPER_OFFSET + offsetof(struct erofs_super, root_nid), NID_A);
	assert_refused(1, -EUCLEAN, "root inode is not a directory");
}

static void test_bad_nid(void **state)
{
	const struct dirent_spec root[] = {
		{ ".", NID_ROOT, EROFS_FT_DIR },
		{ "..", NID_ROOT, EROFS_FT_DIR },
		{ "a", 1u << 30, EROFS_FT_REG_FILE },
	};

	(void)state;
	build_base();
	put_dir(NID_ROOT, root, ARRAY_SIZE(root));
	assert_refused(1, -EUCLEAN, "outside the image");
}

static void test_loop(void **state)
{
	const struct dirent_spec d[] = {
		{ ".", NID_D, EROFS_FT_DIR },
		{ "..", NID_ROOT, EROFS_FT_DIR },
		{ "up", NID_ROOT, EROFS_FT_DIR },
	};
	const struct dirent_spec dotdot[] = {
		{ ".", NID_D, EROFS_FT_DIR },
		{ "..", NID_D, EROFS_FT_DIR },
	};

	(void)state;
	build_base();
	put_dir(NID_D, d, ARRAY_SIZE(d));
	assert_refused(1, -EUCLEAN, "directory reached a second time");
	build_base();
	put_dir(NID_D, dotdot, ARRAY_SIZE(dotdot));
	assert_refused(1, -EUCLEAN, "its '..' entry points at nid 41 instead of 36");
}

static void test_unsorted_names(void **state)
{
	const struct dirent_spec root[] = {
		{ ".", NID_ROOT, EROFS_FT_DIR },
		{ "..", NID_ROOT, EROFS_FT_DIR },
		{ "d", NID_D, EROFS_FT_DIR },
		{ "a", NID_A, EROFS_FT_REG_FILE },
	};

	(void)state;
	build_base();
	put_dir(NID_ROOT, root, ARRAY_SIZE(root));
	assert_refused(1, -EUCLEAN, "entry 'a' is out of order or repeated");
}

static void test_bad_dirents(void **state)
{
	uint8_t *dirents = at_nid(NID_ROOT) + sizeof(struct erofs_inode_compact);

	(void)state;
	build_base();
	put_le16(dirents + offsetof(struct erofs_dirent, nameoff), 13);
	assert_refused(1, -EUCLEAN, "first name offset 13 is invalid");
	build_base();
	put_le16(dirents + 2 * sizeof(struct erofs_dirent) + offsetof(struct erofs_dirent, nameoff), 4000);
	assert_refused(1, -EUCLEAN, "invalid name offset");
	build_base();
	dirents[2 * sizeof(struct erofs_dirent) + offsetof(struct erofs_dirent, file_type)] = EROFS_FT_SYMLINK;
	assert_refused(1, -EUCLEAN, "entry 'a' says file type 7");
}

static void test_xattr_counts(void **state)
{
	uint8_t *ino = at_nid(NID_A);

	(void)state;
	build_base();
	put_le16(ino + offsetof(struct erofs_inode_compact, i_xattr_icount), 0xffff);
	assert_refused(1, -EUCLEAN, "xattr area runs past the end");
	build_base();
	put_le16(ino + offsetof(struct erofs_inode_compact, i_xattr_icount), 1);
	ino[sizeof(struct erofs_inode_compact) + offsetof(struct erofs_xattr_ibody_header, h_shared_count)] = 200;
	assert_refused(1, -EUCLEAN, "200 shared xattrs do not fit");
	/* An entry claiming more bytes than the area has. */
	build_base();
	put_le16(ino + offsetof(struct erofs_inode_compact, i_xattr_icount), 2);
	memset(ino + sizeof(struct erofs_inode_compact), 0, 16);
	ino[sizeof(struct erofs_inode_compact) + 12] = 1;
	ino[sizeof(struct erofs_inode_compact) + 13] = EROFS_XATTR_INDEX_USER;
	put_le16(ino + sizeof(struct erofs_inode_compact) + 14, 1000);
	assert_refused(1, -EUCLEAN, "runs past its area");
}

static void test_overlap(void **state)
{
	(void)state;
	build_base();
	/* /a's data grows over /d's inode. */
	put_le32(at_nid(NID_A) + offsetof(struct erofs_inode_compact, i_size), 100);
	assert_refused(1, -EUCLEAN, "overlaps another inode");
}

static void test_special_files(void **state)
{
	(void)state;
	build_base();
	put_inode(NID_A, S_IFLNK | 0777, EROFS_LAYOUT_FLAT_INLINE, 5, 0);
	memcpy(at_nid(NID_A) + sizeof(struct erofs_inode_compact), "ab\0cd", 5);
	img[NID_ROOT * CFS_SLOT_SIZE + 32 + 2 * 12 + 10] = EROFS_FT_SYMLINK;
	assert_refused(1, -EUCLEAN, "symlink target contains NUL");
	build_base();
	put_inode(NID_A, S_IFREG | 0644, EROFS_LAYOUT_CHUNK_BASED, 100, 0);
	put_le32(at_nid(NID_A) + sizeof(struct erofs_inode_compact), 7);
	assert_refused(1, -EUCLEAN, "chunk 0 maps block 7");
	build_base();
	put_le16(at_nid(NID_A), 0x10);
	assert_refused(1, -EOPNOTSUPP, "bits composefs never sets");
}

/* A chain of directories deeper than the reader accepts, one every 128
 * bytes so that no inline tail crosses a block. */
static void test_depth(void **state)
{
	const size_t levels = CFS_IMAGE_MAX_DEPTH + 2, per_dir = 128 / CFS_SLOT_SIZE;
	size_t blocks = DIV_ROUND_UP(CFS_INODES_START + levels * 128, CFS_BLOCK_SIZE);
	uint8_t *saved = NULL;
	struct cfs_node *root = NULL;
	struct cfs_image_file *f;
	int r;

	(void)state;
	saved = calloc(blocks, CFS_BLOCK_SIZE);
	assert_non_null(saved);
	put_super((uint32_t)blocks);
	memcpy(saved, img, CFS_BLOCK_SIZE);
	for (size_t i = 0; i < levels; i++) {
		uint64_t nid = NID_ROOT + i * per_dir, parent = i ? nid - per_dir : nid;
		const struct dirent_spec full[] = {
			{ ".", nid, EROFS_FT_DIR },
			{ "..", parent, EROFS_FT_DIR },
			{ "x", nid + per_dir, EROFS_FT_DIR },
		};
		uint8_t *p = saved + nid * CFS_SLOT_SIZE, tail[64] = { 0 };
		size_t n = i + 1 < levels ? 3 : 2, len = put_dirents(tail, full, n);

		put_le16(p, EROFS_I_FORMAT(EROFS_LAYOUT_FLAT_INLINE, 0));
		put_le16(p + offsetof(struct erofs_inode_compact, i_mode), S_IFDIR | 0755);
		put_le32(p + offsetof(struct erofs_inode_compact, i_size), (uint32_t)len);
		memcpy(p + sizeof(struct erofs_inode_compact), tail, len);
	}
	assert_int_equal(cfs_image_open_buf(saved, blocks * CFS_BLOCK_SIZE, "deep.cfs", &f), 0);
	capture_start();
	r = cfs_image_read_tree(f, &root);
	assert_contains(capture_end(), "deeper than 1024 levels");
	assert_int_equal(r, -EUCLEAN);
	cfs_image_close(f);
	free(saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_tree),
		cmocka_unit_test(test_hardlink),
		cmocka_unit_test(test_hardlink_target),
		cmocka_unit_test(test_external_file),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_root),
		cmocka_unit_test(test_bad_nid),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_unsorted_names),
		cmocka_unit_test(test_bad_dirents),
		cmocka_unit_test(test_xattr_counts),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_special_files),
		cmocka_unit_test(test_depth),
	};
	return cmocka_run_group_tests_name("image", tests, NULL, NULL);
}
