/* SPDX-License-Identifier: MIT */
/*
 * PCR digests computed in user space with OpenSSL, as systemd does, so
 * that the same bytes go to the TPM and into the measurement log; and
 * what a PCR holds after a sequence of extends, for replaying the log
 * (tpm_digest.c).
 */
#ifndef CFS_TPM_DIGEST_H
#define CFS_TPM_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define CFS_TPM_MAX_BANKS   8   /* a PCR_Read answer holds at most 8 digests */
#define CFS_TPM_MAX_DIGEST  64  /* SHA-512 */
#define CFS_TPM_HEX_MAX     (2 * CFS_TPM_MAX_DIGEST + 1)

/* One digest of one bank.  alg is a TPM2_ALG_* value. */
struct cfs_tpm_digest {
	uint16_t alg;
	uint8_t size;
	uint8_t bytes[CFS_TPM_MAX_DIGEST];
};

/* One digest per bank, in the order of cfs_tpm_banks(). */
struct cfs_tpm_digests {
	size_t n;
	struct cfs_tpm_digest d[CFS_TPM_MAX_BANKS];
};

/* Bank names as systemd's log writes them: "sha1", "sha256", "sha384",
 * "sha512"; NULL (or -EINVAL) for any other algorithm. */
const char *cfs_tpm_alg_name(uint16_t alg);
int cfs_tpm_alg_from_name(const char *name, uint16_t *alg);
/* Digest size of alg, 0 for one we cannot compute. */
size_t cfs_tpm_alg_size(uint16_t alg);

/* The digest of data in bank alg, computed with OpenSSL.  0 or -EINVAL
 * (an algorithm we cannot compute), -ENOMEM. */
int cfs_tpm_hash(uint16_t alg, const void *data, size_t len, struct cfs_tpm_digest *out);
/* data hashed in every bank of banks (n algorithms). */
int cfs_tpm_hash_banks(const uint16_t *banks, size_t n, const void *data, size_t len,
		       struct cfs_tpm_digests *out);
/* What TPM2_PCR_Extend does to a PCR: pcr = H(pcr || digest). */
int cfs_tpm_extend_value(struct cfs_tpm_digest *pcr, const struct cfs_tpm_digest *digest);
/* The value of a PCR after TPM2_Startup(CLEAR): zeros, except PCRs 17-22,
 * which start with all bits set until a dynamic launch resets them. */
void cfs_tpm_initial_value(unsigned int pcr, uint16_t alg, struct cfs_tpm_digest *out);

#endif
