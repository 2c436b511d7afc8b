// SPDX-License-Identifier: MIT
#include "pivot/verify/measure.h"

#include <stdio.h>
#include <string.h>

#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/tpm/measure_log.h"
#include "lib/base/util.h"
#include "lib/tpm/tpm_floor.h"

static const char *const event_types[_PIVOT_EVENT_MAX] = {
	[PIVOT_EVENT_IMAGE]  = "composefs-image",
	[PIVOT_EVENT_SIGNER] = "composefs-signer",
	[PIVOT_EVENT_VERITY] = "composefs-verity",
	[PIVOT_EVENT_STATE]  = "composefs-state",
	[PIVOT_EVENT_INIT]   = "composefs-init",
};

const char *pivot_event_type(enum pivot_event e)
{
	return event_types[e];
}

int pivot_measure_word(const struct pivot_measurement *m, enum pivot_event e,
		       char word[PIVOT_WORD_MAX])
{
	char hex[PIVOT_DIGEST_HEX_MAX];
	int n = -1;

	switch (e) {
	case PIVOT_EVENT_IMAGE:
		if (!cfs_hash_name(m->digest.alg))
			return -EINVAL;
		pivot_digest_hex(&m->digest, hex);
		n = snprintf(word, PIVOT_WORD_MAX, "composefs-image:%s:%s",
			     cfs_hash_name(m->digest.alg), hex);
		break;
	case PIVOT_EVENT_SIGNER:
		if (!m->have_signer) {
			n = snprintf(word, PIVOT_WORD_MAX, "composefs-signer:none");
			break;
		}
		cfs_hex_encode(m->fingerprint, sizeof(m->fingerprint), hex);
		n = snprintf(word, PIVOT_WORD_MAX, "composefs-signer:%s:%llu", hex,
			     (unsigned long long)m->version);
		break;
	case PIVOT_EVENT_VERITY:
		if (!pivot_verity_to_string(m->verity))
			return -EINVAL;
		n = snprintf(word, PIVOT_WORD_MAX, "composefs-verity:%s",
			     pivot_verity_to_string(m->verity));
		break;
	case PIVOT_EVENT_STATE:
		/* What of the physical root the booted system sees: a sealed
		 * secret must not unseal under a configuration that lets more
		 * unverified state in. */
		if (!pivot_etc_to_string(m->etc) || !pivot_var_to_string(m->var))
			return -EINVAL;
		if (m->etc == PIVOT_ETC_TRANSIENT)
			n = snprintf(word, PIVOT_WORD_MAX, "composefs-state:etc=transient,keep=%zu;var=%s",
				     m->n_keep, pivot_var_to_string(m->var));
		else
			n = snprintf(word, PIVOT_WORD_MAX, "composefs-state:etc=%s;var=%s",
				     pivot_etc_to_string(m->etc), pivot_var_to_string(m->var));
		break;
	case PIVOT_EVENT_INIT:
		if (!m->init)
			return -EINVAL;
		n = snprintf(word, PIVOT_WORD_MAX, "composefs-init:%s", m->init);
		break;
	case _PIVOT_EVENT_MAX:
		break;
	}
	return n < 0 || n >= (int)PIVOT_WORD_MAX ? -EINVAL : 0;
}

/* The key that makes the anti-rollback counter necessary, or NULL.
 * tpm = required has always implied it; floor = required says so on its
 * own, for a device whose floor was provisioned. */
static const char *floor_required_by(const struct pivot_policy *p)
{
	if (p->floor == PIVOT_FLOOR_NEED_REQUIRED)
		return "floor";
	if (p->tpm == PIVOT_TPM_REQUIRED)
		return "tpm";
	return NULL;
}

int pivot_tpm_open(const struct pivot_policy *p, struct pivot_status_tpm *st,
		   struct cfs_tpm **out)
{
	double waited_s;
	uint64_t waited;
	int r;

	*out = NULL;
	if (p->tpm == PIVOT_TPM_OFF)
		return 0;
	st->checked = true;
	r = cfs_tpm_wait(p->tpm_device, (uint64_t)p->tpm_wait * 1000000, &waited);
	waited_s = (double)waited / 1e6;
	if (r == 0)
		r = cfs_tpm_open(p->tpm_device, out);
	if (r == -ENODEV && p->tpm == PIVOT_TPM_REQUIRED)
		return log_errno(r, "no TPM found (tpm-device = %s, waited %.2f s, tpm-wait = %u) and "
				 "the policy requires one (tpm = required): refusing to boot an "
				 "unmeasured image", p->tpm_device, waited_s, p->tpm_wait);
	if (r == -ENODEV && floor_required_by(p))
		return log_errno(r, "no TPM found (tpm-device = %s, waited %.2f s, tpm-wait = %u), and "
				 "floor = required says this device's anti-rollback floor is in it: "
				 "refusing to boot (check the TPM and that its driver loads; raise "
				 "tpm-wait for a slow one; a replaced TPM needs cfsboot tpm "
				 "commit-version)", p->tpm_device, waited_s, p->tpm_wait);
	if (r == -ENODEV) {
		log_warning("no TPM found (tpm-device = %s, waited %.2f s, tpm-wait = %u): booting "
			    "without measuring the image, as tpm = if-present allows",
			    p->tpm_device, waited_s, p->tpm_wait);
		return 0;
	}
	/* A TPM that is there but fails is not an absent one: booting on
	 * would leave its PCR half-extended and nobody told.  Already logged. */
	st->present = true;
	if (r < 0)
		return r;
	if (waited > 0)
		log_info("the TPM %s appeared after %.2f s of waiting (tpm-wait = %u)",
			 cfs_tpm_name(*out), waited_s, p->tpm_wait);
	return 0;
}

