// SPDX-License-Identifier: MIT
/*
 * The zstd decoder of a pull (src/tool/pull/encoding.h) takes a server's
 * bytes before anything about them is verified.  Input: two bytes giving
 * the decoded size allowed (little-endian, in units of 16 bytes: up to
 * 1 MiB, so that a bomb has room to try), one the size of the pieces the
 * bytes arrive in (in units of 37 bytes; 0: all at once), then the frame.
 * Any input must be decoded or refused cleanly, and the sink behind the
 * decoder must never receive more than the size allowed, nor a done()
 * after a refusal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/log.h"
#include "tool/pull/encoding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	uint64_t bytes, max;
	int dones;
};

static int seen_reset(void *ud)
{
	((struct seen *)ud)->bytes = 0;
	return 0;
}

static int seen_write(void *ud, const void *data, size_t len)
{
	struct seen *s = ud;

	(void)data;
	s->bytes += len;
	if (s->bytes > s->max)
		abort();
	return 0;
}

static int seen_done(void *ud)
{
	((struct seen *)ud)->dones++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fetch f = { .path = "objects/00/fuzz.zst" };
	struct seen s = {};
	struct decoder d;
	size_t step;
	int r;

	if (size < 3)
		return 0;
	cfs_log_set_level(LOG_CRIT);
	s.max = ((uint64_t)data[0] | (uint64_t)data[1] << 8) * 16;
	step = data[2] ? data[2] * 37u : size;
	data += 3;
	size -= 3;
	encoding_fetch(&f, ENCODING_ZSTD, s.max, &d,
		       (struct fetch_sink){ seen_reset, seen_write, seen_done, &s });
	r = f.sink.reset(f.sink.ud);
	for (size_t at = 0; r == 0 && at < size; at += step)
		r = f.sink.write(f.sink.ud, data + at, size - at < step ? size - at : step);
	if (r == 0)
		r = f.sink.done(f.sink.ud);
	if ((r == 0) != (s.dones == 1) || s.dones > 1)
		abort();
	decoder_free(&d);
	return 0;
}
