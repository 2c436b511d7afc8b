// SPDX-License-Identifier: MIT
/*
 * Signature verification against a PKI made here with OpenSSL: a root, an
 * intermediate and a signing certificate, plus one variant per rule the
 * verifier enforces.  Every refusal is checked for its own class.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"

#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "lib/verity/fsverity.h"
#include "lib/base/hex.h"
#include "tool/sign/sign.h"
#include "lib/trust/sig_anchors.h"
#include "lib/trust/sig_pins.h"
#include "lib/trust/sig_revoked.h"
#include "lib/trust/signature.h"

#define EKU_IMAGE "extendedKeyUsage=critical," CFS_OID_IMAGE_SIGNING
#define CA_EXTS "basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"
#define LEAF_EXTS "basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature"

static const uint8_t digest[32] = {
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
};

/* ---- a PKI made with OpenSSL ---- */

/* RSA keys come from the openssl tool, in a child process that memcheck
 * does not follow: making a 2048-bit key in the process takes it minutes,
 * and making keys is not what these tests are about. */
static EVP_PKEY *rsa_key(unsigned int bits)
{
	char cmd[96];
	EVP_PKEY *k;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:%u", bits);
	f = popen(cmd, "r");
	assert_non_null(f);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	assert_int_equal(pclose(f), 0);
	return k;
}

static EVP_PKEY *make_key(const char *type)
{
	EVP_PKEY *k = strncmp(type, "RSA-", 4) == 0 ? rsa_key((unsigned)atoi(type + 4))
						    : EVP_EC_gen(type);
	assert_non_null(k);
	return k;
}

struct cert_spec {
	const char *cn;
	const char *exts[6];    /* "name=value", as in openssl.cnf */
	long not_before_days;   /* relative to now */
	long not_after_days;
	const EVP_MD *md;       /* NULL: SHA-256 */
};

static void add_ext(X509 *x, X509V3_CTX *ctx, const char *spec)
{
	char name[64];
	const char *eq = strchr(spec, '=');
	X509_EXTENSION *e;

	assert_non_null(eq);
	snprintf(name, sizeof(name), "%.*s", (int)(eq - spec), spec);
	e = X509V3_EXT_nconf(NULL, ctx, name, eq + 1);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

/* A certificate for key, issued by issuer/issuer_key (NULL: self-signed),
 * with a subject key identifier and, below a CA, an authority one. */
static X509 *make_cert(const struct cert_spec *s, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;

	assert_non_null(x);
	assert_non_null(name);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)s->cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509_NAME_free(name);
	X509_gmtime_adj(X509_getm_notBefore(x), (s->not_before_days ? s->not_before_days : -1) * 86400);
	X509_gmtime_adj(X509_getm_notAfter(x), (s->not_after_days ? s->not_after_days : 365) * 86400);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	add_ext(x, &ctx, "subjectKeyIdentifier=hash");
	if (issuer)
		add_ext(x, &ctx, "authorityKeyIdentifier=keyid:always");
	for (size_t i = 0; i < 6 && s->exts[i]; i++)
		add_ext(x, &ctx, s->exts[i]);
	assert_true(X509_sign(x, issuer_key ? issuer_key : key, s->md ? s->md : EVP_sha256()) > 0);
	return x;
}

struct pki {
	EVP_PKEY *root_key, *int_key, *leaf_key;
	X509 *root, *inter, *leaf;
	char dir[64];                       /* holds root.pem only */
	struct cfs_sig_anchors *anchors;
};

static struct pki P;

static void write_pem(const char *dir, const char *file, X509 *x)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
}

