// SPDX-License-Identifier: MIT
/*
 * The signing side of docs/signature.md.  The structure is what `fsverity
 * sign` writes (detached SignedData, id-data, one signer identified by
 * issuer and serial number, digest = the image's fs-verity hash) plus what
 * the verifier needs to build a chain and to refuse rollbacks: embedded
 * certificates and signed attributes carrying the security version.
 */
#include "tool/sign/sign.h"

#include <errno.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/pem.h>

#include "lib/base/log.h"
#include "lib/base/read_file.h"
#include "lib/trust/ossl.h"
#include "lib/trust/sig_anchors.h"
#include "lib/trust/signature.h"
#include "lib/base/util.h"

static int load_key(const char *path, EVP_PKEY **key)
{
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_(BIO_freep) BIO *bio = NULL;
	size_t len;
	int r;

	r = cfs_read_file(path, CFS_SIG_MAX_SIZE, &buf, &len);
	if (r < 0)
		return r;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio)
		return log_oom();
	/* NULL callback: OpenSSL asks for the passphrase of an encrypted key
	 * on the terminal. */
	*key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	OPENSSL_cleanse(buf, len);
	if (!*key)
		return log_errno(-EINVAL, "cannot read the private key %s (%s): a PEM private key "
				 "is expected", path, cfs_ossl_reason());
	return 0;
}

static int load_certs(const char *path, STACK_OF(X509) *certs)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	int r;

	r = cfs_read_file(path, CFS_SIG_MAX_SIZE, &buf, &len);
	if (r < 0)
		return r;
	return cfs_sig_certs_parse(path, buf, len, certs);
}

void signer_done(struct signer *s)
{
	EVP_PKEY_free(s->key);
	X509_free(s->cert);
	sk_X509_pop_free(s->chain, X509_free);
	memset(s, 0, sizeof(*s));
}

int signer_load(const char *key_path, const char *cert_path, const char *chain_path,
		struct signer *s)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->chain = sk_X509_new_null();
	if (!s->chain)
		return log_oom();
	r = load_key(key_path, &s->key);
	if (r == 0)
		r = load_certs(cert_path, s->chain);
	if (r == 0 && chain_path)
		r = load_certs(chain_path, s->chain);
	if (r < 0)
		return r;
	s->cert = sk_X509_shift(s->chain);
	if (X509_check_private_key(s->cert, s->key) != 1)
		return log_errno(-EINVAL, "the key %s does not belong to the certificate %s (%s)",
				 key_path, cert_path, cfs_ossl_reason());
	if (sk_X509_num(s->chain) >= CFS_SIG_MAX_CERTS)
		return log_errno(-E2BIG, "%d chain certificates: a signature embeds at most %d "
				 "certificates", sk_X509_num(s->chain), CFS_SIG_MAX_CERTS);
	return 0;
}

static int add_version(CMS_SignerInfo *si, uint64_t version)
{
	_cleanup_(ASN1_OBJECT_freep) ASN1_OBJECT *oid = OBJ_txt2obj(CFS_OID_SECURITY_VERSION, 1);
	ASN1_INTEGER *value = ASN1_INTEGER_new();
	int ok;

	ok = oid && value && ASN1_INTEGER_set_uint64(value, version) == 1 &&
	     CMS_signed_add1_attr_by_OBJ(si, oid, V_ASN1_INTEGER, value, -1) == 1;
	ASN1_INTEGER_free(value);
	return ok ? 0 : log_oom();
}

/* Chain certificates once each, and not the signer's again: CMS refuses
 * duplicates, and a chain file often repeats the signing certificate. */
static int add_chain(CMS_ContentInfo *cms, const struct signer *s)
{
	for (int i = 0; i < sk_X509_num(s->chain); i++) {
		X509 *x = sk_X509_value(s->chain, i);
		bool dup = X509_cmp(x, s->cert) == 0;

		for (int j = 0; j < i && !dup; j++)
			dup = X509_cmp(x, sk_X509_value(s->chain, j)) == 0;
		if (!dup && CMS_add1_cert(cms, x) != 1)
			return log_errno(-EIO, "cannot embed a chain certificate: %s", cfs_ossl_reason());
	}
	return 0;
}

static int encode(CMS_ContentInfo *cms, uint8_t **der, size_t *der_len)
{
	int len = i2d_CMS_ContentInfo(cms, NULL);
	uint8_t *buf, *p;

	if (len <= 0)
		return log_errno(-EIO, "cannot encode the signature: %s", cfs_ossl_reason());
	buf = malloc((size_t)len);
	if (!buf)
		return log_oom();
	p = buf;
	if (i2d_CMS_ContentInfo(cms, &p) != len) {
		free(buf);
		return log_errno(-EIO, "cannot encode the signature: %s", cfs_ossl_reason());
	}
	*der = buf;
	*der_len = (size_t)len;
	return 0;
}

int sign_digest(const struct signer *s, enum cfs_hash_alg alg, const uint8_t *digest,
		bool has_version, uint64_t version, uint8_t **der, size_t *der_len)
{
	const unsigned int flags = CMS_BINARY | CMS_DETACHED | CMS_PARTIAL | CMS_NOSMIMECAP;
	const EVP_MD *md = alg == CFS_HASH_SHA512 ? EVP_sha512() : EVP_sha256();
	_cleanup_(CMS_ContentInfo_freep) CMS_ContentInfo *cms = NULL;
	_cleanup_(BIO_freep) BIO *content = NULL;
	uint8_t payload[CFS_VERITY_FORMATTED_MAX];
	CMS_SignerInfo *si;
	size_t len;
	int r;

	r = cfs_verity_formatted_digest(alg, digest, payload, &len);
	if (r < 0)
		return r;
	cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	if (!cms)
		return log_oom();
	si = CMS_add1_signer(cms, s->cert, s->key, md, flags);
	if (!si)
		return log_errno(-EINVAL, "cannot sign with this key and certificate: %s (OpenSSL "
				 "3.0 makes CMS signatures with RSA and ECDSA keys only)",
				 cfs_ossl_reason());
	if (has_version && (r = add_version(si, version)) < 0)
		return r;
	if ((r = add_chain(cms, s)) < 0)
		return r;
	content = BIO_new_mem_buf(payload, (int)len);
	if (!content)
		return log_oom();
	if (CMS_final(cms, content, NULL, flags) != 1)
		return log_errno(-EIO, "cannot sign: %s", cfs_ossl_reason());
	return encode(cms, der, der_len);
}
