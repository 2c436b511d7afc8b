// SPDX-License-Identifier: MIT
/* The anti-rollback floor: an NV counter (docs/measurement.md). */
#include "lib/tpm/tpm_floor.h"

#include "lib/tpm/tpm_priv.h"

#include <stdio.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

enum floor_state {
	FLOOR_ABSENT,
	FLOOR_UNWRITTEN,
	FLOOR_WRITTEN,
	FLOOR_FOREIGN,
};

/* The public area of our counter, as cfsboot defines it. */
static TPM2B_NV_PUBLIC floor_public(bool written)
{
	return (TPM2B_NV_PUBLIC){
		.nvPublic = {
			.nvIndex = CFS_TPM_FLOOR_INDEX,
			.nameAlg = TPM2_ALG_SHA256,
			.attributes = CFS_TPM_FLOOR_ATTRIBUTES | (written ? TPMA_NV_WRITTEN : 0),
			.authPolicy = { .size = 0 },
			.dataSize = sizeof(uint64_t),
		},
	};
}

/* The TPM's name of that public area: the name algorithm, then the
 * digest of the marshalled area.  Comparing names checks every field at
 * once, without asking the TPM for the area itself. */
static int floor_name(bool written, TPM2B_NAME *name)
{
	TPM2B_NV_PUBLIC pub = floor_public(written);
	struct cfs_tpm_digest d;
	uint8_t buf[sizeof(TPMS_NV_PUBLIC)];
	size_t len = 0;
	int r;

	if (Tss2_MU_TPMS_NV_PUBLIC_Marshal(&pub.nvPublic, buf, sizeof(buf), &len) != TSS2_RC_SUCCESS)
		return log_errno(-EINVAL, "internal error: cannot marshal the floor's public area");
	r = cfs_tpm_hash(TPM2_ALG_SHA256, buf, len, &d);
	if (r < 0)
		return r;
	name->size = (UINT16)(2 + d.size);
	name->name[0] = TPM2_ALG_SHA256 >> 8;
	name->name[1] = TPM2_ALG_SHA256 & 0xff;
	memcpy(name->name + 2, d.bytes, d.size);
	return 0;
}

static bool same_name(const TPM2B_NAME *a, const TPM2B_NAME *b)
{
	return a->size == b->size && memcmp(a->name, b->name, a->size) == 0;
}

/* Finds the floor's index; *tr is set (close it) unless it is absent. */
static int floor_lookup(struct cfs_tpm *t, ESYS_TR *tr, enum floor_state *state)
{
	TPM2B_NAME *name = NULL, written, unwritten;
	unsigned int attempt = 0;
	TSS2_RC rc;
	int r;

	do
		rc = Esys_TR_FromTPMPublic(t->esys, CFS_TPM_FLOOR_INDEX, ESYS_TR_NONE, ESYS_TR_NONE,
					   ESYS_TR_NONE, tr);
	while (tpm_again(t, rc, &attempt));
	if (tpm_rc_base(rc) == TPM2_RC_HANDLE) {
		*state = FLOOR_ABSENT;
		return 0;
	}
	if (rc != TSS2_RC_SUCCESS)
		return tpm_failed(t, rc, "looking up the anti-rollback index");

	r = floor_name(true, &written);
	if (r == 0)
		r = floor_name(false, &unwritten);
	if (r == 0 && Esys_TR_GetName(t->esys, *tr, &name) != TSS2_RC_SUCCESS)
		r = log_oom();
	if (r < 0) {
		Esys_TR_Close(t->esys, tr);
		return r;
	}
	*state = same_name(name, &written)   ? FLOOR_WRITTEN :
		 same_name(name, &unwritten) ? FLOOR_UNWRITTEN : FLOOR_FOREIGN;
	Esys_Free(name);
	return 0;
}

static int floor_value(struct cfs_tpm *t, ESYS_TR tr, uint64_t *value)
{
	TPM2B_MAX_NV_BUFFER *data = NULL;
	unsigned int attempt = 0;
	TSS2_RC rc;

	do
		rc = Esys_NV_Read(t->esys, tr, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				  sizeof(uint64_t), 0, &data);
	while (tpm_again(t, rc, &attempt));
	/* Our public area, but not our empty password: someone defined the
	 * index with a password of their own.  The name check ensures that
	 * it has NO_DA, so this attempt never counts toward a lockout.  Not
	 * logged: the caller says what it means. */
	if (tpm_rc_base(rc) == TPM2_RC_BAD_AUTH || tpm_rc_base(rc) == TPM2_RC_AUTH_FAIL)
		return -EBADSLT;
	if (rc != TSS2_RC_SUCCESS)
		return tpm_failed(t, rc, "reading the anti-rollback counter");
	if (data->size != sizeof(uint64_t)) {
		Esys_Free(data);
		return log_errno(-EIO, "the TPM %s returned %u bytes of an 8-byte counter",
				 t->name, data->size);
	}
	/* TPM integers are big-endian. */
	*value = 0;
	for (size_t i = 0; i < sizeof(uint64_t); i++)
		*value = *value << 8 | data->buffer[i];
	Esys_Free(data);
	return 0;
}

