// SPDX-License-Identifier: MIT
/*
 * Verification of an image signature.  The checks run in the order that
 * gives the most useful message: the DER envelope, the SignedData
 * structure, the signer's certificate, the cryptographic signature over the
 * formatted digest, the chain to an anchor, algorithms and key sizes,
 * key usage, revocation, and last the security version, which is read only
 * once the signature that covers it has been checked.  Every check logs one
 * line and returns its class; the first failure ends the verification.
 *
 * OpenSSL builds the chain (X509_verify_cert) with nothing but our anchors
 * in its store; what OpenSSL does not decide for us -- the extended key
 * usage, SHA-1 and key sizes, revocation by fingerprint -- is checked here
 * on the chain it built.
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
#include "lib/trust/ossl.h"
#include "lib/trust/sig_anchors.h"
#include "lib/base/util.h"

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

/* The RFC 2253 subject of a certificate: ASCII only (OpenSSL escapes
 * control and non-ASCII bytes), cut at size - 4 bytes and marked "...", so
 * that a hostile subject cannot inject lines into logs or the status file. */
static void cert_subject(X509 *x, char *buf, size_t size)
{
	_cleanup_(BIO_freep) BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long len;

	snprintf(buf, size, "(unprintable subject)");
	if (!bio || X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) < 0)
		return;
	len = BIO_get_mem_data(bio, &data);
	if (len < 0)
		return;
	if ((size_t)len < size) {
		memcpy(buf, data, (size_t)len);
		buf[len] = 0;
	} else {
		memcpy(buf, data, size - 4);
		strcpy(buf + size - 4, "...");
	}
}

/* Shorthand for messages: the subject of x in a static buffer, so at most
 * one per message. */
static const char *subject(X509 *x)
{
	static char buf[CFS_SIG_SUBJECT_MAX];

	cert_subject(x, buf, sizeof(buf));
	return buf;
}

/* A validity bound as "YYYY-MM-DD HH:MM:SSZ". */
static const char *time_string(const ASN1_TIME *t)
{
	static char buf[64];
	_cleanup_(BIO_freep) BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long len;

	snprintf(buf, sizeof(buf), "(unknown time)");
	if (!bio || ASN1_TIME_print_ex(bio, t, ASN1_DTFLGS_ISO8601) != 1)
		return buf;
	len = BIO_get_mem_data(bio, &data);
	if (len > 0 && (size_t)len < sizeof(buf)) {
		memcpy(buf, data, (size_t)len);
		buf[len] = 0;
	}
	return buf;
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

/* What one verification holds while it runs. */
struct verify {
	const char *name;
	const struct cfs_sig_policy *policy;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;           /* the one signer, owned by cms */
	STACK_OF(X509) *embedded;     /* certificates the signature carries */
	X509 *signer;                 /* in embedded or the anchors; not owned */
	bool signer_is_anchor;
	X509_STORE_CTX *store_ctx;
	STACK_OF(X509) *chain;        /* signer first, owned by store_ctx */
	int untrusted;                /* chain entries before the first anchor */
};

static void verify_done(struct verify *v)
{
	X509_STORE_CTX_free(v->store_ctx);
	sk_X509_pop_free(v->embedded, X509_free);
	CMS_ContentInfo_free(v->cms);
}

/* A detached SignedData over id-data with exactly one signer. */
static int parse_signed_data(struct verify *v, const uint8_t *sig, size_t len)
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
static int find_signer(struct verify *v)
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
static int check_signer_algorithms(struct verify *v)
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

/* The signature itself, over the formatted digest; with signed attributes
 * OpenSSL also checks that their message digest matches the payload. */
static int check_signature(struct verify *v, enum cfs_hash_alg alg, const uint8_t *digest)
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

/* Maps what X509_verify_cert() found wrong to a failure class. */
static int chain_error(struct verify *v)
{
	int err = X509_STORE_CTX_get_error(v->store_ctx);
	X509 *x = X509_STORE_CTX_get_current_cert(v->store_ctx);
	const char *what = X509_verify_cert_error_string(err);
	char who[CFS_SIG_SUBJECT_MAX], signer[CFS_SIG_SUBJECT_MAX];

	ERR_clear_error();
	if (!x)
		x = v->signer;
	cert_subject(x, who, sizeof(who));
	cert_subject(v->signer, signer, sizeof(signer));
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return log_errno(-CFS_SIG_UNTRUSTED, "signature %s: signer %s does not chain to a "
				 "trust anchor in %s (%s at %s)", v->name, signer,
				 v->policy->anchors->dir, what, who);
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
	case X509_V_ERR_CA_CERT_MISSING_KEY_USAGE:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
		return log_errno(-CFS_SIG_NOT_CA, "signature %s: %s may not issue the certificate "
				 "below it (%s): issue signing certificates from a CA certificate",
				 v->name, who, what);
	case X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA:
		return log_errno(-CFS_SIG_USAGE, "signature %s: %s: %s", v->name, who, what);
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return log_errno(-CFS_SIG_EXPIRED, "signature %s: certificate %s expired at %s "
				 "(clock checks are on): sign with a current certificate", v->name,
				 who, time_string(X509_get0_notAfter(x)));
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return log_errno(-CFS_SIG_NOT_YET_VALID, "signature %s: certificate %s is not valid "
				 "before %s (clock checks are on): check the clock or the certificate",
				 v->name, who, time_string(X509_get0_notBefore(x)));
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
		return log_errno(-CFS_SIG_BAD_CHAIN, "signature %s: more than %d intermediate "
				 "certificates between the signer and a trust anchor", v->name,
				 CFS_SIG_MAX_INTERMEDIATES);
	default:
		return log_errno(-CFS_SIG_BAD_CHAIN, "signature %s: the chain of %s is invalid at %s: "
				 "%s", v->name, signer, who, what);
	}
}

