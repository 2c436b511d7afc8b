// SPDX-License-Identifier: MIT
#include "tpm.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tcti_device.h>
#include <tss2/tss2_tcti_swtpm.h>

#include "log.h"
#include "util.h"

/*
 * Transient answers are asked again after 10 ms, doubling up to 500 ms, at
 * most this many times: about 2.6 s in all, longer than a TPM's self-test
 * takes.  ESAPI resubmits RETRY, YIELDED and TESTING itself a few times,
 * but without waiting, so a TPM busy for more than microseconds would
 * otherwise fail the command.
 */
#define RETRY_MAX        10
#define RETRY_FIRST_USEC 10000u
#define RETRY_MAX_USEC   500000u

struct cfs_tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	char *name;
	uint16_t banks[CFS_TPM_MAX_BANKS];
	size_t n_banks;
	bool have_banks;
	struct cfs_tpm_stats stats;
};

/* --- digests -------------------------------------------------------- */

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

/* --- talking to the TPM --------------------------------------------- */

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The TPM asks to be asked again: busy, testing itself, or holding back NV
 * writes to spare its memory. */
static bool transient(TSS2_RC rc)
{
	switch (rc) {
	case TPM2_RC_RETRY:
	case TPM2_RC_YIELDED:
	case TPM2_RC_TESTING:
	case TPM2_RC_NV_RATE:
	case TPM2_RC_NV_UNAVAILABLE:
		return true;
	}
	return false;
}

/*
 * Called after each attempt at a command: counts it and, when the answer
 * was transient and attempts are left, waits before the next one.
 */
static bool again(struct cfs_tpm *t, TSS2_RC rc, unsigned int *attempt)
{
	t->stats.commands++;
	if (!transient(rc) || *attempt >= RETRY_MAX)
		return false;
	usleep(MIN(RETRY_FIRST_USEC << *attempt, RETRY_MAX_USEC));
	(*attempt)++;
	return true;
}

