/* SPDX-License-Identifier: MIT */
/*
 * The TPM, as cfs-pivot and `cfsboot tpm` use it: open the device a policy
 * names, find the active PCR banks, extend one event into every bank, read
 * PCRs back, and keep the anti-rollback floor in an NV counter
 * (docs/measurement.md).
 *
 * ESAPI (tpm2-tss) is driven with a TCTI we create ourselves, never through
 * the TCTI loader, so that a static binary needs no dlopen().  Transient
 * answers (RETRY, YIELDED, TESTING, NV rate limiting) are retried with a
 * bounded back-off; anything else is one logged error.
 *
 * Digests are computed in user space with OpenSSL, as systemd does, so
 * that the same bytes go to the TPM and into the measurement log.
 */
#ifndef CFS_TPM_H
#define CFS_TPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFS_TPM_PCRS        24  /* PCRs of a PC-client TPM */
#define CFS_TPM_MAX_BANKS   8   /* a PCR_Read answer holds at most 8 digests */
#define CFS_TPM_MAX_DIGEST  64  /* SHA-512 */
#define CFS_TPM_HEX_MAX     (2 * CFS_TPM_MAX_DIGEST + 1)

/*
 * The anti-rollback floor: an NV counter in the owner hierarchy's range of
 * handles that the TCG registry leaves unassigned (0x01800000-0x01BFFFFF),
 * read with an empty index password, raised with TPM2_NV_Increment only.
 * docs/measurement.md explains the choice of every attribute.
 */
#define CFS_TPM_FLOOR_INDEX UINT32_C(0x0180CF5B)
/* TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD | TPMA_NV_NO_DA | TPM2_NT_COUNTER */
#define CFS_TPM_FLOOR_ATTRIBUTES UINT32_C(0x02040014)
/* Increments one commit may issue: each is an NV write. */
#define CFS_TPM_FLOOR_MAX_STEP 1024

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

struct cfs_tpm;

/*
 * Opens the TPM named by device:
 *   "auto"                 /dev/tpmrm0 (the kernel's resource manager), else /dev/tpm0
 *   "/dev/..."             that character device
 *   "swtpm:host=H,port=P"  a software TPM over TCP (tests)
 *   "swtpm:path=SOCKET"    a software TPM over a Unix socket (tests)
 * and makes sure it is started.  Returns 0, -ENODEV when no such device
 * exists (not logged: whether that matters is the caller's policy), or
 * another negative errno after logging why the TPM is unusable.
 */
int cfs_tpm_open(const char *device, struct cfs_tpm **out);

/*
 * Waits up to timeout_usec for the TPM named by device to appear: its
 * device node ("auto": /dev/tpmrm0 or /dev/tpm0), or the socket of
 * swtpm:path=.  A TPM driver may probe after the initramfs started, and
 * looking once would take a TPM that is merely late for one that is not
 * there.  Polls every 10 ms.  Returns 0 once it is there, -ENODEV when it
 * is not by the deadline; *waited_usec is the time spent.  Not logged.
 * swtpm over TCP is never waited for: cfs_tpm_open() says if it is down.
 */
int cfs_tpm_wait(const char *device, uint64_t timeout_usec, uint64_t *waited_usec);
void cfs_tpm_close(struct cfs_tpm *t);
/* The device actually opened, for messages ("/dev/tpmrm0"). */
const char *cfs_tpm_name(const struct cfs_tpm *t);

/*
 * The banks to measure into: every bank with all 24 PCRs allocated whose
 * hash we can compute, as TPM2_CAP_PCRS reports them (asked once, then
 * remembered).  A bank we cannot compute is skipped with a warning.
 * *banks points into t.  0 or a negative errno; -ENOMEDIUM when no bank
 * is usable.
 */
int cfs_tpm_banks(struct cfs_tpm *t, const uint16_t **banks, size_t *n);

/*
 * TPM2_PCR_Extend of pcr with one digest per bank, in one command.
 * Returns 0; -EREMOTEIO when the TPM answered with an error, so the PCR is
 * unchanged; -EIO when no answer came, so whether it changed is unknown.
 * Both are logged.
 */
int cfs_tpm_extend(struct cfs_tpm *t, unsigned int pcr, const struct cfs_tpm_digests *d);

/* The value of pcr in every bank of cfs_tpm_banks(), in that order. */
int cfs_tpm_pcr_read(struct cfs_tpm *t, unsigned int pcr, struct cfs_tpm_digests *out);

/*
 * Reads the anti-rollback floor.  Returns 0 with *floor set, or (logged
 * only at debug level, the caller decides what each means):
 *   -ENOENT   no index at CFS_TPM_FLOOR_INDEX
 *   -ENODATA  the counter is defined but was never incremented
 *   -EBADSLT  something else holds the handle: other attributes, size,
 *             name algorithm or an authorization policy, or our public
 *             area with a password other than the empty one; never
 *             trusted
 * or another negative errno when the TPM fails (logged).
 */
int cfs_tpm_floor_read(struct cfs_tpm *t, uint64_t *floor);

/*
 * After -EBADSLT: what the handle holds instead, from its public area,
 * for the message that refuses it ("attributes 0x22040004, 8 bytes, name
 * algorithm 0x000b, an authorization policy").  An index with exactly the
 * counter's public area has a password of its own, and is described so.
 * Always fills buf; 0, or a negative errno when the TPM did not say.
 */
int cfs_tpm_floor_describe(struct cfs_tpm *t, char *buf, size_t size);

/*
 * Raises the floor to version: defines the counter when it is missing
 * (owner authorization, which must be empty), then increments it until it
 * holds version.  Never lowers it: a floor above version is -EPERM.  A new
 * counter starts above every counter this TPM ever held, so when that is
 * above version the counter is deleted again and -ERANGE returned.  A raise
 * of more than CFS_TPM_FLOOR_MAX_STEP is -E2BIG.  All logged.  *before is
 * the floor found (0 for none).
 */
int cfs_tpm_floor_raise(struct cfs_tpm *t, uint64_t version, uint64_t *before);

/* TPM commands issued through t, and the wall time from sending each to
 * having its answer (ESAPI's marshalling included, opening the TCTI not). */
struct cfs_tpm_stats {
	unsigned int commands;
	uint64_t usec;
};
void cfs_tpm_get_stats(const struct cfs_tpm *t, struct cfs_tpm_stats *out);

#endif