static void make_dir(char *dir, size_t size)
{
	snprintf(dir, size, "%s/cfs-sig-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
}

static void remove_dir(const char *dir)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Anchors from a fresh directory holding the given certificates. */
static struct cfs_sig_anchors *anchors_of(X509 *a, X509 *b)
{
	struct cfs_sig_anchors *set;
	char dir[64];

	make_dir(dir, sizeof(dir));
	write_pem(dir, "a.pem", a);
	if (b)
		write_pem(dir, "b.pem", b);
	assert_int_equal(cfs_sig_anchors_load(dir, &set), 0);
	remove_dir(dir);
	return set;
}

static int setup_pki(void **state)
{
	const struct cert_spec root = { .cn = "root", .exts = { CA_EXTS } };
	const struct cert_spec inter = { .cn = "intermediate", .exts = { CA_EXTS } };
	const struct cert_spec leaf = { .cn = "signer", .exts = { LEAF_EXTS, EKU_IMAGE } };

	(void)state;
	assert_int_equal(cfs_sig_init(false), 0);
	P.root_key = make_key("P-256");
	P.int_key = make_key("P-256");
	P.leaf_key = make_key("P-256");
	P.root = make_cert(&root, P.root_key, NULL, NULL);
	P.inter = make_cert(&inter, P.int_key, P.root, P.root_key);
	P.leaf = make_cert(&leaf, P.leaf_key, P.inter, P.int_key);
	make_dir(P.dir, sizeof(P.dir));
	write_pem(P.dir, "root.pem", P.root);
	assert_int_equal(cfs_sig_anchors_load(P.dir, &P.anchors), 0);
	return 0;
}

static int teardown_pki(void **state)
{
	(void)state;
	cfs_sig_anchors_free(P.anchors);
	remove_dir(P.dir);
	X509_free(P.root);
	X509_free(P.inter);
	X509_free(P.leaf);
	EVP_PKEY_free(P.root_key);
	EVP_PKEY_free(P.int_key);
	EVP_PKEY_free(P.leaf_key);
	return 0;
}

/* ---- signatures ---- */

struct sig {
	uint8_t *der;
	size_t len;
};

/* What cfsboot sign makes: key and cert sign, chain certificates are
 * embedded; version < 0 means no version attribute. */
static struct sig sign_std(EVP_PKEY *key, X509 *cert, X509 *chain1, X509 *chain2, long long version)
{
	struct signer s = { .chain = sk_X509_new_null() };
	struct sig sig;

	assert_non_null(s.chain);
	EVP_PKEY_up_ref(key);
	X509_up_ref(cert);
	s.key = key;
	s.cert = cert;
	for (X509 *c[] = { chain1, chain2 }, **p = c; p < c + 2; p++)
		if (*p) {
			X509_up_ref(*p);
			sk_X509_push(s.chain, *p);
		}
	assert_int_equal(sign_digest(&s, CFS_HASH_SHA256, digest, version >= 0,
					 version >= 0 ? (uint64_t)version : 0, &sig.der, &sig.len), 0);
	signer_done(&s);
	return sig;
}

static struct sig sign_leaf(long long version)
{
	return sign_std(P.leaf_key, P.leaf, P.inter, NULL, version);
}

/* Structures cfsboot sign never makes, straight from OpenSSL: flags as for
 * CMS_sign(), md the signer's digest, and optionally a signed attribute
 * CFS_OID_SECURITY_VERSION of any type. */
static struct sig sign_raw(EVP_PKEY *key, X509 *cert, X509 *chain, const EVP_MD *md,
			   unsigned flags, int attr_type, const void *attr_value, int attr_len)
{
	uint8_t payload[CFS_VERITY_FORMATTED_MAX];
	size_t plen;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	BIO *in;
	struct sig sig = {};
	unsigned char *p = NULL;
	int len;

	assert_int_equal(cfs_verity_formatted_digest(CFS_HASH_SHA256, digest, payload, &plen), 0);
	flags |= CMS_BINARY | CMS_PARTIAL;
	cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	assert_non_null(cms);
	si = CMS_add1_signer(cms, cert, key, md, flags);
	assert_non_null(si);
	if (chain)
		assert_int_equal(CMS_add1_cert(cms, chain), 1);
	if (attr_type >= 0)
		assert_int_equal(CMS_signed_add1_attr_by_txt(si, CFS_OID_SECURITY_VERSION, attr_type,
							     attr_value, attr_len), 1);
	in = BIO_new_mem_buf(payload, (int)plen);
	assert_int_equal(CMS_final(cms, in, NULL, flags), 1);
	BIO_free(in);
	len = i2d_CMS_ContentInfo(cms, &p);
	assert_true(len > 0);
	sig.der = malloc((size_t)len);
	memcpy(sig.der, p, (size_t)len);
	sig.len = (size_t)len;
	OPENSSL_free(p);
	CMS_ContentInfo_free(cms);
	return sig;
}

static int verify_with(struct sig sig, const struct cfs_sig_policy *policy,
		       struct cfs_sig_result *res)
{
	struct cfs_sig_result scratch;
	int r = cfs_sig_verify("test.sig", sig.der, sig.len, CFS_HASH_SHA256, digest, policy,
			       res ? res : &scratch);

	free(sig.der);
	return r;
}

static int verify_default(struct sig sig)
{
	const struct cfs_sig_policy policy = { .anchors = P.anchors };

	return verify_with(sig, &policy, NULL);
}

/* ---- tests ---- */

static void test_formatted_digest(void **state)
{
	uint8_t out[CFS_VERITY_FORMATTED_MAX], d512[64];
	size_t len;

	(void)state;
	assert_int_equal(cfs_verity_formatted_digest(CFS_HASH_SHA256, digest, out, &len), 0);
	assert_int_equal(len, 44);
	assert_memory_equal(out, "FSVerity\x01\x00\x20\x00", 12);
	assert_memory_equal(out + 12, digest, 32);
	memset(d512, 0xab, sizeof(d512));
	assert_int_equal(cfs_verity_formatted_digest(CFS_HASH_SHA512, d512, out, &len), 0);
	assert_int_equal(len, 76);
	assert_memory_equal(out, "FSVerity\x02\x00\x40\x00", 12);
	assert_memory_equal(out + 12, d512, 64);
	assert_int_equal(cfs_verity_formatted_digest(3, digest, out, &len), -EINVAL);
}

/* SHA-256 of the DER SubjectPublicKeyInfo of x's key, as i2d_PUBKEY()
 * encodes it from the decoded key: not through cfs_sig_spki_fingerprint(). */
static void spki_fingerprint(X509 *x, uint8_t fp[CFS_SIG_FINGERPRINT_SIZE])
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(X509_get0_pubkey(x), &der);

	assert_true(len > 0);
	assert_int_equal(EVP_Digest(der, (size_t)len, fp, NULL, EVP_sha256(), NULL), 1);
	OPENSSL_free(der);
}

static void test_valid_chain(void **state)
{
	const struct cfs_sig_policy policy = { .anchors = P.anchors, .min_version = 42 };
	struct cfs_sig_result res;
	uint8_t fp[CFS_SIG_FINGERPRINT_SIZE];
	unsigned int fplen;

	(void)state;
	assert_int_equal(verify_with(sign_leaf(42), &policy, &res), 0);
	assert_string_equal(res.signer, "CN=signer");
	/* The key's fingerprint: SHA-256 of the SubjectPublicKeyInfo, here
	 * encoded again from the decoded key. */
	spki_fingerprint(P.leaf, fp);
	assert_memory_equal(res.fingerprint, fp, sizeof(fp));
	assert_int_equal(X509_digest(P.leaf, EVP_sha256(), fp, &fplen), 1);
	assert_memory_not_equal(res.fingerprint, fp, sizeof(fp));
	assert_true(res.has_version);
	assert_int_equal(res.version, 42);
}

