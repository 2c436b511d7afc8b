// SPDX-License-Identifier: MIT
#include "lib/initramfs/decompress.h"

#include <errno.h>
#include <limits.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

/* What xz may allocate for its dictionary: xz -9 needs 64 MiB. */
#define XZ_MEMLIMIT (256u << 20)
#define CHUNK (1u << 20)

static const struct magic {
	const char *name;
	enum cfs_compression kind;
	size_t len;
	uint8_t bytes[6];
} magics[] = {
	{ "gzip", CFS_COMPRESSION_GZIP, 2, { 0x1f, 0x8b } },
	{ "xz", CFS_COMPRESSION_XZ, 6, { 0xfd, '7', 'z', 'X', 'Z', 0x00 } },
	{ "zstd", CFS_COMPRESSION_ZSTD, 4, { 0x28, 0xb5, 0x2f, 0xfd } },
	{ "bzip2", CFS_COMPRESSION_UNSUPPORTED, 3, { 'B', 'Z', 'h' } },
	{ "lzma", CFS_COMPRESSION_UNSUPPORTED, 3, { 0x5d, 0x00, 0x00 } },
	{ "lzo", CFS_COMPRESSION_UNSUPPORTED, 4, { 0x89, 'L', 'Z', 'O' } },
	{ "lz4", CFS_COMPRESSION_UNSUPPORTED, 4, { 0x02, 0x21, 0x4c, 0x18 } },
};

enum cfs_compression cfs_compression_detect(const uint8_t *data, size_t len, const char **name)
{
	*name = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++)
		if (len >= magics[i].len && memcmp(data, magics[i].bytes, magics[i].len) == 0) {
			*name = magics[i].name;
			return magics[i].kind;
		}
	return CFS_COMPRESSION_NONE;
}

/* The output, grown a chunk at a time up to max. */
struct sink {
	uint8_t *buf;
	size_t len, cap, max;
};

/* Room for at least one more byte: 0, or -EFBIG / -ENOMEM (not logged). */
static int sink_grow(struct sink *s)
{
	size_t cap;
	uint8_t *p;

	if (s->len < s->cap)
		return 0;
	if (s->cap >= s->max)
		return -EFBIG;
	cap = s->cap + CHUNK < s->max ? s->cap + CHUNK : s->max;
	p = realloc(s->buf, cap);
	if (!p)
		return -ENOMEM;
	s->buf = p;
	s->cap = cap;
	return 0;
}

static int gunzip(const uint8_t *data, size_t len, struct sink *s, size_t *used, const char **why)
{
	z_stream z = {};
	int zr = Z_OK, r = 0;

	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)   /* gzip framing only */
		return -ENOMEM;
	z.next_in = (Bytef *)data;
	z.avail_in = len > UINT_MAX ? UINT_MAX : (uInt)len;
	while (zr == Z_OK && (r = sink_grow(s)) == 0) {
		z.next_out = s->buf + s->len;
		z.avail_out = (uInt)(s->cap - s->len);
		zr = inflate(&z, Z_NO_FLUSH);
		s->len = s->cap - z.avail_out;
		if (zr == Z_BUF_ERROR && z.avail_out > 0)
			*why = "it is truncated";
		else if (zr == Z_BUF_ERROR)
			zr = Z_OK;       /* only out of output room */
		else if (zr != Z_OK && zr != Z_STREAM_END)
			*why = z.msg ? z.msg : "it is corrupt";
	}
	*used = len - z.avail_in;
	inflateEnd(&z);
	return r < 0 ? r : zr == Z_STREAM_END ? 0 : -EBADMSG;
}

