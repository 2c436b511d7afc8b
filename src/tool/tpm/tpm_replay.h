/* SPDX-License-Identifier: MIT */
/*
 * Replaying the measurement log: what a PCR must hold if the log is the
 * whole story of it since the TPM started, computed bank by bank as
 * systemd-pcrlock does, with the checks a verifier makes on each record.
 */
#ifndef CFSBOOT_TPM_REPLAY_H
#define CFSBOOT_TPM_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/tpm/measure_log.h"
#include "lib/tpm/tpm.h"

struct tpm_replay {
	unsigned int pcr;
	size_t records;                        /* records of this PCR */
	struct cfs_tpm_digests value;          /* one per bank asked for, in that order */
	bool complete[CFS_TPM_MAX_BANKS];      /* every record had a digest of that bank */
	bool content_ok;                       /* every "systemd" record's digests are those of its string */
};

/*
 * Extends the initial value of pcr, in each of the n banks, with the
 * digest of every record of pcr, in log order.  A record without a digest
 * of a bank, and a record of content_type "systemd" whose digests are not
 * the digests of its content string, are logged (naming the record) and
 * noted in out.  Returns 0 or -ENOMEM.
 */
int tpm_replay_pcr(const struct cfs_measure_records *recs, unsigned int pcr,
		   const uint16_t *banks, size_t n, struct tpm_replay *out);

#endif