static bool tpm_answered(TSS2_RC rc)
{
	return (rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER;
}

/*
 * Logs a failed command.  An error code from the TPM itself means the
 * command had no effect (-EREMOTEIO); a failure below it (the transport,
 * a malformed answer) leaves its effect unknown (-EIO).
 */
static int tpm_failed(const struct cfs_tpm *t, TSS2_RC rc, const char *what)
{
	if (rc == TSS2_ESYS_RC_MEMORY)
		return log_oom();
	if (tpm_answered(rc))
		return log_errno(-EREMOTEIO, "%s: the TPM %s refused: %s", what, t->name,
				 Tss2_RC_Decode(rc));
	return log_errno(-EIO, "%s: no valid answer from the TPM %s: %s", what, t->name,
			 Tss2_RC_Decode(rc));
}

/* Format-one response codes carry the number of the handle, session or
 * parameter they are about; this is the error without it. */
static TSS2_RC rc_base(TSS2_RC rc)
{
	return (rc & TPM2_RC_FMT1) ? rc & (TPM2_RC_FMT1 | 0x3f) : rc;
}

/* --- opening -------------------------------------------------------- */

static int tcti_device(struct cfs_tpm *t, const char *device)
{
	struct stat st;
	size_t size = 0;
	TSS2_RC rc;

	if (strcmp(device, "auto") == 0)
		device = access("/dev/tpmrm0", F_OK) == 0 ? "/dev/tpmrm0" : "/dev/tpm0";
	if (stat(device, &st) < 0) {
		if (errno == ENOENT)
			return -ENODEV;
		return log_errno(-errno, "cannot look at the TPM device %s: %m", device);
	}
	if (!S_ISCHR(st.st_mode))
		return log_errno(-ENOTTY, "%s is not a character device, so not a TPM", device);
	/* The TCTI says only "I/O error"; this says why. */
	if (access(device, R_OK | W_OK) < 0)
		return log_errno(-errno, "cannot open the TPM device %s: %m", device);
	t->name = strdup(device);
	if (!t->name)
		return log_oom();

	rc = Tss2_Tcti_Device_Init(NULL, &size, device);
	if (rc == TSS2_RC_SUCCESS) {
		t->tcti = calloc(1, size);
		if (!t->tcti)
			return log_oom();
		rc = Tss2_Tcti_Device_Init(t->tcti, &size, device);
	}
	if (rc != TSS2_RC_SUCCESS) {
		free(t->tcti);
		t->tcti = NULL;
		return log_errno(-EIO, "cannot open the TPM device %s: %s", device,
				 Tss2_RC_Decode(rc));
	}
	return 0;
}

static int tcti_swtpm(struct cfs_tpm *t, const char *device)
{
	const char *conf = device + strlen("swtpm:");
	size_t size = 0;
	TSS2_RC rc;

	t->name = strdup(device);
	if (!t->name)
		return log_oom();
	rc = Tss2_Tcti_Swtpm_Init(NULL, &size, conf);
	if (rc == TSS2_RC_SUCCESS) {
		t->tcti = calloc(1, size);
		if (!t->tcti)
			return log_oom();
		rc = Tss2_Tcti_Swtpm_Init(t->tcti, &size, conf);
	}
	if (rc != TSS2_RC_SUCCESS) {
		free(t->tcti);
		t->tcti = NULL;
		return log_errno(-EIO, "cannot reach the software TPM %s: %s", device,
				 Tss2_RC_Decode(rc));
	}
	return 0;
}

/* Firmware or the kernel normally started the TPM already, and it says so;
 * a software TPM or a bare platform may need it. */
static int startup(struct cfs_tpm *t)
{
	uint64_t start = now_usec();
	unsigned int attempt = 0;
	TSS2_RC rc;

	do
		rc = Esys_Startup(t->esys, TPM2_SU_CLEAR);
	while (again(t, rc, &attempt));
	t->stats.usec += now_usec() - start;
	if (rc != TSS2_RC_SUCCESS && rc_base(rc) != TPM2_RC_INITIALIZE)
		return tpm_failed(t, rc, "TPM2_Startup");
	return 0;
}

void cfs_tpm_close(struct cfs_tpm *t)
{
	if (!t)
		return;
	if (t->esys)
		Esys_Finalize(&t->esys);
	/* Esys_Finalize() leaves a TCTI it was given to its owner. */
	if (t->tcti) {
		Tss2_Tcti_Finalize(t->tcti);
		free(t->tcti);
	}
	free(t->name);
	free(t);
}

static void cfs_tpm_closep(struct cfs_tpm **t)
{
	cfs_tpm_close(*t);
}

int cfs_tpm_open(const char *device, struct cfs_tpm **out)
{
	_cleanup_(cfs_tpm_closep) struct cfs_tpm *t = NULL;
	TSS2_RC rc;
	int r;

	/* ESAPI prints its own warnings, several lines per failure and some
	 * for errors we expect; we say what failed in one line instead.
	 * TSS2_LOG set by the user still wins. */
	setenv("TSS2_LOG", "all+none", 0);

	t = calloc(1, sizeof(*t));
	if (!t)
		return log_oom();
	if (strncmp(device, "swtpm:", strlen("swtpm:")) == 0)
		r = tcti_swtpm(t, device);
	else
		r = tcti_device(t, device);
	if (r < 0)
		return r;

	rc = Esys_Initialize(&t->esys, t->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_failed(t, rc, "starting ESAPI");
	r = startup(t);
	if (r < 0)
		return r;
	*out = TAKE_PTR(t);
	return 0;
}

const char *cfs_tpm_name(const struct cfs_tpm *t)
{
	return t->name;
}

void cfs_tpm_get_stats(const struct cfs_tpm *t, struct cfs_tpm_stats *out)
{
	*out = t->stats;
}

/* --- PCRs ----------------------------------------------------------- */

/* A bank counts when all 24 PCRs are allocated in it, as systemd demands. */
static bool bank_complete(const TPMS_PCR_SELECTION *s)
{
	return s->sizeofSelect >= 3 && s->pcrSelect[0] == 0xff && s->pcrSelect[1] == 0xff &&
	       s->pcrSelect[2] == 0xff;
}

static int read_banks(struct cfs_tpm *t)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	const TPML_PCR_SELECTION *sel;
	unsigned int attempt = 0;
	TPMI_YES_NO more;
	TSS2_RC rc;

	do
		rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					TPM2_CAP_PCRS, 0, 1, &more, &cap);
	while (again(t, rc, &attempt));
	if (rc != TSS2_RC_SUCCESS)
		return tpm_failed(t, rc, "asking for the PCR banks");

	sel = &cap->data.assignedPCR;
	for (uint32_t i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++) {
		const TPMS_PCR_SELECTION *s = &sel->pcrSelections[i];

		if (!bank_complete(s))
			continue;
		if (!cfs_tpm_alg_size(s->hash)) {
			log_warning("the TPM %s has an active PCR bank of algorithm %#x, which cfsboot "
				    "cannot compute; that bank does not receive the measurement",
				    t->name, s->hash);
			continue;
		}
		if (t->n_banks == CFS_TPM_MAX_BANKS) {
			log_warning("the TPM %s has more than %d active PCR banks; bank %s does not "
				    "receive the measurement", t->name, CFS_TPM_MAX_BANKS,
				    cfs_tpm_alg_name(s->hash));
			continue;
		}
		t->banks[t->n_banks++] = s->hash;
	}
	Esys_Free(cap);
	if (t->n_banks == 0)
		return log_errno(-ENOMEDIUM, "the TPM %s has no active PCR bank of SHA-1 or SHA-2",
				 t->name);
	t->have_banks = true;
	return 0;
}

