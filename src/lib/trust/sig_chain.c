// SPDX-License-Identifier: MIT
/*
 * The signer's chain: built by OpenSSL (X509_verify_cert) with nothing but
 * our anchors in its store, then judged on what OpenSSL does not decide for
 * us -- SHA-1 and key sizes, the extended key usage, revocation by key
 * or certificate fingerprint.  signature.c runs these checks after the CMS
 * structure and the signature itself.
 */
#include "lib/trust/sig_chain.h"

#include <string.h>

#include <openssl/objects.h>

#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/trust/ossl.h"
#include "lib/trust/sig_anchors.h"
#include "lib/trust/sig_pins.h"
#include "lib/trust/sig_revoked.h"

void cfs_sig_cert_subject(X509 *x, char *buf, size_t size)
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

	cfs_sig_cert_subject(x, buf, sizeof(buf));
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

/* Maps what X509_verify_cert() found wrong to a failure class. */
static int chain_error(struct cfs_sig_check *v)
{
	int err = X509_STORE_CTX_get_error(v->store_ctx);
	X509 *x = X509_STORE_CTX_get_current_cert(v->store_ctx);
	const char *what = X509_verify_cert_error_string(err);
	char who[CFS_SIG_SUBJECT_MAX], signer[CFS_SIG_SUBJECT_MAX];

	ERR_clear_error();
	if (!x)
		x = v->signer;
	cfs_sig_cert_subject(x, who, sizeof(who));
	cfs_sig_cert_subject(v->signer, signer, sizeof(signer));
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
int cfs_sig_chain_build(struct cfs_sig_check *v)
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

static int check_key(struct cfs_sig_check *v, X509 *x)
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

static int check_cert_signature(struct cfs_sig_check *v, X509 *x)
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
int cfs_sig_chain_check_algorithms(struct cfs_sig_check *v)
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

static enum eku_state eku_state(X509 *x, const ASN1_OBJECT *wanted, bool any_ok)
{
	int crit = -1;
	_cleanup_(EXTENDED_KEY_USAGE_freep) EXTENDED_KEY_USAGE *eku =
		X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);

	if (!eku)
		return crit == -1 ? EKU_ABSENT : EKU_FORBIDS;
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		const ASN1_OBJECT *p = sk_ASN1_OBJECT_value(eku, i);

		if (OBJ_cmp(p, wanted) == 0 ||
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
 * image signing or anyExtendedKeyUsage: it limits what it certifies.  A
 * policy for channels asks for channel signing in place of image signing.
 */
int cfs_sig_chain_check_usage(struct cfs_sig_check *v)
{
	const char *oid = v->policy->usage ?: CFS_OID_IMAGE_SIGNING;
	const char *what = v->policy->usage ? "channel signing" : "image signing";
	const char *kind = v->policy->usage ? "channel-signing" : "image-signing";
	_cleanup_(ASN1_OBJECT_freep) ASN1_OBJECT *wanted = OBJ_txt2obj(oid, 1);
	uint32_t flags = X509_get_extension_flags(v->signer);
	enum eku_state eku;

	if (!wanted)
		return log_oom();
	if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(v->signer) & KU_DIGITAL_SIGNATURE))
		return log_errno(-CFS_SIG_USAGE, "signature %s: the key usage of signer %s does not "
				 "allow digital signatures", v->name, subject(v->signer));
	eku = eku_state(v->signer, wanted, false);
	if (v->signer_is_anchor && eku == EKU_FORBIDS)
		return log_errno(-CFS_SIG_USAGE, "signature %s: trust anchor %s signs directly but its "
				 "extended key usage does not list %s (%s)", v->name,
				 subject(v->signer), what, oid);
	if (!v->signer_is_anchor && (flags & EXFLAG_CA))
		return log_errno(-CFS_SIG_USAGE, "signature %s: signer %s is a CA certificate: sign "
				 "with an end-entity %s certificate", v->name, subject(v->signer), kind);
	if (!v->signer_is_anchor && eku != EKU_ALLOWS)
		return log_errno(-CFS_SIG_USAGE, "signature %s: signer %s lacks the %s "
				 "extended key usage %s: issue it with keys/mkpki.sh %s", v->name,
				 subject(v->signer), kind, oid, v->policy->usage ? "channel" : "signer");
	for (int i = 1; i < sk_X509_num(v->chain); i++) {
		X509 *ca = sk_X509_value(v->chain, i);

		if (eku_state(ca, wanted, true) == EKU_FORBIDS)
			return log_errno(-CFS_SIG_USAGE, "signature %s: CA %s limits its certificates to "
					 "purposes other than %s (extended key usage)",
					 v->name, subject(ca), what);
	}
	return 0;
}

