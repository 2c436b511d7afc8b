// SPDX-License-Identifier: MIT
#include "tool/pull/encoding.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

const char *encoding_name(enum encoding e)
{
	return e == ENCODING_ZSTD ? "zstd" : "none";
}

int encoding_from_name(const char *name, enum encoding *e)
{
	if (strcmp(name, "none") == 0)
		*e = ENCODING_NONE;
	else if (strcmp(name, "zstd") == 0)
		*e = ENCODING_ZSTD;
	else
		return -EINVAL;
	return 0;
}

const char *encoding_suffix(enum encoding e)
{
	return e == ENCODING_ZSTD ? ".zst" : "";
}

void decoder_free(struct decoder *d)
{
	ZSTD_freeDCtx(d->dctx);
	d->dctx = NULL;
	free(d->buf);
	d->buf = NULL;
}

static int decoder_reset(void *ud)
{
	struct decoder *d = ud;

	d->out = 0;
	d->ended = false;
	if (!d->dctx && !(d->dctx = ZSTD_createDCtx()))
		return log_oom();
	if (!d->buf && !(d->buf = malloc(ZSTD_DStreamOutSize())))
		return log_oom();
	ZSTD_DCtx_reset(d->dctx, ZSTD_reset_session_and_parameters);
	/* A frame asking for a larger window is refused, not allocated for. */
	ZSTD_DCtx_setParameter(d->dctx, ZSTD_d_windowLogMax, ENCODING_WINDOW_LOG);
	return d->inner.reset(d->inner.ud);
}

static int too_large(const struct decoder *d, unsigned long long n)
{
	return log_errno(-EFBIG, "%s: refused, its zstd frame decodes to more than the %llu bytes "
			 "the image records (%llu or more); the repository is damaged or hostile",
			 d->path, (unsigned long long)d->max, n);
}

static int decoder_write(void *ud, const void *data, size_t len)
{
	struct decoder *d = ud;
	ZSTD_inBuffer in = { data, len, 0 };
	int r;

	/* A frame that says how much it holds is judged on its header, before
	 * a byte is decoded. */
	if (d->out == 0 && !d->ended) {
		unsigned long long declared = ZSTD_getFrameContentSize(data, len);

		if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR &&
		    declared > d->max)
			return too_large(d, declared);
	}
	for (bool more = true; more;) {
		ZSTD_outBuffer out = { d->buf, ZSTD_DStreamOutSize(), 0 };
		size_t ret;

		if (d->ended && in.pos < in.size)
			return log_errno(-EBADMSG, "%s: refused, bytes follow the end of its zstd "
					 "frame; the repository is damaged", d->path);
		if (d->ended)
			return 0;
		ret = ZSTD_decompressStream(d->dctx, &out, &in);
		if (ZSTD_isError(ret))
			return log_errno(-EBADMSG, "%s: refused, not a valid zstd frame (%s); the "
					 "file is corrupt or not what the channel's encoding says",
					 d->path, ZSTD_getErrorName(ret));
		if (d->out + out.pos > d->max)
			return too_large(d, d->out + out.pos);
		d->out += out.pos;
		if (out.pos > 0 && (r = d->inner.write(d->inner.ud, d->buf, out.pos)) < 0)
			return r;
		d->ended = ret == 0;
		/* A full output buffer may leave decoded bytes inside zstd. */
		more = in.pos < in.size || out.pos == out.size;
	}
	return 0;
}

static int decoder_done(void *ud)
{
	struct decoder *d = ud;

	if (!d->ended)
		return log_errno(-EBADMSG, "%s: refused, its zstd frame is cut short after %llu "
				 "decoded bytes (truncated)", d->path, (unsigned long long)d->out);
	/* Its memory goes with the file, not with the whole fetch. */
	decoder_free(d);
	return d->inner.done(d->inner.ud);
}

void encoding_fetch(struct fetch *f, enum encoding e, uint64_t size, struct decoder *d,
		    struct fetch_sink inner)
{
	f->size = size;
	if (e == ENCODING_NONE) {
		f->max = size;
		f->sink = inner;
		return;
	}
	*d = (struct decoder){ .inner = inner, .path = f->path, .max = size };
	/* The bound of a frame of size bytes (incompressible blocks stored as
	 * they are, plus headers), and never less than the header of one. */
	f->max = ZSTD_compressBound(size);
	f->sink = (struct fetch_sink){ decoder_reset, decoder_write, decoder_done, d };
}

int encoding_compress(const uint8_t *data, size_t len, int dst_fd, const char *dst)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t cap = ZSTD_CStreamOutSize();
	uint8_t *buf = malloc(cap);
	ZSTD_inBuffer in = { data, len, 0 };
	size_t ret;
	int r = 0;

	if (!c || !buf) {
		r = log_oom();
		goto out;
	}
	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, ENCODING_ZSTD_LEVEL);
	ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, ENCODING_WINDOW_LOG);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0);   /* the digest is the check */
	ZSTD_CCtx_setPledgedSrcSize(c, len);                 /* the header says the size */
	do {
		ZSTD_outBuffer out = { buf, cap, 0 };

		ret = ZSTD_compressStream2(c, &out, &in, ZSTD_e_end);
		if (ZSTD_isError(ret)) {
			r = log_errno(-EIO, "cannot compress %s: %s", dst, ZSTD_getErrorName(ret));
			break;
		}
		if ((r = cfs_write_full(dst_fd, buf, out.pos)) < 0) {
			log_errno(r, "cannot write %s: %m", dst);
			break;
		}
	} while (ret != 0);
out:
	ZSTD_freeCCtx(c);
	free(buf);
	return r;
}
