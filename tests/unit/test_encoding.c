// SPDX-License-Identifier: MIT
/* The zstd encoding of a repository (src/tool/pull/encoding.h): what
 * publish compresses decodes to the same bytes in any split of the
 * stream, and a frame that is corrupt, cut short, followed by more bytes,
 * or larger than the size allowed is refused before the sink sees more
 * than that size.  Frames are also made with libzstd directly, as another
 * publisher would make them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <cmocka.h>
#include <zstd.h>

#include "tool/pull/encoding.h"

/* The sink behind the decoder: what it was given. */
struct got {
	uint8_t *data;
	size_t len, cap;
	int resets, dones;
};

static int got_reset(void *ud)
{
	struct got *g = ud;

	g->len = 0;
	g->resets++;
	return 0;
}

static int got_write(void *ud, const void *data, size_t len)
{
	struct got *g = ud;

	assert_true(g->len + len <= g->cap);    /* never past the bound */
	memcpy(g->data + g->len, data, len);
	g->len += len;
	return 0;
}

static int got_done(void *ud)
{
	((struct got *)ud)->dones++;
	return 0;
}

/* Feeds frame to a decoder allowing max bytes, in pieces of step bytes;
 * returns the first error, or done's result. */
static int decode(const uint8_t *frame, size_t len, uint64_t max, size_t step, struct got *g)
{
	struct fetch f = { .path = "objects/ab/cd.zst" };
	struct decoder d;
	int r;

	g->cap = max;
	g->data = realloc(g->data, max ? max : 1);
	encoding_fetch(&f, ENCODING_ZSTD, max, &d,
		       (struct fetch_sink){ got_reset, got_write, got_done, g });
	r = f.sink.reset(f.sink.ud);
	for (size_t at = 0; r == 0 && at < len; at += step)
		r = f.sink.write(f.sink.ud, frame + at, len - at < step ? len - at : step);
	if (r == 0)
		r = f.sink.done(f.sink.ud);
	decoder_free(&d);
	return r;
}

/* publish's frame of data, read back from a temporary file. */
static uint8_t *compress(const uint8_t *data, size_t len, size_t *out_len)
{
	FILE *tmp = tmpfile();
	uint8_t *buf;
	long n;

	assert_non_null(tmp);
	assert_int_equal(encoding_compress(data, len, fileno(tmp), "test"), 0);
	n = lseek(fileno(tmp), 0, SEEK_END);
	assert_true(n > 0);
	buf = malloc((size_t)n);
	assert_int_equal(pread(fileno(tmp), buf, (size_t)n, 0), n);
	fclose(tmp);
	*out_len = (size_t)n;
	return buf;
}

static uint8_t *sample(size_t len)
{
	uint8_t *b = malloc(len ? len : 1);

	/* Compressible, but not a run of one byte. */
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)((i * 7 / 13) ^ (i >> 9));
	return b;
}

static void test_round_trip(void **state)
{
	static const size_t sizes[] = { 0, 1, 4096, 300000, 5 * 1024 * 1024 + 17 };
	static const size_t steps[] = { 1, 7, 65536, SIZE_MAX / 2 };
	struct got g = {};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t flen;
		uint8_t *data = sample(sizes[i]), *frame = compress(data, sizes[i], &flen);

		if (sizes[i] > 4096)
			assert_true(flen < sizes[i] / 2);
		for (size_t j = 0; j < sizeof(steps) / sizeof(steps[0]); j++) {
			if (steps[j] == 1 && sizes[i] > 300000)
				continue;       /* slow, and 7 covers the same paths */
			g.dones = 0;
			assert_int_equal(decode(frame, flen, sizes[i], steps[j], &g), 0);
			assert_int_equal(g.len, sizes[i]);
			assert_int_equal(g.dones, 1);
			assert_memory_equal(g.data, data, sizes[i]);
		}
		free(data);
		free(frame);
	}
	free(g.data);
}