/*
 * The chain from the signer to an anchor, built by OpenSSL from the
 * embedded certificates and our anchors only.  Any anchor ends a chain
 * (partial chains), so an intermediate may be pinned; strict X.509 checks
 * refuse certificates RFC 5280 forbids; validity periods are checked only
 * when the policy says the clock can be trusted.
 */
static int build_chain(struct verify *v)
{
	unsigned long flags = X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_X509_STRICT;
	X509_VERIFY_PARAM *param;
	int r;

	v->store_ctx = X509_STORE_CTX_new();
	if (!v->store_ctx ||
	    X509_STORE_CTX_init(v->store_ctx, v->policy->anchors->store, v->signer, v->embedded) != 1)
		return log_oom();
	if (!v->policy->check_clock)
		flags |= X509_V_FLAG_NO_CHECK_TIME;
	param = X509_STORE_CTX_get0_param(v->store_ctx);
	X509_VERIFY_PARAM_set_flags(param, flags);
	X509_VERIFY_PARAM_set_depth(param, CFS_SIG_MAX_INTERMEDIATES);
	r = X509_verify_cert(v->store_ctx);
	if (r < 0)
		return log_errno(-EIO, "signature %s: OpenSSL cannot verify certificates: %s",
				 v->name, cfs_ossl_reason());
	if (r == 0)
		return chain_error(v);
	v->chain = X509_STORE_CTX_get0_chain(v->store_ctx);
	v->untrusted = X509_STORE_CTX_get_num_untrusted(v->store_ctx);
	return 0;
}

static int check_key(struct verify *v, X509 *x)
{
	EVP_PKEY *key = X509_get0_pubkey(x);
	int id;

	if (!key)
		return log_errno(-CFS_SIG_BAD_CHAIN, "signature %s: cannot decode the key of %s (%s)",
				 v->name, subject(x), cfs_ossl_reason());
	id = EVP_PKEY_get_base_id(key);
	if ((id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) &&
	    EVP_PKEY_get_bits(key) < CFS_SIG_MIN_RSA_BITS)
		return log_errno(-CFS_SIG_ALGORITHM, "signature %s: %s has a %d-bit RSA key; at least "
				 "%d bits are required", v->name, subject(x), EVP_PKEY_get_bits(key),
				 CFS_SIG_MIN_RSA_BITS);
	if (EVP_PKEY_get_security_bits(key) < CFS_SIG_MIN_SECURITY_BITS)
		return log_errno(-CFS_SIG_ALGORITHM, "signature %s: the %s key of %s gives %d bits of "
				 "security; at least %d are required", v->name, OBJ_nid2sn(id),
				 subject(x), EVP_PKEY_get_security_bits(key), CFS_SIG_MIN_SECURITY_BITS);
	return 0;
}

