/* SPDX-License-Identifier: MIT */
/* The anti-rollback floor in a TPM NV counter (tpm_floor.c). */
#ifndef CFS_TPM_FLOOR_H
#define CFS_TPM_FLOOR_H

#include <stdint.h>

#include "lib/tpm/tpm.h"

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

#endif
