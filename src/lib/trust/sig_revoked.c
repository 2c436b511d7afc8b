// SPDX-License-Identifier: MIT
/*
 * The revocation list: fingerprints of certificates that must not be part
 * of any chain, whatever their validity period says.  A fingerprint rather
 * than issuer and serial, because it names exactly one certificate and
 * needs no CRL signed by a CA that may itself be the thing revoked.
 */
#include "lib/trust/sig_revoked.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "lib/base/array.h"
#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/read_file.h"
#include "lib/base/util.h"

#define FINGERPRINT_HEX (2 * CFS_SIG_FINGERPRINT_SIZE)

struct cfs_sig_revoked {
	size_t count, cap;
	uint8_t (*fingerprints)[CFS_SIG_FINGERPRINT_SIZE];
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int add(struct cfs_sig_revoked *r, const uint8_t *fp)
{
	if (CFS_GROW(r->fingerprints, r->cap, r->count + 1, 16) < 0)
		return log_oom();
	memcpy(r->fingerprints[r->count++], fp, CFS_SIG_FINGERPRINT_SIZE);
	return 0;
}

/* One line, without its newline: blank, a comment, or a fingerprint with an
 * optional comment after it.  *fp is set for a fingerprint line only. */
static int parse_line(const char *name, size_t lineno, const char *p, const char *end,
		      uint8_t *fp, bool *has_fp)
{
	const char *tok;
	size_t len;

	*has_fp = false;
	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p == '#')
		return 0;
	for (tok = p; p < end && !is_blank(*p) && *p != '#'; p++)
		;
	len = (size_t)(p - tok);
	while (p < end && is_blank(*p))
		p++;
	if (len != FINGERPRINT_HEX || (p < end && *p != '#'))
		return log_errno(-EINVAL, "%s:%zu: not a certificate fingerprint: write the SHA-256 of "
				 "the certificate as 64 lowercase hex digits, one per line", name, lineno);
	if (!cfs_hex_is_lower(tok, len))
		return log_errno(-EINVAL, "%s:%zu: a fingerprint is 64 lowercase hex digits "
				 "(0-9, a-f), without colons or uppercase", name, lineno);
	*has_fp = true;
	return cfs_hex_decode(tok, len, fp, CFS_SIG_FINGERPRINT_SIZE);
}

void cfs_sig_revoked_free(struct cfs_sig_revoked *r)
{
	if (!r)
		return;
	free(r->fingerprints);
	free(r);
}

int cfs_sig_revoked_parse(const char *name, const char *text, size_t len,
			  struct cfs_sig_revoked **out)
{
	struct cfs_sig_revoked *r = calloc(1, sizeof(*r));
	const char *p = text, *end = text + len;
	size_t lineno = 0;
	int ret = 0;

	if (!r)
		return log_oom();
	while (p < end && ret == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		uint8_t fp[CFS_SIG_FINGERPRINT_SIZE];
		bool has_fp;

		ret = parse_line(name, ++lineno, p, eol, fp, &has_fp);
		if (ret == 0 && has_fp)
			ret = add(r, fp);
		p = nl ? nl + 1 : end;
	}
	if (ret < 0) {
		cfs_sig_revoked_free(r);
		return ret;
	}
	*out = r;
	return 0;
}

int cfs_sig_revoked_load(const char *path, bool missing_ok, struct cfs_sig_revoked **out)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	int r;

	if (missing_ok && access(path, F_OK) < 0 && errno == ENOENT)
		return cfs_sig_revoked_parse(path, "", 0, out);
	r = cfs_read_file(path, CFS_SIG_MAX_SIZE, &buf, &len);
	if (r < 0)
		return r;
	return cfs_sig_revoked_parse(path, (const char *)buf, len, out);
}

bool cfs_sig_revoked_contains(const struct cfs_sig_revoked *r,
			      const uint8_t fingerprint[CFS_SIG_FINGERPRINT_SIZE])
{
	for (size_t i = 0; r && i < r->count; i++)
		if (memcmp(r->fingerprints[i], fingerprint, CFS_SIG_FINGERPRINT_SIZE) == 0)
			return true;
	return false;
}