/*
 * The policy's signer-ca: a CA above the signer (an intermediate or the
 * anchor) must have one of the pinned keys, so that only the issuing CAs of
 * this product can certify its signers.  A signer that is itself an anchor
 * has no CA above it and is refused.
 */
int cfs_sig_chain_check_scope(struct cfs_sig_check *v)
{
	const struct cfs_sig_pins *pins = v->policy->signer_cas;
	char issuer[CFS_SIG_SUBJECT_MAX];

	if (!pins || pins->n == 0)
		return 0;
	for (int i = 1; i < sk_X509_num(v->chain); i++) {
		uint8_t spki[CFS_SIG_FINGERPRINT_SIZE];
		int r = cfs_sig_spki_fingerprint(sk_X509_value(v->chain, i), spki);

		if (r < 0)
			return r;
		for (size_t j = 0; j < pins->n; j++)
			if (memcmp(pins->fp[j], spki, sizeof(spki)) == 0)
				return 0;
	}
	if (sk_X509_num(v->chain) > 1)
		cfs_sig_cert_subject(sk_X509_value(v->chain, 1), issuer, sizeof(issuer));
	else
		snprintf(issuer, sizeof(issuer), "none (it is a trust anchor itself)");
	return log_errno(-CFS_SIG_SCOPE, "signature %s: signer %s is not issued under a CA the "
			 "policy pins (signer-ca); its issuer is %s: sign with a key of a pinned "
			 "CA, or pin its CA", v->name, subject(v->signer), issuer);
}

/* Revoking any key or certificate of the chain (signer, intermediate or
 * anchor) revokes everything signed under it.  Keys are compared by the
 * SHA-256 of their SubjectPublicKeyInfo, which the issuer signed;
 * certificates by the SHA-256 of their DER (legacy entries, sig_revoked.c). */
int cfs_sig_chain_check_revocation(struct cfs_sig_check *v)
{
	for (int i = 0; i < sk_X509_num(v->chain); i++) {
		X509 *x = sk_X509_value(v->chain, i);
		uint8_t spki[CFS_SIG_FINGERPRINT_SIZE], cert[CFS_SIG_FINGERPRINT_SIZE];
		char hex[2 * CFS_SIG_FINGERPRINT_SIZE + 1];
		int r = cfs_sig_spki_fingerprint(x, spki);

		if (r == 0)
			r = cfs_sig_fingerprint(x, cert);
		if (r < 0)
			return r;
		if (cfs_sig_revoked_contains(v->policy->revoked, CFS_SIG_REVOKED_SPKI, spki)) {
			cfs_hex_encode(spki, sizeof(spki), hex);
			return log_errno(-CFS_SIG_REVOKED, "signature %s: the key of certificate %s "
					 "(spki:%s) is revoked", v->name, subject(x), hex);
		}
		if (cfs_sig_revoked_contains(v->policy->revoked, CFS_SIG_REVOKED_CERT, cert)) {
			cfs_hex_encode(cert, sizeof(cert), hex);
			return log_errno(-CFS_SIG_REVOKED, "signature %s: certificate %s (cert:%s) "
					 "is revoked", v->name, subject(x), hex);
		}
	}
	return 0;
}
