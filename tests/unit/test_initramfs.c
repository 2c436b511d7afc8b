// SPDX-License-Identifier: MIT
/*
 * The initramfs reader (lib/initramfs): cpio newc archives written here
 * byte by byte from the format's definition, compressed by zlib, liblzma
 * and libzstd themselves, one after the other as dracut and mkinitramfs
 * concatenate them; and every way of cutting or breaking one refused in
 * one line.  tests/host/deploy-anchors.sh reads real dracut and
 * mkinitramfs images and compares with cpio -t.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "lib/initramfs/initramfs.h"
#include "capture.h"

/* A refusal: one line, naming the initramfs and saying what. */
static void assert_one_line(const char *log, const char *says)
{
	assert_int_equal(count_lines(log), 1);
	assert_contains(log, "test.img");
	assert_contains(log, says);
}

struct buf {
	uint8_t data[1 << 16];
	size_t len;
};

static void put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->len + n <= sizeof(b->data));
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void pad(struct buf *b)
{
	while (b->len % 4)
		put(b, "", 1);
}

/* One newc entry: magic 070701, or 070702 with its checksum. */
static void entry(struct buf *b, const char *magic, uint32_t ino, uint32_t mode, uint32_t nlink,
		  const char *name, const void *data, size_t size)
{
	char h[128];
	uint32_t sum = 0;

	for (size_t i = 0; i < size; i++)
		sum += ((const uint8_t *)data)[i];
	snprintf(h, sizeof(h), "%s%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x", magic, ino,
		 mode, 0, 0, nlink, 0, (uint32_t)size, 0, 0, 0, 0, (uint32_t)strlen(name) + 1,
		 strcmp(magic, "070702") == 0 ? sum : 0);
	put(b, h, 110);
	put(b, name, strlen(name) + 1);
	pad(b);
	put(b, data, size);
	pad(b);
}

static void file(struct buf *b, const char *name, const char *text)
{
	entry(b, "070701", 0, S_IFREG | 0644, 1, name, text, strlen(text));
}

static void trailer(struct buf *b)
{
	entry(b, "070701", 0, 0, 1, "TRAILER!!!", "", 0);
}

static void sample(struct buf *b)
{
	entry(b, "070701", 1, S_IFDIR | 0755, 2, ".", "", 0);
	entry(b, "070701", 2, S_IFDIR | 0755, 2, "./etc", "", 0);
	file(b, "./etc/a", "first");
	entry(b, "070701", 3, S_IFLNK | 0777, 1, "etc/link", "a", 1);
	file(b, "/etc/b", "bee");
	trailer(b);
}

static int read_all(const struct buf *b, size_t max, struct cfs_initramfs *ir)
{
	return cfs_initramfs_read(b->data, b->len, "test.img", max, ir);
}

static void assert_file(const struct cfs_initramfs *ir, const char *path, const char *text)
{
	const struct cfs_initramfs_entry *e = cfs_initramfs_find(ir, path);

	assert_non_null(e);
	assert_true(S_ISREG(e->mode));
	assert_int_equal(e->size, strlen(text));
	assert_memory_equal(e->data, text, e->size);
}

static void test_plain(void **state)
{
	struct buf b = {};
	struct cfs_initramfs ir;
	const struct cfs_initramfs_entry *e;

	(void)state;
	sample(&b);
	assert_int_equal(read_all(&b, 0, &ir), 0);
	assert_int_equal(ir.n_entries, 5);
	assert_file(&ir, "/etc/a", "first");
	assert_file(&ir, "etc/b", "bee");
	e = cfs_initramfs_find(&ir, "/etc/link");
	assert_non_null(e);
	assert_true(S_ISLNK(e->mode));
	assert_memory_equal(e->data, "a", 1);
	e = cfs_initramfs_find(&ir, "/");
	assert_non_null(e);
	assert_true(S_ISDIR(e->mode));
	assert_null(cfs_initramfs_find(&ir, "/etc/c"));
	cfs_initramfs_free(&ir);
}

/* What the compressors make of in, appended to out. */
static void gzip_into(struct buf *out, const struct buf *in)
{
	z_stream z = {};

	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)in->data;
	z.avail_in = in->len;
	z.next_out = out->data + out->len;
	z.avail_out = sizeof(out->data) - out->len;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	out->len = sizeof(out->data) - z.avail_out;
	deflateEnd(&z);
}

static void xz_into(struct buf *out, const struct buf *in)
{
	size_t pos = out->len;

	assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in->data, in->len,
						 out->data, &pos, sizeof(out->data)), LZMA_OK);
	out->len = pos;
}

static void zstd_into(struct buf *out, const struct buf *in)
{
	size_t n = ZSTD_compress(out->data + out->len, sizeof(out->data) - out->len, in->data,
				 in->len, 3);

	assert_false(ZSTD_isError(n));
	out->len += n;
}

/* An early uncompressed archive, then a compressed one that replaces
 * etc/a, as dracut writes microcode before the main image. */
