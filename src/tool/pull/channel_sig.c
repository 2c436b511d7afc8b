// SPDX-License-Identifier: MIT
#include "tool/pull/channel_sig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

int channel_sign(const struct signer *s, const struct channel *c, char **file, size_t *len)
{
	_cleanup_free_ char *json = NULL;
	_cleanup_free_ uint8_t *der = NULL;
	uint8_t digest[CFS_SHA256_DIGEST_SIZE];
	size_t json_len, der_len, b64_len;
	char *out;
	int r;

	if (channel_format(c, &json, &json_len) < 0)
		return log_oom();
	r = cfs_verity_digest_buf(CFS_HASH_SHA256, json, json_len, digest);
	if (r == 0)
		r = sign_digest(s, CFS_HASH_SHA256, digest, false, 0, &der, &der_len);
	if (r < 0)
		return r;
	b64_len = 4 * ((der_len + 2) / 3);
	out = malloc(json_len + 1 + b64_len + 2);
	if (!out)
		return log_oom();
	memcpy(out, json, json_len);
	out[json_len] = '\n';
	EVP_EncodeBlock((unsigned char *)out + json_len + 1, der, (int)der_len);
	out[json_len + 1 + b64_len] = '\n';
	*file = out;
	*len = json_len + 1 + b64_len + 1;
	return 0;
}

static void format_time(uint64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "%llu", (unsigned long long)t);
}

int channel_verify(const char *shown, const char *file, size_t len, const char *want,
		   const struct cfs_sig_policy *policy, uint64_t now, struct channel *out)
{
	struct cfs_sig_policy p = *policy;
	_cleanup_free_ uint8_t *sig = NULL;
	uint8_t digest[CFS_SHA256_DIGEST_SIZE];
	struct cfs_sig_result res;
	const char *json, *error;
	size_t json_len, sig_len;
	char when[64];
	int r;

	r = channel_parse(file, len, out, &json, &json_len, &sig, &sig_len, &error);
	if (r == -EBADMSG)
		return log_errno(r, "refusing channel %s: %s; publish it again with cfsboot publish",
				 shown, error);
	if (r < 0)
		return log_oom();
	r = cfs_verity_digest_buf(CFS_HASH_SHA256, json, json_len, digest);
	if (r < 0)
		return r;
	/* Channel keys only, and no security version: that belongs to images. */
	p.usage = CFS_OID_CHANNEL_SIGNING;
	p.min_version = 0;
	r = cfs_sig_verify(shown, sig, sig_len, CFS_HASH_SHA256, digest, &p, &res);
	if (r < 0)
		return r;
	if (strcmp(out->name, want) != 0)
		return log_errno(-EBADMSG, "refusing channel %s: it is signed for channel '%s', "
				 "not '%s' (a file copied under another name)", shown, out->name, want);
	if (out->expires <= now) {
		format_time(out->expires, when, sizeof(when));
		return log_errno(-ETIME, "refusing channel %s: it expired at %s; the server "
				 "must publish it again (cfsboot publish), or the clock is wrong",
				 shown, when);
	}
	return 0;
}
