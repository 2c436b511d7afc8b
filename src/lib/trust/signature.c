// SPDX-License-Identifier: MIT
/*
 * Verification of an image signature.  The checks run in the order that
 * gives the most useful message: the DER envelope, the SignedData
 * structure, the signer's certificate, the cryptographic signature over the
 * formatted digest, the chain to an anchor, algorithms and key sizes,
 * key usage, the pinned issuing CAs, revocation, and last the security version, which is read only
 * once the signature that covers it has been checked.  Every check logs one
 * line and returns its class; the first failure ends the verification.
 *
 * This file holds what is read from the CMS structure; the chain and what
 * it may be trusted for are checked in sig_chain.c.
 */
#include "lib/trust/signature.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>

#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/read_file.h"
#include "lib/base/util.h"
#include "lib/trust/ossl.h"
#include "lib/trust/sig_anchors.h"
#include "lib/trust/sig_chain.h"
#include "lib/trust/sig_check_priv.h"

static const char *const error_names[] = {
	[CFS_SIG_EMPTY - CFS_SIG_EMPTY]         = "empty",
	[CFS_SIG_TOO_LARGE - CFS_SIG_EMPTY]     = "too-large",
	[CFS_SIG_TRUNCATED - CFS_SIG_EMPTY]     = "truncated",
	[CFS_SIG_MALFORMED - CFS_SIG_EMPTY]     = "malformed",
	[CFS_SIG_MISMATCH - CFS_SIG_EMPTY]      = "mismatch",
	[CFS_SIG_UNTRUSTED - CFS_SIG_EMPTY]     = "untrusted",
	[CFS_SIG_NOT_CA - CFS_SIG_EMPTY]        = "not-ca",
	[CFS_SIG_USAGE - CFS_SIG_EMPTY]         = "usage",
	[CFS_SIG_REVOKED - CFS_SIG_EMPTY]       = "revoked",
	[CFS_SIG_ROLLBACK - CFS_SIG_EMPTY]      = "rollback",
	[CFS_SIG_EXPIRED - CFS_SIG_EMPTY]       = "expired",
	[CFS_SIG_NOT_YET_VALID - CFS_SIG_EMPTY] = "not-yet-valid",
	[CFS_SIG_ALGORITHM - CFS_SIG_EMPTY]     = "algorithm",
	[CFS_SIG_BAD_CHAIN - CFS_SIG_EMPTY]     = "bad-chain",
	[CFS_SIG_SCOPE - CFS_SIG_EMPTY]         = "scope",
};
static_assert(ARRAY_SIZE(error_names) == _CFS_SIG_ERROR_END - CFS_SIG_EMPTY,
	      "every failure class has a name");

const char *cfs_sig_error_name(int r)
{
	if (r > -CFS_SIG_EMPTY || r <= -_CFS_SIG_ERROR_END)
		return NULL;
	return error_names[-r - CFS_SIG_EMPTY];
}

int cfs_sig_init(bool error_strings)
{
	uint64_t opts = OPENSSL_INIT_NO_LOAD_CONFIG;

	if (!error_strings)
		opts |= OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS;
	if (OPENSSL_init_crypto(opts, NULL) != 1)
		return log_errno(-EIO, "cannot initialise OpenSSL: %s", cfs_ossl_reason());
	return 0;
}

int cfs_sig_read_fd(int fd, const char *name, uint8_t **out, size_t *out_len)
{
	_cleanup_free_ char *what = NULL;
	char *buf;
	int r;

	if (asprintf(&what, "signature %s", name) < 0)
		return log_oom();
	/* One byte more than a signature may have: check_envelope() refuses
	 * such a file as too large, without reading the rest of it. */
	r = cfs_read_fd(fd, what, CFS_SIG_MAX_SIZE + 1, &buf, out_len);
	if (r < 0)
		return r;
	*out = (uint8_t *)buf;
	return 0;
}

