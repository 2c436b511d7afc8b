// SPDX-License-Identifier: MIT
/* The digests of PCR banks, computed in user space with OpenSSL. */
#include "lib/tpm/tpm_digest.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

static const struct {
	uint16_t alg;
	const char *name;
	size_t size;
} algs[] = {
	{ TPM2_ALG_SHA1,   "sha1",   20 },
	{ TPM2_ALG_SHA256, "sha256", 32 },
	{ TPM2_ALG_SHA384, "sha384", 48 },
	{ TPM2_ALG_SHA512, "sha512", 64 },
};

const char *cfs_tpm_alg_name(uint16_t alg)
{
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++)
		if (algs[i].alg == alg)
			return algs[i].name;
	return NULL;
}

int cfs_tpm_alg_from_name(const char *name, uint16_t *alg)
{
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++)
		if (strcmp(algs[i].name, name) == 0) {
			*alg = algs[i].alg;
			return 0;
		}
	return -EINVAL;
}

size_t cfs_tpm_alg_size(uint16_t alg)
{
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++)
		if (algs[i].alg == alg)
			return algs[i].size;
	return 0;
}

static const EVP_MD *alg_md(uint16_t alg)
{
	switch (alg) {
	case TPM2_ALG_SHA1:   return EVP_sha1();
	case TPM2_ALG_SHA256: return EVP_sha256();
	case TPM2_ALG_SHA384: return EVP_sha384();
	case TPM2_ALG_SHA512: return EVP_sha512();
	}
	return NULL;
}

/* The digest of the concatenation of two buffers. */
static int hash2(uint16_t alg, const void *a, size_t a_len, const void *b, size_t b_len,
		 struct cfs_tpm_digest *out)
{
	const EVP_MD *md = alg_md(alg);
	EVP_MD_CTX *ctx;
	unsigned int len = 0;
	int ok;

	if (!md)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return log_oom();
	ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, a, a_len) == 1 &&
	     EVP_DigestUpdate(ctx, b, b_len) == 1 && EVP_DigestFinal_ex(ctx, out->bytes, &len) == 1;
	EVP_MD_CTX_free(ctx);
	/* With a known algorithm and valid buffers, only memory can run out. */
	if (!ok || len != cfs_tpm_alg_size(alg))
		return log_oom();
	out->alg = alg;
	out->size = (uint8_t)len;
	return 0;
}

int cfs_tpm_hash(uint16_t alg, const void *data, size_t len, struct cfs_tpm_digest *out)
{
	return hash2(alg, data, len, "", 0, out);
}

int cfs_tpm_hash_banks(const uint16_t *banks, size_t n, const void *data, size_t len,
		       struct cfs_tpm_digests *out)
{
	if (n > CFS_TPM_MAX_BANKS)
		return -EINVAL;
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		int r = cfs_tpm_hash(banks[i], data, len, &out->d[i]);

		if (r < 0)
			return r;
	}
	return 0;
}

int cfs_tpm_extend_value(struct cfs_tpm_digest *pcr, const struct cfs_tpm_digest *digest)
{
	struct cfs_tpm_digest old = *pcr;

	if (pcr->alg != digest->alg || pcr->size != digest->size)
		return -EINVAL;
	return hash2(pcr->alg, old.bytes, old.size, digest->bytes, digest->size, pcr);
}

void cfs_tpm_initial_value(unsigned int pcr, uint16_t alg, struct cfs_tpm_digest *out)
{
	out->alg = alg;
	out->size = (uint8_t)cfs_tpm_alg_size(alg);
	memset(out->bytes, pcr >= 17 && pcr <= 22 ? 0xff : 0, sizeof(out->bytes));
}