int pivot_rollback_floor(const struct pivot_policy *p, struct cfs_tpm *tpm,
			 struct pivot_status_tpm *st, uint64_t *floor)
{
	const char *key = floor_required_by(p);
	char why[384], foreign[256];
	int r;

	*floor = 0;
	if (!tpm)
		return PIVOT_FLOOR_NO_TPM;
	r = cfs_tpm_floor_read(tpm, floor);
	if (r == 0) {
		st->have_floor = true;
		st->floor = *floor;
		return PIVOT_FLOOR_READ;
	}
	if (r == -ENOENT)
		snprintf(why, sizeof(why), "has no anti-rollback counter");
	else if (r == -ENODATA)
		snprintf(why, sizeof(why), "has an anti-rollback counter that was never incremented");
	else if (r == -EBADSLT) {
		int e = cfs_tpm_floor_describe(tpm, foreign, sizeof(foreign));

		if (e < 0)
			return e;
		snprintf(why, sizeof(why), "holds something other than cfsboot's anti-rollback "
			 "counter (%s)", foreign);
	} else
		return r;
	if (key)
		return log_errno(r, "the TPM %s %s at %#x; with %s = required it must be there, so "
				 "that deleting or replacing it cannot lift the floor: refusing to "
				 "boot (provision it with cfsboot tpm commit-version, "
				 "docs/measurement.md)", cfs_tpm_name(tpm), why, CFS_TPM_FLOOR_INDEX,
				 key);
	log_warning("the TPM %s %s at %#x: only min-version = %llu guards against rollback "
		    "(floor = required refuses this once the floor is provisioned)",
		    cfs_tpm_name(tpm), why, CFS_TPM_FLOOR_INDEX,
		    (unsigned long long)p->min_version);
	return PIVOT_FLOOR_NO_INDEX;
}

/* The PCR's values after the measurement, for the status. */
static int report_values(const struct pivot_policy *p, struct cfs_tpm *tpm, bool logged,
			 struct pivot_status_tpm *st)
{
	struct cfs_tpm_digests values;
	char hex[CFS_TPM_HEX_MAX];
	int r;

	r = cfs_tpm_pcr_read(tpm, p->pcr, &values);
	if (r < 0)
		return r;
	st->n_banks = 0;
	for (size_t i = 0; i < values.n; i++) {
		cfs_hex_encode(values.d[i].bytes, values.d[i].size, hex);
		r = pivot_status_add_tpm_bank(st, cfs_tpm_alg_name(values.d[i].alg), hex);
		if (r < 0)
			return r;
	}
	st->measured = true;
	st->pcr = p->pcr;
	st->logged = logged;
	return 0;
}

/*
 * Extends the n events in order, each logged right after it.  The log
 * stays consistent when every extension is logged, or when one is refused
 * by the TPM (it changed nothing); an extension whose outcome is unknown,
 * or a record that could not be written, leaves the sticky bit set.
 */
static int extend_all(const struct pivot_policy *p, struct cfs_tpm *tpm, size_t n,
		      char words[][PIVOT_WORD_MAX], const char *const types[],
		      const struct cfs_tpm_digests *digests, const char *log_path, bool *logged)
{
	struct cfs_measure_log *log = NULL;
	bool consistent = true;
	int r = 0;

	if (cfs_measure_log_open(log_path ? log_path : CFS_MEASURE_LOG_PATH, &log) < 0)
		log = NULL;     /* warned; the PCR matters more than the log */
	for (size_t e = 0; e < n; e++) {
		r = cfs_tpm_extend(tpm, p->pcr, &digests[e]);
		if (r < 0) {
			consistent = r == -EREMOTEIO;
			break;
		}
		if (log && cfs_measure_log_append(log, p->pcr, &digests[e], words[e], types[e]) < 0) {
			cfs_measure_log_close(log, false);
			log = NULL;
		}
	}
	*logged = log && r == 0;
	cfs_measure_log_close(log, consistent);
	return r;
}