int cfs_sig_fingerprint(X509 *cert, uint8_t out[CFS_SIG_FINGERPRINT_SIZE])
{
	unsigned int len = 0;

	if (X509_digest(cert, EVP_sha256(), out, &len) != 1 || len != CFS_SIG_FINGERPRINT_SIZE)
		return log_errno(-EIO, "cannot compute a certificate fingerprint: %s", cfs_ossl_reason());
	return 0;
}

int cfs_sig_spki_fingerprint(X509 *cert, uint8_t out[CFS_SIG_FINGERPRINT_SIZE])
{
	unsigned char *der = NULL;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	bool ok = len > 0 && EVP_Digest(der, (size_t)len, out, NULL, EVP_sha256(), NULL) == 1;

	OPENSSL_free(der);
	if (!ok)
		return log_errno(-EIO, "cannot compute a key fingerprint: %s", cfs_ossl_reason());
	return 0;
}

/*
 * The outer DER header, checked by hand before OpenSSL parses anything, so
 * that a file cut short is reported as truncated rather than as garbage and
 * trailing bytes are refused (d2i would ignore them).
 */
static int check_envelope(const char *name, const uint8_t *sig, size_t len)
{
	size_t hdr, body = 0;

	if (len == 0)
		return log_errno(-CFS_SIG_EMPTY, "signature %s is empty: sign the image again "
				 "(cfsboot sign)", name);
	if (len > CFS_SIG_MAX_SIZE)
		return log_errno(-CFS_SIG_TOO_LARGE, "signature %s is larger than %d bytes, far more "
				 "than any image signature: refusing to parse it", name, CFS_SIG_MAX_SIZE);
	if (sig[0] != 0x30)
		return log_errno(-CFS_SIG_MALFORMED, "signature %s is not DER (it does not start with a "
				 "SEQUENCE): a DER PKCS#7/CMS signature is expected, not PEM or text", name);
	if (len < 2)
		return log_errno(-CFS_SIG_TRUNCATED, "signature %s is truncated after 1 byte: copy it "
				 "again", name);
	if (sig[1] < 0x80) {
		hdr = 2;
		body = sig[1];
	} else if (sig[1] == 0x80 || sig[1] > 0x84) {
		return log_errno(-CFS_SIG_MALFORMED, "signature %s has no definite DER length: "
				 "a DER PKCS#7/CMS signature is expected", name);
	} else {
		hdr = 2 + (sig[1] & 0x7f);
		if (len < hdr)
			return log_errno(-CFS_SIG_TRUNCATED, "signature %s is truncated inside its "
					 "first header: copy it again", name);
		for (size_t i = 2; i < hdr; i++)
			body = body << 8 | sig[i];
	}
	if (body > len - hdr)
		return log_errno(-CFS_SIG_TRUNCATED, "signature %s is truncated: it declares %zu bytes "
				 "but has %zu; copy it again", name, hdr + body, len);
	if (body < len - hdr)
		return log_errno(-CFS_SIG_MALFORMED, "signature %s has %zu bytes after its end: "
				 "it is not a single DER signature", name, len - hdr - body);
	return 0;
}

static void verify_done(struct cfs_sig_check *v)
{
	X509_STORE_CTX_free(v->store_ctx);
	sk_X509_pop_free(v->embedded, X509_free);
	CMS_ContentInfo_free(v->cms);
}

