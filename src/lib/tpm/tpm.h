/* SPDX-License-Identifier: MIT */
/*
 * The TPM, as cfs-pivot and `cfsboot tpm` use it: open the device a policy
 * names, find the active PCR banks, extend one event into every bank, read
 * PCRs back (tpm.c), and keep the anti-rollback floor in an NV counter
 * (tpm_floor.h, docs/measurement.md).
 *
 * ESAPI (tpm2-tss) is driven with a TCTI we create ourselves, never through
 * the TCTI loader, so that a static binary needs no dlopen().  Transient
 * answers (RETRY, YIELDED, TESTING, NV rate limiting) are retried with a
 * bounded back-off; anything else is one logged error.
 *
 * Digests are computed in user space with OpenSSL (tpm_digest.h).
 */
#ifndef CFS_TPM_H
#define CFS_TPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFS_TPM_PCRS        24  /* PCRs of a PC-client TPM */

#include "lib/tpm/tpm_digest.h"

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

/* TPM commands issued through t, and the wall time from sending each to
 * having its answer (ESAPI's marshalling included, opening the TCTI not). */
struct cfs_tpm_stats {
	unsigned int commands;
	uint64_t usec;
};
void cfs_tpm_get_stats(const struct cfs_tpm *t, struct cfs_tpm_stats *out);

#endif
