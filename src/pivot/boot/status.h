/* SPDX-License-Identifier: MIT */
/*
 * /run/cfsboot/status.json: what cfs-pivot booted and how it was verified,
 * or why it refused (docs/status.md).  The boot sequence (boot.c) fills a
 * struct pivot_status once its phases are over, and writes it once.
 *
 * Strings are borrowed, not copied: they must live until the write.  A
 * field that was never set is left out of the file.
 */
#ifndef CFS_PIVOT_STATUS_H
#define CFS_PIVOT_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pivot/boot/digest.h"
#include "pivot/boot/policy.h"

#define PIVOT_STATUS_PATH "/run/cfsboot/status.json"

#define PIVOT_STATUS_MAX_PATHS  8
#define PIVOT_STATUS_MAX_PHASES 16
#define PIVOT_STATUS_MAX_BANKS  8

struct pivot_status_phase {
	const char *name;
	uint64_t usec;
};

/* The value is copied: a PCR value read back has no other home. */
#define PIVOT_STATUS_BANK_HEX_MAX (2 * 64 + 1)

struct pivot_status_bank {
	const char *alg;               /* "sha256" */
	char value[PIVOT_STATUS_BANK_HEX_MAX];  /* hex */
};

struct pivot_status {
	/* enum pivot_exit: 0 booted, else the class that refused */
	int error;
	const char *message;           /* the one line that said why */

	struct pivot_digest digest;    /* alg 0: not known */

	bool have_verity;              /* the mode actually enforced */
	enum pivot_verity verity;
	bool have_objects_checked;     /* verity = boot-check ran */
	uint64_t objects_checked;      /* distinct objects it checked */

	/* Kernel interfaces used, in order: "erofs:file", "overlay:lowerdir+" */
	const char *kernel_paths[PIVOT_STATUS_MAX_PATHS];
	size_t n_kernel_paths;

	struct pivot_status_phase phases[PIVOT_STATUS_MAX_PHASES];
	size_t n_phases;

	const char *signer;
	const char *fingerprint;
	bool have_version;
	uint64_t version;

	struct pivot_status_tpm {
		bool checked;          /* looked for a TPM at all */
		bool present;
		bool measured;         /* pcr, banks and logged are set */
		unsigned int pcr;
		struct pivot_status_bank banks[PIVOT_STATUS_MAX_BANKS];
		size_t n_banks;
		bool logged;           /* the events are in the measurement log */
		bool have_floor;       /* the TPM's anti-rollback floor was read */
		uint64_t floor;
	} tpm;
};

/* Append to the ordered lists; -E2BIG (logged) when one is full, and
 * -EINVAL (logged) for a bank value longer than a SHA-512 digest. */
int pivot_status_add_kernel_path(struct pivot_status *s, const char *path);
int pivot_status_add_phase(struct pivot_status *s, const char *name, uint64_t usec);
int pivot_status_add_tpm_bank(struct pivot_status_tpm *t, const char *alg, const char *value);

/* The JSON text, in a new buffer; -EINVAL for an error number that is no
 * class, -ENOMEM. */
int pivot_status_format(const struct pivot_status *s, char **out, size_t *out_len);

/*
 * Writes the status to path atomically: a temporary file in the same
 * directory, mode 0644, renamed over path, so a reader sees the old file or
 * the whole new one.  The directory is created (0755) when missing; its
 * parent must exist.  0 or a negative errno (logged).
 */
int pivot_status_write(const struct pivot_status *s, const char *path);

#endif