static void test_version(void **state)
{
	struct cfs_sig_policy policy = { .anchors = P.anchors };
	struct cfs_sig_result res;

	(void)state;
	/* No attribute: version 0, which only a floor of 0 accepts. */
	assert_int_equal(verify_with(sign_leaf(-1), &policy, &res), 0);
	assert_false(res.has_version);
	assert_int_equal(res.version, 0);
	policy.min_version = 1;
	assert_int_equal(verify_with(sign_leaf(-1), &policy, NULL), -CFS_SIG_ROLLBACK);
	policy.min_version = 6;
	assert_int_equal(verify_with(sign_leaf(5), &policy, NULL), -CFS_SIG_ROLLBACK);
	assert_int_equal(verify_with(sign_leaf(6), &policy, NULL), 0);
	policy.min_version = UINT64_MAX;
	assert_int_equal(verify_with(sign_leaf((long long)INT64_MAX), &policy, NULL), -CFS_SIG_ROLLBACK);
}

static void test_version_attribute_malformed(void **state)
{
	ASN1_INTEGER *neg = ASN1_INTEGER_new();

	(void)state;
	assert_int_equal(verify_default(sign_raw(P.leaf_key, P.leaf, P.inter, EVP_sha256(), CMS_DETACHED,
						 V_ASN1_OCTET_STRING, "7", 1)), -CFS_SIG_MALFORMED);
	ASN1_INTEGER_set_int64(neg, -3);
	assert_int_equal(verify_default(sign_raw(P.leaf_key, P.leaf, P.inter, EVP_sha256(), CMS_DETACHED,
						 V_ASN1_INTEGER, neg, -1)), -CFS_SIG_MALFORMED);
	ASN1_INTEGER_free(neg);
}

static void test_mismatch(void **state)
{
	const struct cfs_sig_policy policy = { .anchors = P.anchors };
	struct cfs_sig_result res;
	uint8_t other[64];
	struct sig sig;

	(void)state;
	memcpy(other, digest, 32);
	other[31] ^= 1;
	sig = sign_leaf(1);
	assert_int_equal(cfs_sig_verify("t", sig.der, sig.len, CFS_HASH_SHA256, other, &policy, &res),
			 -CFS_SIG_MISMATCH);
	/* The same bytes as a SHA-512 digest: the formatted digest differs. */
	memset(other + 32, 0, 32);
	memcpy(other, digest, 32);
	assert_int_equal(cfs_sig_verify("t", sig.der, sig.len, CFS_HASH_SHA512, other, &policy, &res),
			 -CFS_SIG_MISMATCH);
	/* One flipped bit in the signature value at the end. */
	sig.der[sig.len - 5] ^= 0x01;
	assert_int_equal(verify_default(sig), -CFS_SIG_MISMATCH);
}

static void test_envelope(void **state)
{
	struct sig good = sign_leaf(1);
	uint8_t *big = calloc(1, CFS_SIG_MAX_SIZE + 1);
	const struct cfs_sig_policy policy = { .anchors = P.anchors };
	struct cfs_sig_result res;
	uint8_t b[4];

	(void)state;
	assert_non_null(big);
	assert_int_equal(cfs_sig_verify("t", big, 0, CFS_HASH_SHA256, digest, &policy, &res),
			 -CFS_SIG_EMPTY);
	big[0] = 0x30;
	assert_int_equal(cfs_sig_verify("t", big, CFS_SIG_MAX_SIZE + 1, CFS_HASH_SHA256, digest,
					&policy, &res), -CFS_SIG_TOO_LARGE);
	free(big);
	assert_int_equal(cfs_sig_verify("t", good.der, 1, CFS_HASH_SHA256, digest, &policy, &res),
			 -CFS_SIG_TRUNCATED);
	assert_int_equal(cfs_sig_verify("t", good.der, 3, CFS_HASH_SHA256, digest, &policy, &res),
			 -CFS_SIG_TRUNCATED);
	assert_int_equal(cfs_sig_verify("t", good.der, good.len / 2, CFS_HASH_SHA256, digest,
					&policy, &res), -CFS_SIG_TRUNCATED);
	memcpy(b, "\x30\x80\x00\x00", 4);   /* BER indefinite length */
	assert_int_equal(cfs_sig_verify("t", b, 4, CFS_HASH_SHA256, digest, &policy, &res),
			 -CFS_SIG_MALFORMED);
	memcpy(b, "\x30\x02\x05\x00", 4);   /* a SEQUENCE holding a NULL */
	assert_int_equal(cfs_sig_verify("t", b, 4, CFS_HASH_SHA256, digest, &policy, &res),
			 -CFS_SIG_MALFORMED);
	assert_int_equal(cfs_sig_verify("t", (const uint8_t *)"-----BEGIN", 10, CFS_HASH_SHA256,
					digest, &policy, &res), -CFS_SIG_MALFORMED);
	/* One byte after the end. */
	good.der = realloc(good.der, good.len + 1);
	good.der[good.len++] = 0;
	assert_int_equal(verify_default(good), -CFS_SIG_MALFORMED);
}

static void test_structure(void **state)
{
	struct sig sig;

	(void)state;
	/* Content attached instead of detached. */
	assert_int_equal(verify_default(sign_raw(P.leaf_key, P.leaf, P.inter, EVP_sha256(), 0,
						 -1, NULL, 0)),
			 -CFS_SIG_MALFORMED);
	/* Two signers. */
	{
		uint8_t payload[CFS_VERITY_FORMATTED_MAX];
		size_t plen;
		unsigned flags = CMS_BINARY | CMS_PARTIAL | CMS_DETACHED;
		CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
		BIO *in;
		unsigned char *p = NULL;
		int len;

		cfs_verity_formatted_digest(CFS_HASH_SHA256, digest, payload, &plen);
		assert_non_null(CMS_add1_signer(cms, P.leaf, P.leaf_key, EVP_sha256(), flags));
		assert_non_null(CMS_add1_signer(cms, P.inter, P.int_key, EVP_sha256(), flags));
		in = BIO_new_mem_buf(payload, (int)plen);
		assert_int_equal(CMS_final(cms, in, NULL, flags), 1);
		BIO_free(in);
		len = i2d_CMS_ContentInfo(cms, &p);
		sig.der = malloc((size_t)len);
		memcpy(sig.der, p, (size_t)len);
		sig.len = (size_t)len;
		OPENSSL_free(p);
		CMS_ContentInfo_free(cms);
	}
	assert_int_equal(verify_default(sig), -CFS_SIG_MALFORMED);
}