int cfs_tpm_banks(struct cfs_tpm *t, const uint16_t **banks, size_t *n)
{
	if (!t->have_banks) {
		uint64_t start = now_usec();
		int r = read_banks(t);

		t->stats.usec += now_usec() - start;
		if (r < 0)
			return r;
	}
	*banks = t->banks;
	*n = t->n_banks;
	return 0;
}

int cfs_tpm_extend(struct cfs_tpm *t, unsigned int pcr, const struct cfs_tpm_digests *d)
{
	TPML_DIGEST_VALUES values = { .count = (uint32_t)d->n };
	uint64_t start = now_usec();
	unsigned int attempt = 0;
	char what[32];
	TSS2_RC rc;

	if (pcr >= CFS_TPM_PCRS || d->n > CFS_TPM_MAX_BANKS)
		return -EINVAL;
	for (size_t i = 0; i < d->n; i++) {
		values.digests[i].hashAlg = d->d[i].alg;
		memcpy(&values.digests[i].digest, d->d[i].bytes, d->d[i].size);
	}
	do
		rc = Esys_PCR_Extend(t->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				     ESYS_TR_NONE, &values);
	while (again(t, rc, &attempt));
	t->stats.usec += now_usec() - start;
	if (rc != TSS2_RC_SUCCESS) {
		snprintf(what, sizeof(what), "extending PCR %u", pcr);
		return tpm_failed(t, rc, what);
	}
	return 0;
}

/* Finds bank alg's value in a PCR_Read answer for one PCR. */
static int pick_value(const TPML_PCR_SELECTION *sel, const TPML_DIGEST *values, uint16_t alg,
		      struct cfs_tpm_digest *out)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++) {
		bool any = false;

		for (uint8_t b = 0; b < sel->pcrSelections[i].sizeofSelect && b < 4; b++)
			any |= sel->pcrSelections[i].pcrSelect[b] != 0;
		if (!any)
			continue;
		if (k >= values->count)
			return -EBADMSG;
		if (sel->pcrSelections[i].hash == alg) {
			if (values->digests[k].size != cfs_tpm_alg_size(alg))
				return -EBADMSG;
			out->alg = alg;
			out->size = (uint8_t)values->digests[k].size;
			memcpy(out->bytes, values->digests[k].buffer, out->size);
			return 0;
		}
		k++;
	}
	return -ENOENT;
}

