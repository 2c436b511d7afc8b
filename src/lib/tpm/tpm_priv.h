/* SPDX-License-Identifier: MIT */
/*
 * What the parts of the TPM code share: the handle, and how a command is
 * sent (counted, timed, retried while the TPM asks for it) and how its
 * failure is reported.
 */
#ifndef CFS_TPM_PRIV_H
#define CFS_TPM_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#include "lib/tpm/tpm.h"

struct cfs_tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	char *name;
	uint16_t banks[CFS_TPM_MAX_BANKS];
	size_t n_banks;
	bool have_banks;
	struct cfs_tpm_stats stats;
};

/*
 * Called after each attempt at a command, as the condition of its loop:
 *
 *	do
 *		rc = Esys_Something(t->esys, ...);
 *	while (tpm_again(t, rc, &attempt));
 *
 * Counts the command and, when the answer was transient and attempts are
 * left, waits before saying to send it again.
 */
bool tpm_again(struct cfs_tpm *t, TSS2_RC rc, unsigned int *attempt);

/*
 * Logs a failed command, "WHAT: the TPM NAME refused: REASON" or "...: no
 * valid answer from the TPM NAME: REASON".  An error code from the TPM
 * itself means the command had no effect (-EREMOTEIO); a failure below it
 * (the transport, a malformed answer) leaves its effect unknown (-EIO).
 */
int tpm_failed(const struct cfs_tpm *t, TSS2_RC rc, const char *what);

/* A response code without the number of the handle, session or parameter
 * a format-one code carries. */
TSS2_RC tpm_rc_base(TSS2_RC rc);

#endif