int pivot_measure(const struct pivot_policy *p, struct cfs_tpm *tpm,
		  const struct pivot_measurement *m, const char *log_path,
		  struct pivot_status_tpm *st)
{
	char words[_PIVOT_EVENT_MAX][PIVOT_WORD_MAX];
	struct cfs_tpm_digests digests[_PIVOT_EVENT_MAX];
	/* The default init is what every boot runs: no word of its own. */
	int n_events = m->init ? _PIVOT_EVENT_MAX : PIVOT_EVENT_INIT;
	const uint16_t *banks;
	bool logged;
	size_t n;
	int r;

	if (!tpm)
		return 0;
	r = cfs_tpm_banks(tpm, &banks, &n);
	if (r < 0)
		return r;
	for (int e = 0; e < n_events; e++) {
		r = pivot_measure_word(m, e, words[e]);
		if (r < 0)
			return log_errno(r, "internal error: cannot spell measured event %s",
					 pivot_event_type(e));
		r = cfs_tpm_hash_banks(banks, n, words[e], strlen(words[e]), &digests[e]);
		if (r < 0)
			return r;
	}
	r = extend_all(p, tpm, (size_t)n_events, words, event_types, digests, log_path, &logged);
	if (r < 0)
		return r;
	r = report_values(p, tpm, logged, st);
	if (r < 0)
		return r;
	log_info("measured %s, %s, %s%s%s and %s into PCR %u of the TPM %s",
		 words[PIVOT_EVENT_IMAGE], words[PIVOT_EVENT_SIGNER], words[PIVOT_EVENT_VERITY],
		 m->init ? ", " : "", m->init ? words[PIVOT_EVENT_STATE] : "",
		 words[m->init ? PIVOT_EVENT_INIT : PIVOT_EVENT_STATE], p->pcr, cfs_tpm_name(tpm));
	return 0;
}

/* Extends the one word of an exit into tpm, logged, and reports the PCR's
 * values into st. */
static int extend_exit_word(const struct pivot_policy *p, struct cfs_tpm *tpm,
			    char word[][PIVOT_WORD_MAX], const char *type, const char *log_path,
			    struct pivot_status_tpm *st)
{
	const char *const types[] = { type };
	struct cfs_tpm_digests digest;
	const uint16_t *banks;
	bool logged;
	size_t n;
	int r;

	r = cfs_tpm_banks(tpm, &banks, &n);
	if (r == 0)
		r = cfs_tpm_hash_banks(banks, n, word[0], strlen(word[0]), &digest);
	if (r == 0)
		r = extend_all(p, tpm, 1, word, types, &digest, log_path, &logged);
	/* After a measurement the log holds its three records too. */
	if (r == 0)
		r = report_values(p, tpm, (!st->measured || st->logged) && logged, st);
	return r;
}

int pivot_measure_exit(const struct pivot_policy *p, struct cfs_tpm *tpm, const char *class,
		       uint64_t wait_usec, const char *log_path, struct pivot_status_tpm *st)
{
	struct cfs_tpm *own = NULL;
	const char *type = class ? "composefs-refused" : "composefs-image";
	char word[1][PIVOT_WORD_MAX];
	uint64_t waited;
	int r = -ENODEV, len;

	if (p->tpm == PIVOT_TPM_OFF)
		return 0;
	len = class ? snprintf(word[0], sizeof(word[0]), "composefs-refused:%s", class) :
		      snprintf(word[0], sizeof(word[0]), "composefs-image:none");
	if (len < 0 || len >= (int)sizeof(word[0]))
		return log_errno(-EINVAL, "internal error: cannot spell the refusal of class %s",
				 class);
	if (tpm)
		r = extend_exit_word(p, tpm, word, type, log_path, st);
	/* None opened yet, or the one opened failed (a dropped connection
	 * fails every later command): a TPM opened anew, once. */
	if (r < 0) {
		st->checked = true;
		r = cfs_tpm_wait(p->tpm_device, wait_usec, &waited);
		if (r == 0)
			r = cfs_tpm_open(p->tpm_device, &own);
		if (r == -ENODEV && !tpm) {
			log_debug("no TPM at %s to measure %s into", p->tpm_device, word[0]);
			return 0;
		}
		if (r == 0) {
			st->present = true;
			r = extend_exit_word(p, own, word, type, log_path, st);
		}
		cfs_tpm_close(own);
	}
	if (r < 0) {
		log_warning("cannot measure %s into PCR %u (%s): the PCR may still read as a value "
			    "the public words of a booted image can reach", word[0], p->pcr,
			    strerror(-r));
		return r;
	}
	log_info("measured %s into PCR %u: no extension of the public words brings it to the "
		 "value of a booted image", word[0], p->pcr);
	return 1;
}