int cfs_tpm_pcr_read(struct cfs_tpm *t, unsigned int pcr, struct cfs_tpm_digests *out)
{
	TPML_PCR_SELECTION sel = { 0 }, *sel_out = NULL;
	TPML_DIGEST *values = NULL;
	const uint16_t *banks;
	unsigned int attempt = 0;
	uint32_t update_counter;
	uint64_t start;
	size_t n;
	TSS2_RC rc;
	int r;

	if (pcr >= CFS_TPM_PCRS)
		return -EINVAL;
	r = cfs_tpm_banks(t, &banks, &n);
	if (r < 0)
		return r;
	sel.count = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		sel.pcrSelections[i].hash = banks[i];
		sel.pcrSelections[i].sizeofSelect = 3;
		sel.pcrSelections[i].pcrSelect[pcr / 8] = (uint8_t)(1u << (pcr % 8));
	}

	start = now_usec();
	do
		rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel,
				   &update_counter, &sel_out, &values);
	while (again(t, rc, &attempt));
	t->stats.usec += now_usec() - start;
	if (rc != TSS2_RC_SUCCESS)
		return tpm_failed(t, rc, "reading a PCR");

	out->n = n;
	for (size_t i = 0; i < n && r == 0; i++)
		r = pick_value(sel_out, values, banks[i], &out->d[i]);
	Esys_Free(sel_out);
	Esys_Free(values);
	if (r < 0)
		return log_errno(-EIO, "the TPM %s did not return PCR %u of every active bank",
				 t->name, pcr);
	return 0;
}

/* --- the anti-rollback floor ---------------------------------------- */

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
	while (again(t, rc, &attempt));
	if (rc_base(rc) == TPM2_RC_HANDLE) {
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
	while (again(t, rc, &attempt));
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
	if (*state == FLOOR_WRITTEN)
		return floor_value(t, *tr, floor);
	return 0;
}

int cfs_tpm_floor_read(struct cfs_tpm *t, uint64_t *floor)
{
	uint64_t start = now_usec();
	enum floor_state state;
	ESYS_TR tr = ESYS_TR_NONE;
	int r;

	r = floor_get(t, &tr, &state, floor);
	if (tr != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &tr);
	t->stats.usec += now_usec() - start;
	if (r < 0)
		return r;
	switch (state) {
	case FLOOR_ABSENT:
		log_debug("the TPM %s has no index %#x", t->name, CFS_TPM_FLOOR_INDEX);
		return -ENOENT;
	case FLOOR_UNWRITTEN:
		log_debug("the anti-rollback counter %#x was never incremented", CFS_TPM_FLOOR_INDEX);
		return -ENODATA;
	case FLOOR_FOREIGN:
		log_debug("the index %#x is not cfsboot's counter", CFS_TPM_FLOOR_INDEX);
		return -EBADSLT;
	case FLOOR_WRITTEN:
		break;
	}
	return 0;
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
	while (again(t, rc, &attempt));
	if (rc_base(rc) == TPM2_RC_BAD_AUTH || rc_base(rc) == TPM2_RC_AUTH_FAIL)
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
	while (again(t, rc, &attempt));
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
	while (again(t, rc, &attempt));
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
				 "anti-rollback counter (other attributes, size or policy); "
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
	uint64_t start = now_usec();
	ESYS_TR tr = ESYS_TR_NONE;
	int r;

	r = floor_raise(t, &tr, version, before);
	if (tr != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &tr);
	t->stats.usec += now_usec() - start;
	return r;
}