/* Reads the floor; *tr is left open for floor_raise() (closed by caller). */
static int floor_get(struct cfs_tpm *t, ESYS_TR *tr, enum floor_state *state, uint64_t *floor)
{
	int r = floor_lookup(t, tr, state);

	if (r < 0)
		return r;
	*floor = 0;
	if (*state != FLOOR_WRITTEN)
		return 0;
	r = floor_value(t, *tr, floor);
	if (r == -EBADSLT) {
		log_debug("the index %#x has the public area of cfsboot's counter but another "
			  "password", CFS_TPM_FLOOR_INDEX);
		*state = FLOOR_FOREIGN;
		*floor = 0;
		return 0;
	}
	return r;
}

int cfs_tpm_floor_read(struct cfs_tpm *t, uint64_t *floor)
{
	uint64_t start = cfs_now_usec();
	enum floor_state state;
	ESYS_TR tr = ESYS_TR_NONE;
	int r;

	r = floor_get(t, &tr, &state, floor);
	if (tr != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &tr);
	t->stats.usec += cfs_now_usec() - start;
	if (r < 0)
		return r;
	switch (state) {
	case FLOOR_ABSENT:
		return log_debug_errno(-ENOENT, "the TPM %s has no index %#x", t->name,
				       CFS_TPM_FLOOR_INDEX);
	case FLOOR_UNWRITTEN:
		return log_debug_errno(-ENODATA, "the anti-rollback counter %#x was never "
				       "incremented", CFS_TPM_FLOOR_INDEX);
	case FLOOR_FOREIGN:
		return log_debug_errno(-EBADSLT, "the index %#x is not cfsboot's counter",
				       CFS_TPM_FLOOR_INDEX);
	case FLOOR_WRITTEN:
		break;
	}
	return 0;
}

static int describe(struct cfs_tpm *t, ESYS_TR tr, char *buf, size_t size)
{
	const TPM2B_NV_PUBLIC ours = floor_public(true);
	TPM2B_NV_PUBLIC *pub = NULL;
	TPM2B_NAME *name = NULL;
	unsigned int attempt = 0;
	const TPMS_NV_PUBLIC *p;
	TSS2_RC rc;

	do
		rc = Esys_NV_ReadPublic(t->esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub,
					&name);
	while (tpm_again(t, rc, &attempt));
	if (rc != TSS2_RC_SUCCESS) {
		snprintf(buf, size, "its public area unreadable");
		return tpm_failed(t, rc, "reading the public area of the index at the floor's handle");
	}
	p = &pub->nvPublic;
	if (p->attributes == ours.nvPublic.attributes && p->dataSize == ours.nvPublic.dataSize &&
	    p->nameAlg == ours.nvPublic.nameAlg && p->authPolicy.size == 0)
		snprintf(buf, size, "the counter's public area, but a password other than the "
			 "empty one");
	else
		snprintf(buf, size, "attributes %#010x, %u bytes, name algorithm %#06x, %s; "
			 "cfsboot's counter has attributes %#010x, 8 bytes, SHA-256 (0x000b), no "
			 "policy", p->attributes, p->dataSize, p->nameAlg,
			 p->authPolicy.size ? "an authorization policy" : "no policy",
			 ours.nvPublic.attributes);
	Esys_Free(pub);
	Esys_Free(name);
	return 0;
}

int cfs_tpm_floor_describe(struct cfs_tpm *t, char *buf, size_t size)
{
	uint64_t start = cfs_now_usec();
	ESYS_TR tr = ESYS_TR_NONE;
	unsigned int attempt = 0;
	TSS2_RC rc;
	int r;

	do
		rc = Esys_TR_FromTPMPublic(t->esys, CFS_TPM_FLOOR_INDEX, ESYS_TR_NONE, ESYS_TR_NONE,
					   ESYS_TR_NONE, &tr);
	while (tpm_again(t, rc, &attempt));
	if (rc != TSS2_RC_SUCCESS) {
		snprintf(buf, size, "its public area unreadable");
		r = tpm_failed(t, rc, "looking up the anti-rollback index");
	} else {
		r = describe(t, tr, buf, size);
		Esys_TR_Close(t->esys, &tr);
	}
	t->stats.usec += cfs_now_usec() - start;
	return r;
}

static int floor_define(struct cfs_tpm *t, ESYS_TR *tr)
{
	TPM2B_NV_PUBLIC pub = floor_public(false);
	TPM2B_AUTH auth = { .size = 0 };
	unsigned int attempt = 0;
	TSS2_RC rc;

	do
		rc = Esys_NV_DefineSpace(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
					 ESYS_TR_NONE, &auth, &pub, tr);
	while (tpm_again(t, rc, &attempt));
	if (tpm_rc_base(rc) == TPM2_RC_BAD_AUTH || tpm_rc_base(rc) == TPM2_RC_AUTH_FAIL)
		return log_errno(-EACCES, "cannot create the anti-rollback counter %#x: the TPM's "
				 "owner hierarchy has a password; create it with tpm2_nvdefine "
				 "(docs/measurement.md) and run this again", CFS_TPM_FLOOR_INDEX);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_failed(t, rc, "creating the anti-rollback counter");
	return 0;
}