/* A detached SignedData over id-data with exactly one signer. */
static int parse_signed_data(struct cfs_sig_check *v, const uint8_t *sig, size_t len)
{
	const unsigned char *p = sig;
	STACK_OF(CMS_SignerInfo) *signers;
	int n;

	v->cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	if (!v->cms || p != sig + len)
		return log_errno(-CFS_SIG_MALFORMED, "signature %s is not a PKCS#7/CMS structure (%s)",
				 v->name, cfs_ossl_reason());
	if (OBJ_obj2nid(CMS_get0_type(v->cms)) != NID_pkcs7_signed)
		return log_errno(-CFS_SIG_MALFORMED, "signature %s is CMS but not SignedData",
				 v->name);
	if (CMS_is_detached(v->cms) != 1)
		return log_errno(-CFS_SIG_MALFORMED, "signature %s carries content of its own: a "
				 "detached signature over the image digest is expected", v->name);
	if (OBJ_obj2nid(CMS_get0_eContentType(v->cms)) != NID_pkcs7_data)
		return log_errno(-CFS_SIG_MALFORMED, "signature %s signs a content type other than "
				 "id-data", v->name);
	signers = CMS_get0_SignerInfos(v->cms);
	n = sk_CMS_SignerInfo_num(signers);
	if (n != 1)
		return log_errno(-CFS_SIG_MALFORMED, "signature %s has %d signers; exactly one is "
				 "expected", v->name, n < 0 ? 0 : n);
	v->si = sk_CMS_SignerInfo_value(signers, 0);
	v->embedded = CMS_get1_certs(v->cms);
	if (!v->embedded) {
		v->embedded = sk_X509_new_null();
		if (!v->embedded)
			return log_oom();
	}
	if (sk_X509_num(v->embedded) > CFS_SIG_MAX_CERTS)
		return log_errno(-CFS_SIG_MALFORMED, "signature %s embeds %d certificates; at most "
				 "%d are accepted", v->name, sk_X509_num(v->embedded), CFS_SIG_MAX_CERTS);
	return 0;
}

/* The certificate the signer identifier names: an anchor first (a plain
 * `fsverity sign` signature embeds none), then an embedded one.  Whichever
 * is taken is the one whose chain is checked and whose key verifies. */
static int find_signer(struct cfs_sig_check *v)
{
	STACK_OF(X509) *anchors = v->policy->anchors->certs;

	for (int i = 0; i < sk_X509_num(anchors) && !v->signer; i++)
		if (CMS_SignerInfo_cert_cmp(v->si, sk_X509_value(anchors, i)) == 0) {
			v->signer = sk_X509_value(anchors, i);
			v->signer_is_anchor = true;
		}
	for (int i = 0; i < sk_X509_num(v->embedded) && !v->signer; i++)
		if (CMS_SignerInfo_cert_cmp(v->si, sk_X509_value(v->embedded, i)) == 0)
			v->signer = sk_X509_value(v->embedded, i);
	if (!v->signer)
		return log_errno(-CFS_SIG_UNTRUSTED, "signature %s names a signer certificate that it "
				 "does not embed and that is not a trust anchor in %s", v->name,
				 v->policy->anchors->dir);
	return 0;
}

static bool digest_acceptable(int nid)
{
	return nid == NID_sha256 || nid == NID_sha384 || nid == NID_sha512;
}

/* The digest the signer hashed with, and the one its signature algorithm
 * names if it names one: SHA-256 or stronger. */
static int check_signer_algorithms(struct cfs_sig_check *v)
{
	X509_ALGOR *dig = NULL, *sig = NULL;
	const ASN1_OBJECT *obj;
	int md, sig_md, sig_pk;
	char name[80];

	CMS_SignerInfo_get0_algs(v->si, NULL, NULL, &dig, &sig);
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	md = OBJ_obj2nid(obj);
	if (!digest_acceptable(md)) {
		OBJ_obj2txt(name, sizeof(name), obj, 0);
		return log_errno(-CFS_SIG_ALGORITHM, "signature %s digests with %s: only SHA-256, "
				 "SHA-384 and SHA-512 are accepted; sign again", v->name, name);
	}
	X509_ALGOR_get0(&obj, NULL, NULL, sig);
	if (OBJ_find_sigid_algs(OBJ_obj2nid(obj), &sig_md, &sig_pk) && sig_md != NID_undef &&
	    !digest_acceptable(sig_md))
		return log_errno(-CFS_SIG_ALGORITHM, "signature %s is signed with %s: only SHA-256, "
				 "SHA-384 and SHA-512 are accepted; sign again", v->name,
				 OBJ_nid2sn(OBJ_obj2nid(obj)));
	return 0;
}