static int unxz(const uint8_t *data, size_t len, struct sink *s, size_t *used, const char **why)
{
	lzma_stream x = LZMA_STREAM_INIT;
	lzma_ret xr = LZMA_OK;
	int r = 0;

	/* Without LZMA_CONCATENATED: one stream, as the kernel reads it. */
	if (lzma_stream_decoder(&x, XZ_MEMLIMIT, 0) != LZMA_OK)
		return -ENOMEM;
	x.next_in = data;
	x.avail_in = len;
	while (xr == LZMA_OK && (r = sink_grow(s)) == 0) {
		x.next_out = s->buf + s->len;
		x.avail_out = s->cap - s->len;
		/* LZMA_FINISH once the input is all given: a cut stream then
		 * ends in LZMA_BUF_ERROR instead of waiting for more. */
		xr = lzma_code(&x, x.avail_in ? LZMA_RUN : LZMA_FINISH);
		s->len = s->cap - x.avail_out;
		if (xr == LZMA_BUF_ERROR)
			*why = "it is truncated";
		else if (xr == LZMA_MEMLIMIT_ERROR)
			*why = "it needs more than 256 MiB of dictionary";
		else if (xr != LZMA_OK && xr != LZMA_STREAM_END)
			*why = "it is corrupt";
	}
	*used = len - x.avail_in;
	lzma_end(&x);
	return r < 0 ? r : xr == LZMA_STREAM_END ? 0 : -EBADMSG;
}

static int unzstd(const uint8_t *data, size_t len, struct sink *s, size_t *used, const char **why)
{
	size_t frame = ZSTD_findFrameCompressedSize(data, len), zr = 1;
	ZSTD_inBuffer in = { data, frame, 0 };
	ZSTD_DStream *z;
	int r = 0;

	if (ZSTD_isError(frame)) {
		*why = ZSTD_getErrorName(frame);
		return -EBADMSG;
	}
	z = ZSTD_createDStream();
	if (!z)
		return -ENOMEM;
	/* 0 once the frame is decoded and flushed; it ends at frame. */
	while (zr != 0 && (r = sink_grow(s)) == 0) {
		ZSTD_outBuffer out = { s->buf, s->cap, s->len };

		zr = ZSTD_decompressStream(z, &out, &in);
		s->len = out.pos;
		if (ZSTD_isError(zr)) {
			*why = ZSTD_getErrorName(zr);
			break;
		}
		if (zr != 0 && in.pos == in.size && out.pos < out.size) {
			*why = "it is truncated";
			break;
		}
	}
	ZSTD_freeDStream(z);
	*used = frame;
	return r < 0 ? r : zr == 0 ? 0 : -EBADMSG;
}

int cfs_decompress(enum cfs_compression c, const char *name, size_t off, const uint8_t *data,
		   size_t len, size_t max, uint8_t **out, size_t *out_len, size_t *used)
{
	struct sink s = { .max = max };
	const char *why = "it is corrupt", *kind = NULL;
	int r;

	cfs_compression_detect(data, len, &kind);
	switch (c) {
	case CFS_COMPRESSION_GZIP: r = gunzip(data, len, &s, used, &why); break;
	case CFS_COMPRESSION_XZ: r = unxz(data, len, &s, used, &why); break;
	case CFS_COMPRESSION_ZSTD: r = unzstd(data, len, &s, used, &why); break;
	default:
		return log_errno(-EPROTONOSUPPORT, "%s: the segment at byte %zu is %s-compressed, which "
				 "cfsboot does not read: build the initramfs with gzip, xz or zstd",
				 name, off, kind ? kind : "not");
	}
	if (r == -ENOMEM)
		log_oom();
	else if (r == -EFBIG)
		log_errno(r, "%s: the %s segment at byte %zu unpacks to more than %zu MiB: refusing "
			  "it as no initramfs is that large", name, kind, off, max >> 20);
	else if (r < 0)
		log_errno(r, "%s: cannot unpack the %s segment at byte %zu: %s (rebuild the "
			  "initramfs)", name, kind, off, why);
	if (r < 0) {
		free(s.buf);
		return r;
	}
	*out = s.buf;
	*out_len = s.len;
	return 0;
}