static int check_cert_signature(struct verify *v, X509 *x)
{
	int md, pk, bits;
	uint32_t flags;

	if (X509_get_signature_info(x, &md, &pk, &bits, &flags) != 1)
		return log_errno(-CFS_SIG_BAD_CHAIN, "signature %s: the signature algorithm of %s is "
				 "unknown", v->name, subject(x));
	if (md == NID_sha1 || md == NID_md5 || bits < CFS_SIG_MIN_SECURITY_BITS)
		return log_errno(-CFS_SIG_ALGORITHM, "signature %s: %s is signed with %s: certificates "
				 "signed with SHA-1 or weaker are refused; issue it again with SHA-256",
				 v->name, subject(x), md != NID_undef ? OBJ_nid2sn(md) : OBJ_nid2sn(pk));
	return 0;
}

/*
 * Algorithms of what the trust actually rests on: the signer's key must be
 * RSA or ECDSA (OpenSSL 3.0's CMS has no EdDSA); every certificate trusted
 * because of a signature (those before the first anchor) must not be signed
 * with SHA-1 or weaker; every key that verified something (up to and
 * including the first anchor) must give 112 bits, RSA at least 2048.  The
 * self-signature of an anchor vouches for nothing and is not judged.
 */
static int check_chain_algorithms(struct verify *v)
{
	int n = sk_X509_num(v->chain);
	int id, r;

	for (int i = 0; i < n && i <= v->untrusted; i++) {
		X509 *x = sk_X509_value(v->chain, i);

		r = check_key(v, x);
		if (r == 0 && i < v->untrusted)
			r = check_cert_signature(v, x);
		if (r < 0)
			return r;
	}
	/* The chain starts with the signer, whose key check_key() decoded. */
	id = EVP_PKEY_get_base_id(X509_get0_pubkey(sk_X509_value(v->chain, 0)));
	if (id != EVP_PKEY_RSA && id != EVP_PKEY_RSA_PSS && id != EVP_PKEY_EC)
		return log_errno(-CFS_SIG_ALGORITHM, "signature %s: the signer's %s key cannot make "
				 "CMS signatures here: use an RSA or ECDSA signing key", v->name,
				 OBJ_nid2sn(id));
	return 0;
}

enum eku_state {
	EKU_ABSENT,
	EKU_ALLOWS,      /* lists image signing (or, when accepted, any purpose) */
	EKU_FORBIDS,     /* lists only other purposes, or cannot be decoded */
};

static enum eku_state eku_state(X509 *x, const ASN1_OBJECT *image_signing, bool any_ok)
{
	int crit = -1;
	_cleanup_(EXTENDED_KEY_USAGE_freep) EXTENDED_KEY_USAGE *eku =
		X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);

	if (!eku)
		return crit == -1 ? EKU_ABSENT : EKU_FORBIDS;
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		const ASN1_OBJECT *p = sk_ASN1_OBJECT_value(eku, i);

		if (OBJ_cmp(p, image_signing) == 0 ||
		    (any_ok && OBJ_obj2nid(p) == NID_anyExtendedKeyUsage))
			return EKU_ALLOWS;
	}
	return EKU_FORBIDS;
}

/*
 * What each certificate may be used for.  The signer must allow digital
 * signatures if it has a key usage.  A signer below an anchor must be an
 * end entity whose extended key usage lists image signing.  A signer that
 * is itself an anchor (the `fsverity sign` case) was trusted one by one,
 * so it needs no extended key usage, but if it has one, it must list image
 * signing.  A CA above the signer that has an extended key usage must list
 * image signing or anyExtendedKeyUsage: it limits what it certifies.
 */
