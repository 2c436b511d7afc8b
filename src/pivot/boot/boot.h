/* SPDX-License-Identifier: MIT */
/*
 * The boot sequence of cfs-pivot (docs/design.md, "The boot, phase by
 * phase"): each phase proves its part or refuses the boot, and its time
 * goes into the status file.  A refusal leaves nothing behind: no mount
 * attached, nothing written to the physical root; its one line is in the
 * log, the kernel log and the status file, and its class is the exit code.
 *
 * cfs-pivot's three ways of running all start here: pivot_boot_run() (the
 * physical root is mounted already), pivot_boot_pid1() (cfs-pivot is the
 * initramfs's init) and pivot_boot_check() (--check: the first phases only).
 */
#ifndef CFS_PIVOT_BOOT_H
#define CFS_PIVOT_BOOT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pivot/boot/cmdline.h"
#include "pivot/boot/early.h"
#include "pivot/mount/plan.h"
#include "pivot/boot/policy.h"
#include "pivot/verify/sigcheck.h"
#include "pivot/mount/stage.h"
#include "pivot/mount/state.h"
#include "pivot/boot/status.h"
#include "pivot/boot/tpm_phases.h"
#include "pivot/verify/store.h"

struct cfs_tpm;

/* Where the physical root is mounted, and the verified tree takes its place. */
#define PIVOT_SYSROOT "/sysroot"

struct pivot_boot_options {
	const char *cmdline_path;       /* /proc/cmdline */
	const char *config_path;        /* /etc/cfsboot/pivot.conf */
	const char *sysroot;            /* where the physical root is mounted */
	const char *status_path;        /* /run/cfsboot/status.json */
	const char *measure_log_path;   /* NULL: systemd's, CFS_MEASURE_LOG_PATH */
	bool pid1;                      /* bring up the physical root first (pid1.h) */
	struct pivot_avoid avoid;
};

struct pivot_boot {
	struct pivot_boot_options opt;
	/* Read by pivot_boot_pid1() once the run is over: the policy (the
	 * defaults if it was never loaded) and the command line's init=. */
	struct pivot_policy policy;
	struct pivot_cmdline cmdline;
	bool nothing_to_do;             /* the command line names no image */
	bool checking;                  /* --check: report, boot nothing (pivot_boot_check) */

	/* What the phases found, for the status file (filled from these
	 * once, at the end) and the log. */
	bool have_digest;               /* the command line named an image */
	bool have_policy;               /* the policy was loaded */
	bool boot_checked;              /* verity = boot-check checked every object */
	uint64_t objects_checked;       /* how many distinct objects it checked */
	struct pivot_status_tpm tpm_status; /* what the TPM steps found */

	/* The flow's own. */
	struct pivot_status status;
	struct pivot_store store;
	struct cfs_tpm *tpm;            /* NULL: none opened (measure.h) */
	struct pivot_tpm_early tpm_early;   /* PID-1 mode: the TPM's phases run alongside */
	struct pivot_version_floor floor;   /* min-version, raised by the TPM's */
	struct pivot_early trust_early;     /* the trust, loaded from the policy phase on */
	struct pivot_trust trust;
	struct pivot_signer signer;
	struct pivot_plan plan;
	struct pivot_stage stage;
	struct pivot_state state;
	int overlay_fsfd;               /* the probed context the root is mounted from */
	int erofs_fd, root_fd;
	uint64_t boot_check_usec;
	char run_dir[PATH_MAX];         /* the status file's directory */
	char message[1024];             /* the refusal's line, for the status file */
};

void pivot_boot_init(struct pivot_boot *b, const struct pivot_boot_options *opt);

/*
 * Runs the sequence.  Returns PIVOT_EXIT_OK when the composed tree is at
 * the sysroot (or, with nothing_to_do set, when there was nothing to do),
 * else the PIVOT_EXIT_* class of the refusal.  The status file is written
 * either way, except when there was nothing to do.
 */
int pivot_boot_run(struct pivot_boot *b);

/*
 * --check: runs the phases that read the inputs (command line, policy),
 * whether or not an image is named, and prints to out the image named and
 * the policy in force, as a policy file.  Changes nothing: no kernel log,
 * no status file.  PIVOT_EXIT_OK or the class of the refusal.
 */
int pivot_boot_check(struct pivot_boot *b, FILE *out);

/*
 * PID-1 mode (docs/pid1.md): mounts the API file systems (pid1.h), runs the
 * sequence with opt->pid1 set, whatever the caller said, and switches root
 * into the composed tree at opt->sysroot, executing the command line's
 * init=.  Never returns: a refusal halts or reboots (pid1_fail()).
 */
_Noreturn void pivot_boot_pid1(const struct pivot_boot_options *opt);

void pivot_boot_done(struct pivot_boot *b);

#endif