/*
 * The SignedData's digestAlgorithms: exactly the one algorithm of its one
 * signer.  The set announces the digests of all signers (RFC 5652, 5.1),
 * so with one signer anything else is malformed.  CMS_verify() prepares a
 * digest for each entry and fails on an empty set or an entry it does not
 * know, and OpenSSL before 3.0.20 then leaks its copy of the content BIO
 * (openssl/openssl#30535): refusing such a set first keeps that path
 * unreached.  OpenSSL has no accessor for the set, so it is found in the
 * DER, whose shape d2i_CMS_ContentInfo() has accepted:
 * SEQUENCE { OID, [0] { SEQUENCE { INTEGER, SET digestAlgorithms ...
 */
static int check_digest_set(struct cfs_sig_check *v, const uint8_t *sig, size_t len)
{
	static const struct {
		int tag, cls;
		bool enter;   /* into its contents, or over it */
	} path[] = {
		{ V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, true },    /* ContentInfo */
		{ V_ASN1_OBJECT, V_ASN1_UNIVERSAL, false },     /* contentType */
		{ 0, V_ASN1_CONTEXT_SPECIFIC, true },           /* [0] EXPLICIT content */
		{ V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, true },    /* SignedData */
		{ V_ASN1_INTEGER, V_ASN1_UNIVERSAL, false },    /* version */
		{ V_ASN1_SET, V_ASN1_UNIVERSAL, true },         /* digestAlgorithms */
	};
	const unsigned char *p = sig, *end = sig + len;
	_cleanup_(X509_ALGOR_freep) X509_ALGOR *listed = NULL;
	X509_ALGOR *dig = NULL;
	const ASN1_OBJECT *want, *got = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(path); i++) {
		long n;
		int tag, cls;
		int ret = ASN1_get_object(&p, &n, &tag, &cls, end - p);

		/* 0x80: no valid header; 0x01: indefinite length (BER). */
		if ((ret & 0x81) || tag != path[i].tag || cls != path[i].cls)
			return log_errno(-CFS_SIG_MALFORMED, "signature %s is not DER up to its digest "
					 "algorithms: a DER PKCS#7/CMS signature is expected", v->name);
		if (path[i].enter)
			end = p + n;
		else
			p += n;
	}
	CMS_SignerInfo_get0_algs(v->si, NULL, NULL, &dig, NULL);
	X509_ALGOR_get0(&want, NULL, NULL, dig);
	listed = d2i_X509_ALGOR(NULL, &p, end - p);
	if (listed)
		X509_ALGOR_get0(&got, NULL, NULL, listed);
	if (!got || p != end || OBJ_cmp(got, want) != 0)
		return log_errno(-CFS_SIG_MALFORMED, "signature %s: its list of digest algorithms is "
				 "not exactly its signer's %s: a signature with one signer lists that "
				 "one; sign again", v->name, OBJ_nid2sn(OBJ_obj2nid(want)));
	return 0;
}

/* The signature itself, over the formatted digest; with signed attributes
 * OpenSSL also checks that their message digest matches the payload. */