static int check_usage(struct verify *v)
{
	_cleanup_(ASN1_OBJECT_freep) ASN1_OBJECT *image_signing = OBJ_txt2obj(CFS_OID_IMAGE_SIGNING, 1);
	uint32_t flags = X509_get_extension_flags(v->signer);
	enum eku_state eku;

	if (!image_signing)
		return log_oom();
	if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(v->signer) & KU_DIGITAL_SIGNATURE))
		return log_errno(-CFS_SIG_USAGE, "signature %s: the key usage of signer %s does not "
				 "allow digital signatures", v->name, subject(v->signer));
	eku = eku_state(v->signer, image_signing, false);
	if (v->signer_is_anchor && eku == EKU_FORBIDS)
		return log_errno(-CFS_SIG_USAGE, "signature %s: trust anchor %s signs directly but its "
				 "extended key usage does not list image signing (%s)", v->name,
				 subject(v->signer), CFS_OID_IMAGE_SIGNING);
	if (!v->signer_is_anchor && (flags & EXFLAG_CA))
		return log_errno(-CFS_SIG_USAGE, "signature %s: signer %s is a CA certificate: sign "
				 "with an end-entity image-signing certificate", v->name,
				 subject(v->signer));
	if (!v->signer_is_anchor && eku != EKU_ALLOWS)
		return log_errno(-CFS_SIG_USAGE, "signature %s: signer %s lacks the image-signing "
				 "extended key usage %s: issue it with keys/mkpki.sh signer", v->name,
				 subject(v->signer), CFS_OID_IMAGE_SIGNING);
	for (int i = 1; i < sk_X509_num(v->chain); i++) {
		X509 *ca = sk_X509_value(v->chain, i);

		if (eku_state(ca, image_signing, true) == EKU_FORBIDS)
			return log_errno(-CFS_SIG_USAGE, "signature %s: CA %s limits its certificates to "
					 "purposes other than image signing (extended key usage)",
					 v->name, subject(ca));
	}
	return 0;
}

/* Revoking any certificate of the chain (signer, intermediate or anchor)
 * revokes everything signed under it. */
static int check_revocation(struct verify *v)
{
	for (int i = 0; i < sk_X509_num(v->chain); i++) {
		X509 *x = sk_X509_value(v->chain, i);
		uint8_t fp[CFS_SIG_FINGERPRINT_SIZE];
		char hex[2 * CFS_SIG_FINGERPRINT_SIZE + 1];
		int r = cfs_sig_fingerprint(x, fp);

		if (r < 0)
			return r;
		if (cfs_sig_revoked_contains(v->policy->revoked, fp)) {
			cfs_hex_encode(fp, sizeof(fp), hex);
			return log_errno(-CFS_SIG_REVOKED, "signature %s: certificate %s (fingerprint %s) "
					 "is revoked", v->name, subject(x), hex);
		}
	}
	return 0;
}

/* The security version: one signed attribute, one non-negative INTEGER
 * that fits 64 bits; none means version 0.  Unsigned attributes are not
 * covered by the signature and are never looked at. */
static int read_version(struct verify *v, struct cfs_sig_result *res)
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

static int check_version(struct verify *v, const struct cfs_sig_result *res)
{
	if (res->version < v->policy->min_version)
		return log_errno(-CFS_SIG_ROLLBACK, "signature %s: security version %llu is below the "
				 "floor %llu: this image is older than the device accepts; boot a "
				 "newer one", v->name, (unsigned long long)res->version,
				 (unsigned long long)v->policy->min_version);
	return 0;
}

static int run_checks(struct verify *v, const uint8_t *sig, size_t sig_len,
		      enum cfs_hash_alg alg, const uint8_t *digest, struct cfs_sig_result *res)
{
	int r;

	if (!cfs_hash_digest_size(alg))
		return log_errno(-EINVAL, "signature %s: unknown digest algorithm %d", v->name, alg);
	if ((r = check_envelope(v->name, sig, sig_len)) < 0 ||
	    (r = parse_signed_data(v, sig, sig_len)) < 0 ||
	    (r = find_signer(v)) < 0 ||
	    (r = check_signer_algorithms(v)) < 0 ||
	    (r = check_signature(v, alg, digest)) < 0 ||
	    (r = build_chain(v)) < 0 ||
	    (r = check_chain_algorithms(v)) < 0 ||
	    (r = check_usage(v)) < 0 ||
	    (r = check_revocation(v)) < 0 ||
	    (r = read_version(v, res)) < 0 ||
	    (r = check_version(v, res)) < 0)
		return r;
	cert_subject(v->signer, res->signer, sizeof(res->signer));
	return cfs_sig_fingerprint(v->signer, res->fingerprint);
}

int cfs_sig_verify(const char *name, const uint8_t *sig, size_t sig_len,
		   enum cfs_hash_alg alg, const uint8_t *digest,
		   const struct cfs_sig_policy *policy, struct cfs_sig_result *res)
{
	struct verify v = { .name = name, .policy = policy };
	int r;

	memset(res, 0, sizeof(*res));
	r = run_checks(&v, sig, sig_len, alg, digest, res);
	verify_done(&v);
	ERR_clear_error();
	if (r < 0)
		memset(res, 0, sizeof(*res));
	return r;
}