static void concatenated(void (*compress)(struct buf *, const struct buf *))
{
	struct buf early = {}, main = {}, all = {};
	struct cfs_initramfs ir;

	sample(&early);
	file(&main, "etc/a", "second");
	file(&main, "etc/cfsboot/pivot.conf", "signature = required\n");
	trailer(&main);
	put(&all, early.data, early.len);
	put(&all, "\0\0\0\0\0\0\0\0", 8);
	compress(&all, &main);
	assert_int_equal(read_all(&all, 0, &ir), 0);
	assert_int_equal(ir.n_archives, 2);
	assert_file(&ir, "etc/a", "second");
	assert_file(&ir, "etc/b", "bee");
	assert_file(&ir, "/etc/cfsboot/pivot.conf", "signature = required\n");
	cfs_initramfs_free(&ir);

	/* a compressed segment cut short refuses the whole */
	all.len -= 5;
	capture_start();
	assert_int_equal(read_all(&all, 0, &ir), -EBADMSG);
	assert_one_line(capture_end(), "test.img");
	cfs_initramfs_free(&ir);
}

static void test_gzip(void **state) { (void)state; concatenated(gzip_into); }
static void test_xz(void **state) { (void)state; concatenated(xz_into); }
static void test_zstd(void **state) { (void)state; concatenated(zstd_into); }

/* Two compressed segments one after the other: each is its own stream. */
static void test_two_streams(void **state)
{
	struct buf a = {}, c = {}, all = {};
	struct cfs_initramfs ir;

	(void)state;
	file(&a, "one", "1");
	trailer(&a);
	file(&c, "two", "2");
	trailer(&c);
	gzip_into(&all, &a);
	zstd_into(&all, &c);
	assert_int_equal(read_all(&all, 0, &ir), 0);
	assert_file(&ir, "one", "1");
	assert_file(&ir, "two", "2");
	cfs_initramfs_free(&ir);
}

/* newc stores a hard-linked file's content with its last name only. */
static void test_hard_links(void **state)
{
	struct buf b = {};
	struct cfs_initramfs ir;

	(void)state;
	entry(&b, "070701", 7, S_IFREG | 0644, 2, "x", "", 0);
	entry(&b, "070701", 7, S_IFREG | 0644, 2, "y", "shared", 6);
	trailer(&b);
	assert_int_equal(read_all(&b, 0, &ir), 0);
	assert_file(&ir, "x", "shared");
	assert_file(&ir, "y", "shared");
	cfs_initramfs_free(&ir);
}

static void test_checksum(void **state)
{
	struct buf b = {};
	struct cfs_initramfs ir;

	(void)state;
	entry(&b, "070702", 1, S_IFREG | 0644, 1, "sum", "abc", 3);
	trailer(&b);
	assert_int_equal(read_all(&b, 0, &ir), 0);
	assert_file(&ir, "sum", "abc");
	cfs_initramfs_free(&ir);
	b.data[b.len - 124 - 4] ^= 1;      /* a byte of "abc" (the trailer is 124 bytes) */
	capture_start();
	assert_int_equal(read_all(&b, 0, &ir), -EBADMSG);
	assert_one_line(capture_end(), "checksum");
	cfs_initramfs_free(&ir);
}

/* Every cut of an archive is refused, in one line naming it. */
static void test_every_truncation(void **state)
{
	struct buf b = {}, cut;
	struct cfs_initramfs ir;

	(void)state;
	sample(&b);
	for (size_t len = 0; len < b.len; len++) {
		cut = b;
		cut.len = len;
		capture_start();
		assert_int_equal(read_all(&cut, 0, &ir), -EBADMSG);
		assert_one_line(capture_end(), "test.img");
		cfs_initramfs_free(&ir);
	}
}

static void refused(const struct buf *b, size_t max, int err, const char *says)
{
	struct cfs_initramfs ir;

	capture_start();
	assert_int_equal(read_all(b, max, &ir), err);
	assert_one_line(capture_end(), says);
	cfs_initramfs_free(&ir);
}

static void test_malformed(void **state)
{
	struct buf b;
	const char bzip2[] = "BZh91AY&SY";

	(void)state;
	b = (struct buf){};
	put(&b, "garbage!", 8);
	refused(&b, 0, -EBADMSG, "neither a cpio archive");
	b = (struct buf){};
	file(&b, "etc/../../x", "y");
	trailer(&b);
	refused(&b, 0, -EBADMSG, "\"..\"");
	b = (struct buf){};
	entry(&b, "070701", 1, 0170000, 1, "odd", "", 0);
	trailer(&b);
	refused(&b, 0, -EBADMSG, "unknown file type");
	b = (struct buf){};
	entry(&b, "070701", 1, S_IFDIR | 0755, 1, "dir", "x", 1);
	trailer(&b);
	refused(&b, 0, -EBADMSG, "has content");
	b = (struct buf){};
	sample(&b);
	b.data[6 + 8 * 6] = 'g';       /* the first entry's filesize field */
	refused(&b, 0, -EBADMSG, "not hex");
	b = (struct buf){};
	file(&b, "no-trailer", "x");
	refused(&b, 0, -EBADMSG, "truncated");
	b = (struct buf){};
	put(&b, bzip2, sizeof(bzip2) - 1);
	refused(&b, 0, -EPROTONOSUPPORT, "bzip2");
	/* the unpacked size is bounded */
	{
		struct buf big = {}, z = {};

		for (int i = 0; i < 40; i++)
			file(&big, "f", "0123456789012345678901234567890123456789012345678901234567890123");
		trailer(&big);
		gzip_into(&z, &big);
		refused(&z, 1024, -EFBIG, "more than");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_xz),
		cmocka_unit_test(test_zstd),
		cmocka_unit_test(test_two_streams),
		cmocka_unit_test(test_hard_links),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