/* A signature whose digestAlgorithms set was changed: refused as malformed
 * before CMS_verify() (which, in OpenSSL 3.0.19, leaks on an empty set or an
 * unknown algorithm: the ASan and memcheck runs of this test see that). */
static int verify_digest_set(struct sig sig)
{
	const char *log;
	int r;

	capture_start();
	r = verify_default(sig);
	log = capture_end();
	if (r == -CFS_SIG_MALFORMED) {
		assert_contains(log, "its list of digest algorithms is not exactly its signer's "
			       "SHA256");
		assert_int_equal(count_lines(log), 1);
	}
	return r;
}

static void test_digest_set(void **state)
{
	/* What a one-signer signature starts with, every length in 2 bytes:
	 * ContentInfo, its OID, [0], SignedData, version, then the set with
	 * the one AlgorithmIdentifier of SHA-256 (no parameters). */
	static const uint8_t set[] = { 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48,
				       0x01, 0x65, 0x03, 0x04, 0x02, 0x01 };
	static const size_t around[] = { 0, 15, 19 };
	const size_t at = 26, alg_len = 13, oid_last = at + 14;
	struct sig sig;

	(void)state;
	sig = sign_leaf(1);
	assert_true(sig.len > at + sizeof(set));
	assert_memory_equal(sig.der + at, set, sizeof(set));
	/* An algorithm nobody knows (2.16.840.1.101.3.4.2.33). */
	sig.der[oid_last] = 0x21;
	assert_int_equal(verify_digest_set(sig), -CFS_SIG_MALFORMED);
	/* A known algorithm, but not the signer's (SHA-384). */
	sig = sign_leaf(1);
	sig.der[oid_last] = 0x02;
	assert_int_equal(verify_digest_set(sig), -CFS_SIG_MALFORMED);
	/* The empty set (which RFC 5652 allows in general): the algorithm
	 * cut out, the set and the three headers around it shortened. */
	sig = sign_leaf(1);
	memmove(sig.der + at + 2, sig.der + at + 2 + alg_len, sig.len - at - 2 - alg_len);
	sig.len -= alg_len;
	sig.der[at + 1] = 0;
	for (size_t i = 0; i < sizeof(around) / sizeof(around[0]); i++) {
		uint8_t *h = sig.der + around[i];
		unsigned int n = ((unsigned int)h[2] << 8 | h[3]) - alg_len;

		assert_int_equal(h[1], 0x82);
		h[2] = (uint8_t)(n >> 8);
		h[3] = (uint8_t)n;
	}
	assert_int_equal(verify_digest_set(sig), -CFS_SIG_MALFORMED);
	/* Unchanged, it verifies. */
	assert_int_equal(verify_digest_set(sign_leaf(1)), 0);
}

static void test_untrusted(void **state)
{
	const struct cert_spec other = { .cn = "other root", .exts = { CA_EXTS } };
	EVP_PKEY *k = make_key("P-256");
	X509 *root = make_cert(&other, k, NULL, NULL);
	struct cfs_sig_anchors *set = anchors_of(root, NULL);
	const struct cfs_sig_policy policy = { .anchors = set };

	(void)state;
	assert_int_equal(verify_with(sign_leaf(1), &policy, NULL), -CFS_SIG_UNTRUSTED);
	/* The right root, but the intermediate is missing from the signature. */
	assert_int_equal(verify_default(sign_std(P.leaf_key, P.leaf, NULL, NULL, 1)),
			 -CFS_SIG_UNTRUSTED);
	/* A plain signature (no certificates) by a certificate that is no anchor. */
	assert_int_equal(verify_default(sign_raw(P.leaf_key, P.leaf, NULL, EVP_sha256(),
						 CMS_DETACHED | CMS_NOATTR | CMS_NOCERTS, -1, NULL, 0)),
			 -CFS_SIG_UNTRUSTED);
	cfs_sig_anchors_free(set);
	X509_free(root);
	EVP_PKEY_free(k);
}

static void test_pinned_intermediate(void **state)
{
	struct cfs_sig_anchors *set = anchors_of(P.inter, NULL);
	const struct cfs_sig_policy policy = { .anchors = set };

	(void)state;
	/* An intermediate may be the anchor itself (a partial chain). */
	assert_int_equal(verify_with(sign_std(P.leaf_key, P.leaf, NULL, NULL, 1), &policy, NULL), 0);
	cfs_sig_anchors_free(set);
}

