// SPDX-License-Identifier: MIT
/* Opening the TPM, sending it commands, and its PCRs. */
#include "lib/tpm/tpm_priv.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tss2/tss2_rc.h>
#include <tss2/tss2_tcti_device.h>
#include <tss2/tss2_tcti_swtpm.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

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

bool tpm_again(struct cfs_tpm *t, TSS2_RC rc, unsigned int *attempt)
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

int tpm_failed(const struct cfs_tpm *t, TSS2_RC rc, const char *what)
{
	if (rc == TSS2_ESYS_RC_MEMORY)
		return log_oom();
	if (tpm_answered(rc))
		return log_errno(-EREMOTEIO, "%s: the TPM %s refused: %s", what, t->name,
				 Tss2_RC_Decode(rc));
	return log_errno(-EIO, "%s: no valid answer from the TPM %s: %s", what, t->name,
			 Tss2_RC_Decode(rc));
}

TSS2_RC tpm_rc_base(TSS2_RC rc)
{
	return (rc & TPM2_RC_FMT1) ? rc & (TPM2_RC_FMT1 | 0x3f) : rc;
}

/* --- opening -------------------------------------------------------- */

#define TPM_RM_NODE  "/dev/tpmrm0"
#define TPM_RAW_NODE "/dev/tpm0"
#define SWTPM_PATH   "swtpm:path="

/* Whether path exists.  An error other than ENOENT says yes, so that
 * opening it reports that error instead of "no TPM". */
static bool node_there(const char *path)
{
	return access(path, F_OK) == 0 || errno != ENOENT;
}

static bool device_there(const char *device)
{
	if (strcmp(device, "auto") == 0)
		return node_there(TPM_RM_NODE) || node_there(TPM_RAW_NODE);
	if (strncmp(device, SWTPM_PATH, strlen(SWTPM_PATH)) == 0)
		return node_there(device + strlen(SWTPM_PATH));
	if (strncmp(device, "swtpm:", strlen("swtpm:")) == 0)
		return true;
	return node_there(device);
}

#define WAIT_POLL_USEC 10000u

int cfs_tpm_wait(const char *device, uint64_t timeout_usec, uint64_t *waited_usec)
{
	uint64_t start = cfs_now_usec(), waited = 0;

	while (!device_there(device)) {
		if (waited >= timeout_usec) {
			*waited_usec = waited;
			return -ENODEV;
		}
		usleep((useconds_t)MIN(WAIT_POLL_USEC, timeout_usec - waited));
		waited = cfs_now_usec() - start;
	}
	*waited_usec = waited;
	return 0;
}

static int tcti_device(struct cfs_tpm *t, const char *device)
{
	struct stat st;
	size_t size = 0;
	TSS2_RC rc;

	if (strcmp(device, "auto") == 0)
		device = node_there(TPM_RM_NODE) ? TPM_RM_NODE : TPM_RAW_NODE;
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

	/* A socket that is not there is no TPM, as a missing device node is. */
	if (strncmp(device, SWTPM_PATH, strlen(SWTPM_PATH)) == 0 &&
	    !node_there(device + strlen(SWTPM_PATH)))
		return -ENODEV;
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
	uint64_t start = cfs_now_usec();
	unsigned int attempt = 0;
	TSS2_RC rc;

	do
		rc = Esys_Startup(t->esys, TPM2_SU_CLEAR);
	while (tpm_again(t, rc, &attempt));
	t->stats.usec += cfs_now_usec() - start;
	if (rc != TSS2_RC_SUCCESS && tpm_rc_base(rc) != TPM2_RC_INITIALIZE)
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
	while (tpm_again(t, rc, &attempt));
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
		uint64_t start = cfs_now_usec();
		int r = read_banks(t);

		t->stats.usec += cfs_now_usec() - start;
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
	uint64_t start = cfs_now_usec();
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
	while (tpm_again(t, rc, &attempt));
	t->stats.usec += cfs_now_usec() - start;
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

	start = cfs_now_usec();
	do
		rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel,
				   &update_counter, &sel_out, &values);
	while (tpm_again(t, rc, &attempt));
	t->stats.usec += cfs_now_usec() - start;
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