static int check_signature(struct cfs_sig_check *v, enum cfs_hash_alg alg, const uint8_t *digest)
{
	uint8_t payload[CFS_VERITY_FORMATTED_MAX];
	char hex[2 * CFS_MAX_DIGEST_SIZE + 1];
	_cleanup_(BIO_freep) BIO *content = NULL;
	size_t len;
	int r;

	r = cfs_verity_formatted_digest(alg, digest, payload, &len);
	if (r < 0)
		return r;
	content = BIO_new_mem_buf(payload, (int)len);
	if (!content)
		return log_oom();
	CMS_SignerInfo_set1_signer_cert(v->si, v->signer);
	if (CMS_verify(v->cms, NULL, NULL, content, NULL,
		       CMS_BINARY | CMS_NOINTERN | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
		cfs_hex_encode(digest, cfs_hash_digest_size(alg), hex);
		return log_errno(-CFS_SIG_MISMATCH, "signature %s does not sign %s:%s: it was made "
				 "for another image or digest algorithm, or it is damaged (%s)",
				 v->name, cfs_hash_name(alg), hex, cfs_ossl_reason());
	}
	return 0;
}

/* The security version: one signed attribute, one non-negative INTEGER
 * that fits 64 bits; none means version 0.  Unsigned attributes are not
 * covered by the signature and are never looked at. */
static int read_version(struct cfs_sig_check *v, struct cfs_sig_result *res)
{
	_cleanup_(ASN1_OBJECT_freep) ASN1_OBJECT *oid = OBJ_txt2obj(CFS_OID_SECURITY_VERSION, 1);
	X509_ATTRIBUTE *attr;
	ASN1_TYPE *value;
	int idx;

	if (!oid)
		return log_oom();
	res->version = 0;
	res->has_version = false;
	idx = CMS_signed_get_attr_by_OBJ(v->si, oid, -1);
	if (idx < 0)
		return 0;
	if (CMS_signed_get_attr_by_OBJ(v->si, oid, idx) >= 0)
		return log_errno(-CFS_SIG_MALFORMED, "signature %s has two security-version "
				 "attributes", v->name);
	attr = CMS_signed_get_attr(v->si, idx);
	value = X509_ATTRIBUTE_count(attr) == 1 ? X509_ATTRIBUTE_get0_type(attr, 0) : NULL;
	if (!value || ASN1_TYPE_get(value) != V_ASN1_INTEGER ||
	    ASN1_INTEGER_get_uint64(&res->version, value->value.integer) != 1) {
		ERR_clear_error();
		return log_errno(-CFS_SIG_MALFORMED, "signature %s: its security-version attribute is "
				 "not one non-negative 64-bit INTEGER", v->name);
	}
	res->has_version = true;
	return 0;
}

static int check_version(struct cfs_sig_check *v, const struct cfs_sig_result *res)
{
	if (res->version < v->policy->min_version)
		return log_errno(-CFS_SIG_ROLLBACK, "signature %s: security version %llu is below the "
				 "floor %llu: this image is older than the device accepts; boot a "
				 "newer one", v->name, (unsigned long long)res->version,
				 (unsigned long long)v->policy->min_version);
	return 0;
}

static int run_checks(struct cfs_sig_check *v, const uint8_t *sig, size_t sig_len,
		      enum cfs_hash_alg alg, const uint8_t *digest, struct cfs_sig_result *res)
{
	int r;

	if (!cfs_hash_digest_size(alg))
		return log_errno(-EINVAL, "signature %s: unknown digest algorithm %d", v->name, alg);
	if ((r = check_envelope(v->name, sig, sig_len)) < 0 ||
	    (r = parse_signed_data(v, sig, sig_len)) < 0 ||
	    (r = find_signer(v)) < 0 ||
	    (r = check_signer_algorithms(v)) < 0 ||
	    (r = check_digest_set(v, sig, sig_len)) < 0 ||
	    (r = check_signature(v, alg, digest)) < 0 ||
	    (r = cfs_sig_chain_build(v)) < 0 ||
	    (r = cfs_sig_chain_check_algorithms(v)) < 0 ||
	    (r = cfs_sig_chain_check_usage(v)) < 0 ||
	    (r = cfs_sig_chain_check_scope(v)) < 0 ||
	    (r = cfs_sig_chain_check_revocation(v)) < 0 ||
	    (r = read_version(v, res)) < 0 ||
	    (r = check_version(v, res)) < 0)
		return r;
	cfs_sig_cert_subject(v->signer, res->signer, sizeof(res->signer));
	return cfs_sig_spki_fingerprint(v->signer, res->fingerprint);
}

int cfs_sig_verify(const char *name, const uint8_t *sig, size_t sig_len,
		   enum cfs_hash_alg alg, const uint8_t *digest,
		   const struct cfs_sig_policy *policy, struct cfs_sig_result *res)
{
	struct cfs_sig_check v = { .name = name, .policy = policy };
	int r;

	memset(res, 0, sizeof(*res));
	r = run_checks(&v, sig, sig_len, alg, digest, res);
	verify_done(&v);
	ERR_clear_error();
	if (r < 0)
		memset(res, 0, sizeof(*res));
	return r;
}
