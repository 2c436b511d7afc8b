// SPDX-License-Identifier: MIT
/*
 * The revocation list: keys and certificates that must not be part of any
 * chain, whatever their validity period says.  A fingerprint rather than
 * issuer and serial, because it needs no CRL signed by a CA that may
 * itself be the thing revoked.
 *
 * "spki:" entries name a key: the SHA-256 of its SubjectPublicKeyInfo,
 * which the issuer's signature covers, so no re-encoding of a certificate
 * escapes it, and every certificate ever issued for a leaked key is
 * refused.  "cert:" entries, and bare ones (the only form before keys
 * could be named), are the SHA-256 of the whole certificate; they still
 * match, but the ECDSA signature of a certificate stays valid with s
 * replaced by n - s, which changes that hash: loading them warns.
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

struct entry {
	enum cfs_sig_revoked_kind kind;
	uint8_t fp[CFS_SIG_FINGERPRINT_SIZE];
};

struct cfs_sig_revoked {
	size_t count, cap;
	struct entry *entries;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int add(struct cfs_sig_revoked *r, const struct entry *e)
{
	if (CFS_GROW(r->entries, r->cap, r->count + 1, 16) < 0)
		return log_oom();
	r->entries[r->count++] = *e;
	return 0;
}

/* The optional type prefix of an entry; bare hex is a certificate's. */
static void parse_kind(const char **tok, size_t *len, enum cfs_sig_revoked_kind *kind)
{
	*kind = CFS_SIG_REVOKED_CERT;
	if (*len > 5 && memcmp(*tok, "spki:", 5) == 0)
		*kind = CFS_SIG_REVOKED_SPKI;
	else if (!(*len > 5 && memcmp(*tok, "cert:", 5) == 0))
		return;
	*tok += 5;
	*len -= 5;
}

/* One line, without its newline: blank, a comment, or an entry with an
 * optional comment after it.  *e is set for an entry line only. */
static int parse_line(const char *name, size_t lineno, const char *p, const char *end,
		      struct entry *e, bool *has_entry)
{
	const char *tok;
	size_t len;

	*has_entry = false;
	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p == '#')
		return 0;
	for (tok = p; p < end && !is_blank(*p) && *p != '#'; p++)
		;
	len = (size_t)(p - tok);
	while (p < end && is_blank(*p))
		p++;
	parse_kind(&tok, &len, &e->kind);
	if (len != FINGERPRINT_HEX || (p < end && *p != '#'))
		return log_errno(-EINVAL, "%s:%zu: not a fingerprint: write spki:<the SHA-256 of the "
				 "key's SubjectPublicKeyInfo, 64 lowercase hex digits> (keys/mkpki.sh "
				 "fingerprint CERT prints it), one per line", name, lineno);
	if (!cfs_hex_is_lower(tok, len))
		return log_errno(-EINVAL, "%s:%zu: a fingerprint is 64 lowercase hex digits "
				 "(0-9, a-f), without colons or uppercase", name, lineno);
	*has_entry = true;
	return cfs_hex_decode(tok, len, e->fp, CFS_SIG_FINGERPRINT_SIZE);
}

void cfs_sig_revoked_free(struct cfs_sig_revoked *r)
{
	if (!r)
		return;
	free(r->entries);
	free(r);
}

int cfs_sig_revoked_parse(const char *name, const char *text, size_t len,
			  struct cfs_sig_revoked **out)
{
	struct cfs_sig_revoked *r = calloc(1, sizeof(*r));
	const char *p = text, *end = text + len;
	size_t lineno = 0, n_cert = 0, first_cert = 0;
	int ret = 0;

	if (!r)
		return log_oom();
	while (p < end && ret == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		struct entry e;
		bool has_entry;

		ret = parse_line(name, ++lineno, p, eol, &e, &has_entry);
		if (ret == 0 && has_entry) {
			ret = add(r, &e);
			if (e.kind == CFS_SIG_REVOKED_CERT && n_cert++ == 0)
				first_cert = lineno;
		}
		p = nl ? nl + 1 : end;
	}
	if (ret < 0) {
		cfs_sig_revoked_free(r);
		return ret;
	}
	if (n_cert > 0)
		log_warning("%s:%zu: %zu entr%s revoke%s a whole-certificate fingerprint, which a "
			    "re-encoded ECDSA certificate escapes: revoke the key instead, with the "
			    "spki: line keys/mkpki.sh fingerprint CERT prints", name, first_cert,
			    n_cert, n_cert == 1 ? "y" : "ies", n_cert == 1 ? "s" : "");
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

bool cfs_sig_revoked_contains(const struct cfs_sig_revoked *r, enum cfs_sig_revoked_kind kind,
			      const uint8_t fingerprint[CFS_SIG_FINGERPRINT_SIZE])
{
	for (size_t i = 0; r && i < r->count; i++)
		if (r->entries[i].kind == kind &&
		    memcmp(r->entries[i].fp, fingerprint, CFS_SIG_FINGERPRINT_SIZE) == 0)
			return true;
	return false;
}
