/* SPDX-License-Identifier: MIT */
/*
 * The TPM steps of a boot (docs/measurement.md): open the TPM the policy
 * names, read the anti-rollback floor, and measure the verified image into
 * a PCR with one event per fact, each logged in systemd's measurement log.
 *
 * The boot flow calls, in order:
 *
 *   pivot_tpm_open()        once, before verifying the signature
 *   pivot_rollback_floor()  the floor is max(policy min-version, this)
 *   ... verify the signature against that floor ...
 *   pivot_measure()         after verification, before mounting
 *   pivot_measure_exit()    when the run ends in anything but a measured boot
 *   cfs_tpm_close()
 *
 * Every function takes a NULL TPM (policy tpm = off, or no TPM under
 * if-present) and then does what the policy allows without one.  What
 * they find goes into st, the TPM's part of the status file (status.h),
 * which the boot copies into the status once it is over.  Every
 * negative return has been logged as the one line that refuses the boot;
 * the class is tpm (PIVOT_EXIT_TPM), or internal for -ENOMEM.
 */
#ifndef CFS_PIVOT_MEASURE_H
#define CFS_PIVOT_MEASURE_H

#include <stdbool.h>
#include <stdint.h>

#include "pivot/boot/digest.h"
#include "pivot/boot/policy.h"
#include "lib/trust/signature.h"
#include "pivot/boot/status.h"
#include "lib/tpm/tpm.h"

/* What was verified, as the measured words name it. */
struct pivot_measurement {
	struct pivot_digest digest;                    /* the image's fs-verity digest */
	bool have_signer;                              /* false: the image was not signed */
	uint8_t fingerprint[CFS_SIG_FINGERPRINT_SIZE]; /* SHA-256 of the signer's SPKI (its key) */
	uint64_t version;                              /* security version, 0 without one */
	enum pivot_verity verity;                      /* the mode actually enforced */
	enum pivot_etc etc;                            /* the state modes of the policy */
	enum pivot_var var;
	size_t n_keep;                                 /* entries of etc-keep (etc = transient) */
	const char *init;                              /* a non-default init, or NULL */
};

/* The events, in the order they are extended; the last only for an init
 * other than PIVOT_INIT_DEFAULT. */
enum pivot_event {
	PIVOT_EVENT_IMAGE,    /* composefs-image:<alg>:<hex digest> */
	PIVOT_EVENT_SIGNER,   /* composefs-signer:<hex fingerprint>:<version>, or composefs-signer:none */
	PIVOT_EVENT_VERITY,   /* composefs-verity:<require|boot-check|insecure-dev> */
	PIVOT_EVENT_STATE,    /* composefs-state:etc=<mode>[,keep=<n>];var=<mode> */
	PIVOT_EVENT_INIT,     /* composefs-init:<path> */
	_PIVOT_EVENT_MAX,
};

/* The longest word, an init path of the policy's, with its NUL. */
#define PIVOT_WORD_MAX (sizeof("composefs-init:") + PIVOT_POLICY_VALUE_SIZE)

/* The log's content.eventType of an event: "composefs-image", ... */
const char *pivot_event_type(enum pivot_event e);

/* The measured word of event e, UTF-8 without NUL, into word. */
int pivot_measure_word(const struct pivot_measurement *m, enum pivot_event e,
		       char word[PIVOT_WORD_MAX]);

/*
 * Opens the TPM named by p->tpm_device, once it appeared (waiting at most
 * p->tpm_wait seconds), and records in st what was found.  *out is NULL
 * for tpm = off, and for no TPM under if-present (said as a warning: the
 * boot goes on unmeasured).  No TPM under tpm = required or floor =
 * required, and a TPM that is there but fails under any policy, refuse
 * the boot.
 */
int pivot_tpm_open(const struct pivot_policy *p, struct pivot_status_tpm *st,
		   struct cfs_tpm **out);

enum pivot_floor {
	PIVOT_FLOOR_NO_TPM,      /* no TPM opened: only min-version applies */
	PIVOT_FLOOR_NO_INDEX,    /* if-present: the TPM has no usable floor (warned) */
	PIVOT_FLOOR_READ,        /* *floor is the TPM's anti-rollback floor */
};

/*
 * Reads the anti-rollback floor from the TPM into *floor (0 unless
 * PIVOT_FLOOR_READ) and st.  A missing, never written or foreign index
 * refuses the boot under floor = required or tpm = required, because
 * deleting or replacing the index must not be a way to remove the floor,
 * and is a warning otherwise.
 */
int pivot_rollback_floor(const struct pivot_policy *p, struct cfs_tpm *tpm,
			 struct pivot_status_tpm *st, uint64_t *floor);

/*
 * Extends PCR p->pcr with the events, each in every active bank,
 * appends their records to the log at log_path (NULL: CFS_MEASURE_LOG_PATH)
 * and puts the PCR's new values into st.  A log that cannot be written is
 * a warning (the measurement is what counts); a failing extension refuses
 * the boot.  With no TPM it does nothing and returns 0.
 */
int pivot_measure(const struct pivot_policy *p, struct cfs_tpm *tpm,
		  const struct pivot_measurement *m, const char *log_path,
		  struct pivot_status_tpm *st);

/*
 * The end of a run that is not a verified, measured boot: extends one more
 * event, composefs-refused:<class> (eventType "composefs-refused"), or
 * composefs-image:none (eventType "composefs-image") when class is NULL
 * because nothing was booted, logged like the others, and puts the PCR's
 * new values into st.  The three words of a boot are public: a PCR left as
 * it was (zero before the measurement, or part of the way through it)
 * could be extended by whatever runs next to the value of a genuine boot.
 * tpm is the TPM the boot opened, or NULL; without one, or when it fails,
 * the TPM p names is opened anew, once, after waiting at most wait_usec
 * for it to appear.  Nothing under tpm = off.  Returns 1 after saying what
 * it measured, 0 when there was nothing to measure into (tpm = off, no
 * TPM), or a negative errno after a warning that the PCR may still read as
 * before.
 */
int pivot_measure_exit(const struct pivot_policy *p, struct cfs_tpm *tpm, const char *class,
		       uint64_t wait_usec, const char *log_path, struct pivot_status_tpm *st);

#endif