static void test_refusals(void **state)
{
	struct got g = {};
	size_t flen, n;
	uint8_t *data = sample(200000), *frame = compress(data, 200000, &flen), *two;
	uint8_t bomb[4096];
	ZSTD_CStream *cs;
	ZSTD_outBuffer out = { bomb, sizeof(bomb), 0 };
	uint8_t zeros[65536] = {};

	(void)state;
	/* One byte less allowed than the frame declares: its header says so. */
	g.dones = 0;
	assert_int_equal(decode(frame, flen, 199999, 65536, &g), -EFBIG);
	assert_int_equal(g.len, 0);
	assert_int_equal(g.dones, 0);
	/* Cut short anywhere: truncated. */
	for (size_t cut = 1; cut < flen; cut += flen / 9)
		assert_int_equal(decode(frame, cut, 200000, 4096, &g), -EBADMSG);
	/* A damaged magic number or header is not a frame.  A byte
	 * changed in the data may still decode (frames carry no checksum):
	 * to other bytes, which the digest check behind the decoder refuses
	 * (tests/host/pull-http.sh). */
	frame[0] ^= 0x40;
	assert_int_equal(decode(frame, flen, 200000, 4096, &g), -EBADMSG);
	frame[0] ^= 0x40;
	memset(frame + 6, 0xff, 3);     /* a size field: too large, or no longer a frame */
	assert_true(decode(frame, flen, 200000, 4096, &g) < 0);
	free(frame);
	frame = compress(data, 200000, &flen);
	frame[flen / 2] ^= 0x40;
	assert_true(decode(frame, flen, 200000, 4096, &g) < 0 || g.len != 200000 ||
		    memcmp(g.data, data, 200000) != 0);
	frame[flen / 2] ^= 0x40;
	/* Plain bytes where a frame must be: the swapped encoding. */
	assert_int_equal(decode(data, 200000, 200000, 4096, &g), -EBADMSG);
	/* Two frames: bytes after the end of the first. */
	two = malloc(2 * flen);
	memcpy(two, frame, flen);
	memcpy(two + flen, frame, flen);
	assert_int_equal(decode(two, 2 * flen, 200000, 4096, &g), -EBADMSG);
	assert_int_equal(decode(two, 2 * flen, 400000, 4096, &g), -EBADMSG);
	free(two);
	/* A bomb that does not declare its size (a streamed frame): 64 MiB of
	 * zeros in a few KiB, refused once the sink has the bytes allowed. */
	cs = ZSTD_createCStream();
	ZSTD_CCtx_setParameter(cs, ZSTD_c_compressionLevel, 19);
	ZSTD_CCtx_setParameter(cs, ZSTD_c_windowLog, ENCODING_WINDOW_LOG);
	for (int i = 0; i < 1024; i++) {
		ZSTD_inBuffer in = { zeros, sizeof(zeros), 0 };

		while (in.pos < in.size)
			assert_false(ZSTD_isError(ZSTD_compressStream(cs, &out, &in)));
	}
	assert_int_equal(ZSTD_endStream(cs, &out), 0);
	ZSTD_freeCStream(cs);
	n = out.pos;
	assert_int_equal(ZSTD_getFrameContentSize(bomb, n), ZSTD_CONTENTSIZE_UNKNOWN);
	assert_int_equal(decode(bomb, n, 100000, 4096, &g), -EFBIG);
	assert_true(g.len <= 100000);
	/* The same frame with the room for it decodes. */
	assert_int_equal(decode(bomb, n, 64 << 20, 4096, &g), 0);
	assert_int_equal(g.len, 64 << 20);
	free(data);
	free(frame);
	free(g.data);
}

/* A frame whose window is larger than ENCODING_WINDOW_LOG is refused, not
 * allocated for. */
static void test_window(void **state)
{
	size_t len = (8 << 20) + 1, cap = ZSTD_compressBound(len), n;
	uint8_t *data = sample(len), *frame = malloc(cap);
	ZSTD_CCtx *c = ZSTD_createCCtx();
	struct got g = {};

	(void)state;
	ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, ENCODING_WINDOW_LOG + 2);
	n = ZSTD_compress2(c, frame, cap, data, len);
	assert_false(ZSTD_isError(n));
	assert_int_equal(decode(frame, n, len, 65536, &g), -EBADMSG);
	ZSTD_freeCCtx(c);
	free(data);
	free(frame);
	free(g.data);
}

static void test_names(void **state)
{
	enum encoding e;

	(void)state;
	assert_int_equal(encoding_from_name("zstd", &e), 0);
	assert_int_equal(e, ENCODING_ZSTD);
	assert_string_equal(encoding_suffix(e), ".zst");
	assert_int_equal(encoding_from_name("none", &e), 0);
	assert_string_equal(encoding_suffix(e), "");
	assert_int_equal(encoding_from_name("gzip", &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("encoding", tests, NULL, NULL);
}