static void test_not_ca(void **state)
{
	const struct cert_spec fake = { .cn = "fake intermediate", .exts = { LEAF_EXTS, EKU_IMAGE } };
	const struct cert_spec leaf = { .cn = "signer below fake", .exts = { LEAF_EXTS, EKU_IMAGE } };
	const struct cert_spec root0 = { .cn = "root pathlen 0",
		.exts = { "basicConstraints=critical,CA:TRUE,pathlen:0", "keyUsage=critical,keyCertSign" } };
	EVP_PKEY *fk = make_key("P-256"), *lk = make_key("P-256"), *rk = make_key("P-256");
	X509 *f = make_cert(&fake, fk, P.root, P.root_key);
	X509 *l = make_cert(&leaf, lk, f, fk);
	X509 *r0 = make_cert(&root0, rk, NULL, NULL);
	const struct cert_spec inter = { .cn = "intermediate below pathlen 0", .exts = { CA_EXTS } };
	EVP_PKEY *ik = make_key("P-256");
	X509 *i = make_cert(&inter, ik, r0, rk);
	X509 *l2 = make_cert(&leaf, lk, i, ik);
	struct cfs_sig_anchors *set = anchors_of(r0, NULL);
	const struct cfs_sig_policy policy = { .anchors = set };

	(void)state;
	assert_int_equal(verify_default(sign_std(lk, l, f, NULL, 1)), -CFS_SIG_NOT_CA);
	assert_int_equal(verify_with(sign_std(lk, l2, i, NULL, 1), &policy, NULL), -CFS_SIG_NOT_CA);
	cfs_sig_anchors_free(set);
	X509_free(f);
	X509_free(l);
	X509_free(r0);
	X509_free(i);
	X509_free(l2);
	EVP_PKEY_free(fk);
	EVP_PKEY_free(lk);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(ik);
}

