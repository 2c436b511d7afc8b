// SPDX-License-Identifier: MIT
/*
 * Digest values of the kernel command line.  Anything not exactly one of
 * the documented spellings is refused: the digest decides which image is
 * trusted, so a guess (truncating, padding, choosing an algorithm the
 * value does not say) would be a hole.
 */
#include "pivot/boot/digest.h"

#include <errno.h>
#include <string.h>

#include "lib/base/hex.h"
#include "lib/base/log.h"

/* The composefs-rs "v1-<hash>-<log2 block size>" prefixes cfs-pivot can
 * verify: fs-verity with 4096-byte blocks, as every composefs tool writes. */
static const struct {
	const char *prefix;
	enum cfs_hash_alg alg;
} digest_formats[] = {
	{ "v1-sha256-12", CFS_HASH_SHA256 },
	{ "v1-sha512-12", CFS_HASH_SHA512 },
};

static enum cfs_hash_alg format_alg(const char *prefix, size_t len)
{
	for (size_t i = 0; i < sizeof(digest_formats) / sizeof(digest_formats[0]); i++)
		if (strlen(digest_formats[i].prefix) == len &&
		    memcmp(digest_formats[i].prefix, prefix, len) == 0)
			return digest_formats[i].alg;
	return 0;
}

/* Bare hex says its algorithm by its length only. */
static enum cfs_hash_alg alg_by_length(size_t hex_len)
{
	if (hex_len == 2 * cfs_hash_digest_size(CFS_HASH_SHA256))
		return CFS_HASH_SHA256;
	if (hex_len == 2 * cfs_hash_digest_size(CFS_HASH_SHA512))
		return CFS_HASH_SHA512;
	return 0;
}

int pivot_digest_parse(const char *key, const char *value, struct pivot_digest *d,
		       bool *optional)
{
	const char *hex = value, *colon;
	enum cfs_hash_alg alg = 0;
	size_t len, want;

	*optional = hex[0] == '?';
	if (*optional)
		hex++;
	if (!*hex)
		return log_errno(-EINVAL, "refusing \"%s=%s\": no digest given "
				 "(write %s=<64 hex digits> or %s=v1-sha512-12:<128 hex digits>)",
				 key, value, key, key);

	colon = strchr(hex, ':');
	if (colon) {
		alg = format_alg(hex, (size_t)(colon - hex));
		if (!alg)
			return log_errno(-EINVAL, "refusing \"%s=%s\": unknown digest format \"%.*s\" "
					 "(cfs-pivot knows v1-sha256-12 and v1-sha512-12)",
					 key, value, (int)(colon - hex), hex);
		hex = colon + 1;
	}

	len = strlen(hex);
	for (size_t i = 0; i < len; i++)
		if (cfs_hex_digit_value(hex[i]) < 0)
			return log_errno(-EINVAL, "refusing \"%s=%s\": character %zu of the digest "
					 "is not a hex digit (a digest is written in 0-9 and a-f)",
					 key, value, i + 1);

	if (!alg) {
		alg = alg_by_length(len);
		if (!alg)
			return log_errno(-EINVAL, "refusing \"%s=%s\": the digest has %zu hex digits "
					 "(a sha256 digest has 64, a sha512 digest 128)",
					 key, value, len);
	}
	want = 2 * cfs_hash_digest_size(alg);
	if (len != want)
		return log_errno(-EINVAL, "refusing \"%s=%s\": the digest has %zu hex digits "
				 "(a %s digest has %zu)", key, value, len, cfs_hash_name(alg), want);

	memset(d, 0, sizeof(*d));
	d->alg = alg;
	/* Cannot fail: the length and every digit were checked above. */
	return cfs_hex_decode(hex, len, d->bytes, want / 2);
}

bool pivot_digest_equal(const struct pivot_digest *a, const struct pivot_digest *b)
{
	return a->alg == b->alg &&
	       memcmp(a->bytes, b->bytes, cfs_hash_digest_size(a->alg)) == 0;
}

void pivot_digest_hex(const struct pivot_digest *d, char *out)
{
	cfs_hex_encode(d->bytes, cfs_hash_digest_size(d->alg), out);
}