static int floor_undefine(struct cfs_tpm *t, ESYS_TR *tr)
{
	unsigned int attempt = 0;
	TSS2_RC rc;

	do
		rc = Esys_NV_UndefineSpace(t->esys, ESYS_TR_RH_OWNER, *tr, ESYS_TR_PASSWORD,
					   ESYS_TR_NONE, ESYS_TR_NONE);
	while (tpm_again(t, rc, &attempt));
	if (rc != TSS2_RC_SUCCESS)
		return tpm_failed(t, rc, "deleting the anti-rollback counter again");
	*tr = ESYS_TR_NONE;
	return 0;
}

static int floor_increment(struct cfs_tpm *t, ESYS_TR tr)
{
	unsigned int attempt = 0;
	TSS2_RC rc;

	do
		rc = Esys_NV_Increment(t->esys, tr, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
	while (tpm_again(t, rc, &attempt));
	if (rc != TSS2_RC_SUCCESS)
		return tpm_failed(t, rc, "incrementing the anti-rollback counter");
	return 0;
}

/*
 * The first increment of a counter sets it above every counter the TPM
 * ever held; from there it can only go up.  When that start is already
 * beyond version the new counter would refuse the running image, so it
 * goes again.
 */
static int floor_first_write(struct cfs_tpm *t, ESYS_TR *tr, uint64_t version, uint64_t *floor)
{
	int r = floor_increment(t, *tr);

	if (r == 0)
		r = floor_value(t, *tr, floor);
	if (r < 0 || *floor <= version)
		return r;
	r = floor_undefine(t, tr);
	if (r < 0)
		return r;
	return log_errno(-ERANGE, "a new counter on the TPM %s starts at %llu, above version %llu "
			 "(a counter never starts below the highest value any counter reached); "
			 "deleted it again: security versions on this TPM must be at least %llu",
			 t->name, (unsigned long long)*floor, (unsigned long long)version,
			 (unsigned long long)*floor + 1);
}

static int floor_raise(struct cfs_tpm *t, ESYS_TR *tr, uint64_t version, uint64_t *before)
{
	enum floor_state state;
	uint64_t floor;
	int r;

	r = floor_get(t, tr, &state, &floor);
	if (r < 0)
		return r;
	*before = floor;
	if (state == FLOOR_FOREIGN)
		return log_errno(-EBADSLT, "the TPM %s holds an index %#x that is not cfsboot's "
				 "anti-rollback counter (other attributes, size, policy or password); "
				 "leaving it alone", t->name, CFS_TPM_FLOOR_INDEX);
	if (floor > version)
		return log_errno(-EPERM, "refusing to lower the anti-rollback floor from %llu to "
				 "%llu: it only rises", (unsigned long long)floor,
				 (unsigned long long)version);
	if (state != FLOOR_WRITTEN && version == 0)
		return 0;      /* 0 is below every image: no counter needed */
	if (state == FLOOR_ABSENT) {
		r = floor_define(t, tr);
		if (r < 0)
			return r;
		state = FLOOR_UNWRITTEN;
	}
	if (state == FLOOR_UNWRITTEN) {
		r = floor_first_write(t, tr, version, &floor);
		if (r < 0)
			return r;
	}
	if (version - floor > CFS_TPM_FLOOR_MAX_STEP)
		return log_errno(-E2BIG, "raising the anti-rollback floor from %llu to %llu takes "
				 "%llu increments of the TPM counter; more than %d are refused "
				 "(security versions are meant to rise by one per security fix)",
				 (unsigned long long)floor, (unsigned long long)version,
				 (unsigned long long)(version - floor), CFS_TPM_FLOOR_MAX_STEP);
	for (; floor < version; floor++) {
		r = floor_increment(t, *tr);
		if (r < 0)
			return r;
	}
	/* Read back: what the next boot will see. */
	r = floor_value(t, *tr, &floor);
	if (r < 0)
		return r;
	if (floor != version)
		return log_errno(-EIO, "the anti-rollback counter reads %llu after raising it to "
				 "%llu: something else increments it", (unsigned long long)floor,
				 (unsigned long long)version);
	return 0;
}

int cfs_tpm_floor_raise(struct cfs_tpm *t, uint64_t version, uint64_t *before)
{
	uint64_t start = cfs_now_usec();
	ESYS_TR tr = ESYS_TR_NONE;
	int r;

	r = floor_raise(t, &tr, version, before);
	if (tr != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &tr);
	t->stats.usec += cfs_now_usec() - start;
	return r;
}