/* A signer certificate below the intermediate with the given extensions. */
static int verify_leaf_exts(const struct cert_spec *spec)
{
	EVP_PKEY *k = make_key("P-256");
	X509 *x = make_cert(spec, k, P.inter, P.int_key);
	int r = verify_default(sign_std(k, x, P.inter, NULL, 1));

	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

static void test_usage(void **state)
{
	const struct cert_spec no_eku = { .cn = "no eku", .exts = { LEAF_EXTS } };
	const struct cert_spec code = { .cn = "code signing",
		.exts = { LEAF_EXTS, "extendedKeyUsage=codeSigning" } };
	const struct cert_spec any = { .cn = "any",
		.exts = { LEAF_EXTS, "extendedKeyUsage=anyExtendedKeyUsage" } };
	const struct cert_spec certsign = { .cn = "certsign only",
		.exts = { "basicConstraints=critical,CA:FALSE", "keyUsage=critical,keyCertSign", EKU_IMAGE } };
	const struct cert_spec encipher = { .cn = "encipherment only",
		.exts = { "basicConstraints=critical,CA:FALSE", "keyUsage=critical,keyAgreement", EKU_IMAGE } };
	const struct cert_spec is_ca = { .cn = "ca signer",
		.exts = { "basicConstraints=critical,CA:TRUE", "keyUsage=critical,digitalSignature,keyCertSign",
			  EKU_IMAGE } };
	const struct cert_spec no_ku = { .cn = "no key usage",
		.exts = { "basicConstraints=critical,CA:FALSE", EKU_IMAGE } };

	(void)state;
	assert_int_equal(verify_leaf_exts(&no_eku), -CFS_SIG_USAGE);
	assert_int_equal(verify_leaf_exts(&code), -CFS_SIG_USAGE);
	assert_int_equal(verify_leaf_exts(&any), -CFS_SIG_USAGE);
	assert_int_equal(verify_leaf_exts(&certsign), -CFS_SIG_USAGE);
	assert_int_equal(verify_leaf_exts(&encipher), -CFS_SIG_USAGE);
	assert_int_equal(verify_leaf_exts(&is_ca), -CFS_SIG_USAGE);
	assert_int_equal(verify_leaf_exts(&no_ku), 0);
}

/* An intermediate with an extended key usage limits what is below it. */
static int verify_below_intermediate(const char *eku)
{
	const struct cert_spec inter = { .cn = "limited intermediate", .exts = { CA_EXTS, eku } };
	const struct cert_spec leaf = { .cn = "signer", .exts = { LEAF_EXTS, EKU_IMAGE } };
	EVP_PKEY *ik = make_key("P-256"), *lk = make_key("P-256");
	X509 *i = make_cert(&inter, ik, P.root, P.root_key);
	X509 *l = make_cert(&leaf, lk, i, ik);
	int r = verify_default(sign_std(lk, l, i, NULL, 1));

	X509_free(i);
	X509_free(l);
	EVP_PKEY_free(ik);
	EVP_PKEY_free(lk);
	return r;
}

static void test_usage_of_cas(void **state)
{
	(void)state;
	assert_int_equal(verify_below_intermediate("extendedKeyUsage=serverAuth"), -CFS_SIG_USAGE);
	assert_int_equal(verify_below_intermediate("extendedKeyUsage=anyExtendedKeyUsage"), 0);
	assert_int_equal(verify_below_intermediate("extendedKeyUsage=" CFS_OID_IMAGE_SIGNING), 0);
}

/* A self-signed certificate that is itself the anchor signs directly, as
 * with `fsverity sign`: no extended key usage needed, but one that names
 * other purposes, or a key usage without digitalSignature, refuses. */
static int verify_anchor_signer(const char *type, const struct cert_spec *spec)
{
	EVP_PKEY *k = make_key(type);
	X509 *x = make_cert(spec, k, NULL, NULL);
	struct cfs_sig_anchors *set = anchors_of(x, P.root);
	const struct cfs_sig_policy policy = { .anchors = set };
	int r = verify_with(sign_raw(k, x, NULL, EVP_sha256(), CMS_DETACHED | CMS_NOATTR | CMS_NOCERTS,
				     -1, NULL, 0), &policy, NULL);

	cfs_sig_anchors_free(set);
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

static void test_anchor_signs_directly(void **state)
{
	const struct cert_spec plain = { .cn = "fsverity key",
		.exts = { "basicConstraints=critical,CA:TRUE" } };
	const struct cert_spec eku = { .cn = "fsverity key", .exts = { EKU_IMAGE } };
	const struct cert_spec tls = { .cn = "tls key", .exts = { "extendedKeyUsage=serverAuth" } };
	const struct cert_spec ca = { .cn = "ca key", .exts = { CA_EXTS } };

	(void)state;
	assert_int_equal(verify_anchor_signer("P-256", &plain), 0);
	assert_int_equal(verify_anchor_signer("P-256", &eku), 0);
	assert_int_equal(verify_anchor_signer("P-256", &tls), -CFS_SIG_USAGE);
	assert_int_equal(verify_anchor_signer("P-256", &ca), -CFS_SIG_USAGE);
	assert_int_equal(verify_anchor_signer("RSA-1024", &plain), -CFS_SIG_ALGORITHM);
}

static void test_revoked(void **state)
{
	X509 *certs[] = { P.leaf, P.inter, P.root };
	struct cfs_sig_policy policy = { .anchors = P.anchors };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		uint8_t fp[CFS_SIG_FINGERPRINT_SIZE];
		char line[2 * CFS_SIG_FINGERPRINT_SIZE + 2];
		struct cfs_sig_revoked *list;

		assert_int_equal(cfs_sig_fingerprint(certs[i], fp), 0);
		cfs_hex_encode(fp, sizeof(fp), line);
		strcat(line, "\n");
		assert_int_equal(cfs_sig_revoked_parse("list", line, strlen(line), &list), 0);
		policy.revoked = list;
		assert_int_equal(verify_with(sign_leaf(1), &policy, NULL), -CFS_SIG_REVOKED);
		cfs_sig_revoked_free(list);

		/* The same certificate by its key, and by a "cert:" entry. */
		for (int kind = 0; kind < 2; kind++) {
			char prefixed[2 * CFS_SIG_FINGERPRINT_SIZE + 8];

			if (kind == 0)
				spki_fingerprint(certs[i], fp);
			else
				assert_int_equal(cfs_sig_fingerprint(certs[i], fp), 0);
			strcpy(prefixed, kind == 0 ? "spki:" : "cert:");
			cfs_hex_encode(fp, sizeof(fp), prefixed + 5);
			assert_int_equal(cfs_sig_revoked_parse("list", prefixed, strlen(prefixed),
							       &list), 0);
			policy.revoked = list;
			assert_int_equal(verify_with(sign_leaf(1), &policy, NULL), -CFS_SIG_REVOKED);
			cfs_sig_revoked_free(list);
		}
	}
	{
		const char *other = "# nothing of ours\n"
			"0000000000000000000000000000000000000000000000000000000000000000\n";
		struct cfs_sig_revoked *list;

		assert_int_equal(cfs_sig_revoked_parse("list", other, strlen(other), &list), 0);
		policy.revoked = list;
		assert_int_equal(verify_with(sign_leaf(1), &policy, NULL), 0);
		cfs_sig_revoked_free(list);
	}
}

/* "spki:<hex>" of x's key, computed by spki_fingerprint(). */
static void spki_pin(X509 *x, char out[2 * CFS_SIG_FINGERPRINT_SIZE + 6])
{
	uint8_t fp[CFS_SIG_FINGERPRINT_SIZE];

	spki_fingerprint(x, fp);
	strcpy(out, "spki:");
	cfs_hex_encode(fp, sizeof(fp), out + 5);
}

static void test_signer_ca(void **state)
{
	char inter[2 * CFS_SIG_FINGERPRINT_SIZE + 6], root[sizeof(inter)], leaf[sizeof(inter)];
	char text[3 * sizeof(inter) + 16];
	struct cfs_sig_pins pins;
	struct cfs_sig_policy policy = { .anchors = P.anchors, .signer_cas = &pins };

	(void)state;
	spki_pin(P.inter, inter);
	spki_pin(P.root, root);
	spki_pin(P.leaf, leaf);

	/* The syntax. */
	assert_int_equal(cfs_sig_pins_parse("any", &pins), 0);
	assert_int_equal(pins.n, 0);
	assert_int_equal(cfs_sig_pins_parse(" any\t", &pins), 0);
	snprintf(text, sizeof(text), "%s, %s ,%s", leaf, inter, root);
	assert_int_equal(cfs_sig_pins_parse(text, &pins), 0);
	assert_int_equal(pins.n, 3);
	snprintf(text, sizeof(text), "%s,", inter);
	assert_int_equal(cfs_sig_pins_parse(text, &pins), -EINVAL);
	snprintf(text, sizeof(text), "%s %s", inter, root);
	assert_int_equal(cfs_sig_pins_parse(text, &pins), -EINVAL);
	snprintf(text, sizeof(text), "%sa", inter);
	assert_int_equal(cfs_sig_pins_parse(text, &pins), -EINVAL);
	assert_int_equal(cfs_sig_pins_parse("", &pins), -EINVAL);
	assert_int_equal(cfs_sig_pins_parse("anything", &pins), -EINVAL);
	assert_int_equal(cfs_sig_pins_parse("spki:", &pins), -EINVAL);
	{
		char many[9 * sizeof(inter)] = "";

		for (int i = 0; i < CFS_SIG_MAX_PINS + 1; i++)
			snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s%s",
				 i ? "," : "", inter);
		assert_int_equal(cfs_sig_pins_parse(many, &pins), -EINVAL);
	}

	/* The pinned intermediate, or the root above it, lets the signer through. */
	assert_int_equal(cfs_sig_pins_parse(inter, &pins), 0);
	assert_int_equal(verify_with(sign_leaf(1), &policy, NULL), 0);
	assert_int_equal(cfs_sig_pins_parse(root, &pins), 0);
	assert_int_equal(verify_with(sign_leaf(1), &policy, NULL), 0);
	/* The signer's own key is no CA of its chain. */
	assert_int_equal(cfs_sig_pins_parse(leaf, &pins), 0);
	assert_int_equal(verify_with(sign_leaf(1), &policy, NULL), -CFS_SIG_SCOPE);
	/* Nothing pinned: any CA. */
	assert_int_equal(cfs_sig_pins_parse("any", &pins), 0);
	assert_int_equal(verify_with(sign_leaf(1), &policy, NULL), 0);
}

