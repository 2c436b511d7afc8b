/* SPDX-License-Identifier: MIT */
/* Making image signatures: what cfsboot sign writes (docs/signature.md). */
#ifndef CFSBOOT_SIGN_H
#define CFSBOOT_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lib/verity/fsverity.h"

struct signer {
	EVP_PKEY *key;
	X509 *cert;
	STACK_OF(X509) *chain;     /* embedded after the signer's certificate */
};

/*
 * Loads a PEM private key, its certificate (PEM or DER; further PEM
 * certificates after the first join the chain) and optionally a file of
 * chain certificates.  The key must belong to the certificate.  Returns 0
 * or a negative errno, logged; signer_done() releases s either way.
 */
int signer_load(const char *key_path, const char *cert_path, const char *chain_path,
		struct signer *s);
void signer_done(struct signer *s);

/*
 * A detached DER CMS SignedData over the formatted digest of alg:digest,
 * hashed with the same algorithm, with the signer's and the chain's
 * certificates embedded and, when has_version, the security version as a
 * signed attribute.  *der is malloc()ed.  Returns 0 or a negative errno.
 */
int sign_digest(const struct signer *s, enum cfs_hash_alg alg, const uint8_t *digest,
		bool has_version, uint64_t version, uint8_t **der, size_t *der_len);

#endif
