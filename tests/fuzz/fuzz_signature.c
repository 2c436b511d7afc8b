// SPDX-License-Identifier: MIT
/*
 * The signature file is the input of the verification that whoever can
 * write the disk controls completely.  Any bytes must end in success or in
 * one of the failure classes, never in a crash, a leak or an endless loop.
 * The first byte chooses what the rest is:
 *   mode 0: a signature, verified as it is;
 *   mode 1: (offset, xor) byte triples applied to a valid signature made at
 *           start-up, so that mutations reach the chain, usage and version
 *           checks that random bytes never get to; no change must verify;
 *   mode 2: a revocation list and a certificate file.
 * Two bits of that byte turn the clock check and a version floor on.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tool/sign/sign.h"
#include "lib/base/log.h"
#include "lib/trust/sig_anchors.h"
#include "lib/trust/sig_pins.h"
#include "lib/trust/sig_revoked.h"
#include "lib/trust/signature.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t digest[32] = { 0xc0, 0xff, 0xee, 0x01 };
static struct cfs_sig_anchors *anchors;
static struct cfs_sig_revoked *revoked;
static struct cfs_sig_pins root_pin;     /* the root's key: the valid signature passes */
static uint8_t *valid;
static size_t valid_len;

static EVP_PKEY *key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	if (!k)
		abort();
	return k;
}

static void ext(X509 *x, X509 *issuer, const char *name, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_nconf(NULL, &ctx, name, value);
	if (!e || !X509_add_ext(x, e, -1))
		abort();
	X509_EXTENSION_free(e);
}

static X509 *cert(const char *cn, EVP_PKEY *k, X509 *issuer, EVP_PKEY *issuer_key, bool ca)
{
	X509 *x = X509_new();

	if (!x)
		abort();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 1 : 2);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x));
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 3650);
	X509_set_pubkey(x, k);
	ext(x, issuer ? issuer : x, "subjectKeyIdentifier", "hash");
	if (ca) {
		ext(x, x, "basicConstraints", "critical,CA:TRUE");
		ext(x, x, "keyUsage", "critical,keyCertSign");
	} else {
		ext(x, issuer, "authorityKeyIdentifier", "keyid:always");
		ext(x, issuer, "basicConstraints", "critical,CA:FALSE");
		ext(x, issuer, "keyUsage", "critical,digitalSignature");
		ext(x, issuer, "extendedKeyUsage", "critical," CFS_OID_IMAGE_SIGNING);
	}
	if (!X509_sign(x, issuer_key ? issuer_key : k, EVP_sha256()))
		abort();
	return x;
}

static char anchor_dir[64];

static void remove_anchor_dir(void)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/root.pem", anchor_dir);
	unlink(path);
	rmdir(anchor_dir);
}

/* A root in a directory of its own, a signer below it, and one valid
 * signature with a version attribute. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct signer s = { .chain = sk_X509_new_null() };
	EVP_PKEY *root_key = key();
	X509 *root = cert("fuzz root", root_key, NULL, NULL, true);
	const char *list = "0000000000000000000000000000000000000000000000000000000000000000\n"
		"spki:0000000000000000000000000000000000000000000000000000000000000000\n";
	char path[96];
	FILE *f;

	(void)argc, (void)argv;
	cfs_log_set_level(LOG_CRIT);
	if (cfs_sig_init(false) < 0 || !s.chain)
		abort();
	snprintf(anchor_dir, sizeof(anchor_dir), "/tmp/fuzz-signature-XXXXXX");
	if (!mkdtemp(anchor_dir))
		abort();
	atexit(remove_anchor_dir);
	snprintf(path, sizeof(path), "%s/root.pem", anchor_dir);
	f = fopen(path, "w");
	if (!f || !PEM_write_X509(f, root) || fclose(f) != 0)
		abort();
	if (cfs_sig_anchors_load(anchor_dir, &anchors) < 0 ||
	    cfs_sig_revoked_parse("list", list, strlen(list), &revoked) < 0)
		abort();
	if (cfs_sig_spki_fingerprint(root, root_pin.fp[0]) < 0)
		abort();
	root_pin.n = 1;
	s.key = key();
	s.cert = cert("fuzz signer", s.key, root, root_key, false);
	if (sign_digest(&s, CFS_HASH_SHA256, digest, true, 7, &valid, &valid_len) < 0)
		abort();
	signer_done(&s);
	X509_free(root);
	EVP_PKEY_free(root_key);
	return 0;
}

static void check_result(int r, const struct cfs_sig_result *res)
{
	if (r < 0 && !cfs_sig_error_name(r) && r != -ENOMEM && r != -EIO)
		abort();
	if (r == 0 && (!res->signer[0] || strpbrk(res->signer, "\n\r")))
		abort();
}

static void fuzz_signature(const uint8_t *sig, size_t len, const struct cfs_sig_policy *policy,
			   bool must_verify)
{
	struct cfs_sig_result res;
	int r = cfs_sig_verify("fuzz", sig, len, CFS_HASH_SHA256, digest, policy, &res);

	check_result(r, &res);
	if (must_verify && r != 0)
		abort();
}

static void fuzz_edits(const uint8_t *data, size_t size, const struct cfs_sig_policy *policy)
{
	uint8_t *sig = malloc(valid_len);
	bool changed = false;

	if (!sig)
		return;
	memcpy(sig, valid, valid_len);
	for (size_t i = 0; i + 3 <= size; i += 3) {
		size_t off = ((size_t)data[i] << 8 | data[i + 1]) % valid_len;

		sig[off] ^= data[i + 2];
		changed |= data[i + 2] != 0;
	}
	changed = changed && memcmp(sig, valid, valid_len) != 0;
	fuzz_signature(sig, valid_len, policy, !changed && policy->min_version <= 7);
	free(sig);
}

static void fuzz_texts(const uint8_t *data, size_t size)
{
	struct cfs_sig_revoked *list = NULL;
	STACK_OF(X509) *certs = sk_X509_new_null();
	char *text = strndup((const char *)data, size);
	struct cfs_sig_pins pins;

	if (cfs_sig_revoked_parse("fuzz", (const char *)data, size, &list) == 0)
		cfs_sig_revoked_free(list);
	if (text && cfs_sig_pins_parse(text, &pins) == 0 && pins.n > CFS_SIG_MAX_PINS)
		abort();
	free(text);
	if (certs)
		cfs_sig_certs_parse("fuzz", data, size, certs);
	sk_X509_pop_free(certs, X509_free);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfs_sig_policy policy = { .anchors = anchors, .revoked = revoked };

	if (size < 1)
		return 0;
	policy.check_clock = data[0] & 0x10;
	policy.min_version = data[0] & 0x20 ? 8 : 0;
	policy.signer_cas = data[0] & 0x40 ? &root_pin : NULL;
	switch (data[0] % 3) {
	case 0:
		fuzz_signature(data + 1, size - 1, &policy, false);
		break;
	case 1:
		fuzz_edits(data + 1, size - 1, &policy);
		break;
	default:
		fuzz_texts(data + 1, size - 1);
		break;
	}
	return 0;
}