static void test_clock(void **state)
{
	const struct cert_spec expired = { .cn = "expired", .exts = { LEAF_EXTS, EKU_IMAGE },
					  .not_before_days = -30, .not_after_days = -1 };
	const struct cert_spec future = { .cn = "future", .exts = { LEAF_EXTS, EKU_IMAGE },
					 .not_before_days = 10, .not_after_days = 20 };
	struct cfs_sig_policy policy = { .anchors = P.anchors };
	EVP_PKEY *k = make_key("P-256");
	X509 *e = make_cert(&expired, k, P.inter, P.int_key);
	X509 *f = make_cert(&future, k, P.inter, P.int_key);

	(void)state;
	/* Without a trustworthy clock, validity periods are not judged. */
	assert_int_equal(verify_with(sign_std(k, e, P.inter, NULL, 1), &policy, NULL), 0);
	assert_int_equal(verify_with(sign_std(k, f, P.inter, NULL, 1), &policy, NULL), 0);
	policy.check_clock = true;
	assert_int_equal(verify_with(sign_std(k, e, P.inter, NULL, 1), &policy, NULL), -CFS_SIG_EXPIRED);
	assert_int_equal(verify_with(sign_std(k, f, P.inter, NULL, 1), &policy, NULL),
			 -CFS_SIG_NOT_YET_VALID);
	assert_int_equal(verify_with(sign_leaf(1), &policy, NULL), 0);
	X509_free(e);
	X509_free(f);
	EVP_PKEY_free(k);
}

static void test_weak_algorithms(void **state)
{
	const struct cert_spec leaf = { .cn = "signer", .exts = { LEAF_EXTS, EKU_IMAGE } };
	const struct cert_spec sha1 = { .cn = "sha1 intermediate", .exts = { CA_EXTS },
				       .md = EVP_sha1() };
	EVP_PKEY *small = make_key("RSA-1024"), *k = make_key("P-256");
	X509 *l = make_cert(&leaf, small, P.inter, P.int_key);
	X509 *i = make_cert(&sha1, k, P.root, P.root_key);
	X509 *l2 = make_cert(&leaf, P.leaf_key, i, k);

	(void)state;
	assert_int_equal(verify_default(sign_std(small, l, P.inter, NULL, 1)), -CFS_SIG_ALGORITHM);
	assert_int_equal(verify_default(sign_std(P.leaf_key, l2, i, NULL, 1)), -CFS_SIG_ALGORITHM);
	assert_int_equal(verify_default(sign_raw(P.leaf_key, P.leaf, P.inter, EVP_sha1(), CMS_DETACHED,
						 -1, NULL, 0)), -CFS_SIG_ALGORITHM);
	X509_free(l);
	X509_free(i);
	X509_free(l2);
	EVP_PKEY_free(small);
	EVP_PKEY_free(k);
}

static void test_rsa_signers(void **state)
{
	const struct cert_spec leaf = { .cn = "rsa signer", .exts = { LEAF_EXTS, EKU_IMAGE } };
	EVP_PKEY *k = make_key("RSA-2048");
	X509 *l = make_cert(&leaf, k, P.inter, P.int_key);

	(void)state;
	assert_int_equal(verify_default(sign_std(k, l, P.inter, NULL, 3)), 0);
	/* fsverity sign's form: rsaEncryption, no attributes, no certificates. */
	assert_int_equal(verify_anchor_signer("RSA-2048", &(const struct cert_spec){ .cn = "rsa" }), 0);
	X509_free(l);
	EVP_PKEY_free(k);
}

static void test_bad_chain(void **state)
{
	const struct cert_spec forged = { .cn = "forged", .exts = { LEAF_EXTS, EKU_IMAGE } };
	const struct cert_spec inter = { .cn = "deep", .exts = { CA_EXTS } };
	EVP_PKEY *k = make_key("P-256"), *keys[6];
	X509 *x = make_cert(&forged, P.leaf_key, P.inter, k);  /* issuer name, wrong key */
	X509 *chain[6];
	struct signer s = { .chain = sk_X509_new_null() };
	struct sig sig;

	(void)state;
	assert_int_equal(verify_default(sign_std(P.leaf_key, x, P.inter, NULL, 1)), -CFS_SIG_BAD_CHAIN);

	/* Five intermediates: one more than allowed. */
	for (int i = 0; i < 5; i++) {
		keys[i] = make_key("P-256");
		chain[i] = make_cert(&inter, keys[i], i ? chain[i - 1] : P.root,
				     i ? keys[i - 1] : P.root_key);
		X509_up_ref(chain[i]);
		sk_X509_push(s.chain, chain[i]);
	}
	s.key = make_key("P-256");
	s.cert = make_cert(&forged, s.key, chain[4], keys[4]);
	assert_int_equal(sign_digest(&s, CFS_HASH_SHA256, digest, false, 0, &sig.der, &sig.len), 0);
	assert_int_equal(verify_default(sig), -CFS_SIG_BAD_CHAIN);
	signer_done(&s);
	for (int i = 0; i < 5; i++) {
		X509_free(chain[i]);
		EVP_PKEY_free(keys[i]);
	}
	X509_free(x);
	EVP_PKEY_free(k);
}

static void test_revocation_list(void **state)
{
	const char *good = "# revoked 2025\n\n  \t"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff  # old key\r\n"
		"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n"
		"spki:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef # key\n"
		"\tcert:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\n";
	const char *bad[] = {
		"00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\n",
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddee\n",
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0\n",
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff x\n",
		"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff\n",
		"sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		"SPKI:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		"spki 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		"spki:\n",
		"spki:cert:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		"spki:00112233445566778899aabbccddeeff00112233445566778899aabbccddee\n",
	};
	uint8_t fp[CFS_SIG_FINGERPRINT_SIZE];
	struct cfs_sig_revoked *list;
	char nul[66];

	(void)state;
	assert_int_equal(cfs_sig_revoked_parse("good", good, strlen(good), &list), 0);
	cfs_hex_decode("ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100", 64, fp, 32);
	assert_true(cfs_sig_revoked_contains(list, CFS_SIG_REVOKED_CERT, fp));
	assert_false(cfs_sig_revoked_contains(list, CFS_SIG_REVOKED_SPKI, fp));
	cfs_hex_decode("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 64, fp, 32);
	assert_true(cfs_sig_revoked_contains(list, CFS_SIG_REVOKED_SPKI, fp));
	assert_false(cfs_sig_revoked_contains(list, CFS_SIG_REVOKED_CERT, fp));
	cfs_hex_decode("fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210", 64, fp, 32);
	assert_true(cfs_sig_revoked_contains(list, CFS_SIG_REVOKED_CERT, fp));
	fp[0] = 0;
	assert_false(cfs_sig_revoked_contains(list, CFS_SIG_REVOKED_CERT, fp));
	cfs_sig_revoked_free(list);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cfs_sig_revoked_parse("bad", bad[i], strlen(bad[i]), &list), -EINVAL);
	memset(nul, 'a', sizeof(nul));
	nul[10] = 0;
	nul[64] = '\n';
	assert_int_equal(cfs_sig_revoked_parse("nul", nul, 65, &list), -EINVAL);
	assert_false(cfs_sig_revoked_contains(NULL, CFS_SIG_REVOKED_SPKI, fp));

	assert_int_equal(cfs_sig_revoked_load("/nonexistent/revoked.list", true, &list), 0);
	assert_false(cfs_sig_revoked_contains(list, CFS_SIG_REVOKED_CERT, fp));
	cfs_sig_revoked_free(list);
	assert_int_equal(cfs_sig_revoked_load("/nonexistent/revoked.list", false, &list), -ENOENT);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_anchor_directory(void **state)
{
	struct cfs_sig_anchors *set;
	char dir[64], path[128];
	FILE *f;

	(void)state;
	make_dir(dir, sizeof(dir));
	assert_int_equal(cfs_sig_anchors_load(dir, &set), -ENOENT);           /* empty */
	write_file(dir, ".hidden", "not a certificate");
	assert_int_equal(cfs_sig_anchors_load(dir, &set), -ENOENT);           /* still empty */
	/* Two PEM certificates in one file, one DER in another. */
	snprintf(path, sizeof(path), "%s/both.pem", dir);
	f = fopen(path, "w");
	PEM_write_X509(f, P.root);
	PEM_write_X509(f, P.inter);
	fclose(f);
	snprintf(path, sizeof(path), "%s/leaf.der", dir);
	f = fopen(path, "w");
	i2d_X509_fp(f, P.leaf);
	fclose(f);
	assert_int_equal(cfs_sig_anchors_load(dir, &set), 0);
	{
		const struct cfs_sig_policy policy = { .anchors = set };

		/* The leaf is an anchor but has an EKU for images: signs directly. */
		assert_int_equal(verify_with(sign_raw(P.leaf_key, P.leaf, NULL, EVP_sha256(),
						      CMS_DETACHED | CMS_NOATTR | CMS_NOCERTS, -1, NULL, 0),
					     &policy, NULL), 0);
	}
	cfs_sig_anchors_free(set);
	write_file(dir, "notes.txt", "these are our anchors\n");
	assert_int_equal(cfs_sig_anchors_load(dir, &set), -EINVAL);
	/* A key-shaped marker with no key in it, split so that no scan of the
	 * repository mistakes this file for a committed private key. */
	write_file(dir, "notes.txt", "-----BEGIN PRIV" "ATE KEY-----\nAAAA\n-----END PRIV" "ATE KEY-----\n");
	assert_int_equal(cfs_sig_anchors_load(dir, &set), -EINVAL);
	write_file(dir, "notes.txt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
	assert_int_equal(cfs_sig_anchors_load(dir, &set), -EINVAL);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(cfs_sig_anchors_load(dir, &set), -EINVAL);
	remove_dir(dir);
	assert_int_equal(cfs_sig_anchors_load(dir, &set), -ENOENT);
}

static void test_error_names(void **state)
{
	(void)state;
	for (int c = CFS_SIG_EMPTY; c < _CFS_SIG_ERROR_END; c++)
		assert_non_null(cfs_sig_error_name(-c));
	assert_string_equal(cfs_sig_error_name(-CFS_SIG_REVOKED), "revoked");
	assert_null(cfs_sig_error_name(-ENOMEM));
	assert_null(cfs_sig_error_name(0));
	assert_null(cfs_sig_error_name(-_CFS_SIG_ERROR_END));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formatted_digest),
		cmocka_unit_test(test_valid_chain),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_version_attribute_malformed),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_digest_set),
		cmocka_unit_test(test_untrusted),
		cmocka_unit_test(test_pinned_intermediate),
		cmocka_unit_test(test_not_ca),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_usage_of_cas),
		cmocka_unit_test(test_anchor_signs_directly),
		cmocka_unit_test(test_revoked),
		cmocka_unit_test(test_signer_ca),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_weak_algorithms),
		cmocka_unit_test(test_rsa_signers),
		cmocka_unit_test(test_bad_chain),
		cmocka_unit_test(test_revocation_list),
		cmocka_unit_test(test_anchor_directory),
		cmocka_unit_test(test_error_names),
	};
	return cmocka_run_group_tests_name("signature", tests, setup_pki, teardown_pki);
}
