/* SPDX-License-Identifier: MIT */
/*
 * Failure classes of cfs-pivot.  Each class has its own exit code, so that
 * a unit file, a dracut hook or a test can tell why a boot was refused
 * without parsing a message, and a short name that the status file
 * (error.class) and the kernel-log line carry.  docs/errors.md lists them
 * with what to do about each; codes are an interface and never renumbered.
 */
#ifndef CFS_PIVOT_ERRORS_H
#define CFS_PIVOT_ERRORS_H

#include <errno.h>
#include <stddef.h>

enum pivot_exit {
	PIVOT_EXIT_OK          = 0,
	PIVOT_EXIT_INTERNAL    = 1,  /* out of memory, an unexpected system error */
	PIVOT_EXIT_USAGE       = 2,  /* cfs-pivot's own options */
	PIVOT_EXIT_CMDLINE     = 3,  /* the kernel command line */
	PIVOT_EXIT_POLICY      = 4,  /* pivot.conf */
	PIVOT_EXIT_STORE       = 5,  /* store or image missing or unsafe */
	PIVOT_EXIT_DIGEST      = 6,  /* the image is not the one named */
	PIVOT_EXIT_VERITY      = 7,  /* fs-verity absent or failing */
	PIVOT_EXIT_SIGNATURE   = 8,  /* no valid signature chaining to a trust anchor */
	PIVOT_EXIT_ROLLBACK    = 9,  /* security version below the floor */
	PIVOT_EXIT_TPM         = 10, /* measurement required but impossible */
	PIVOT_EXIT_MOUNT       = 11, /* composing the tree */
	PIVOT_EXIT_STATE       = 12, /* /etc or /var state */
	PIVOT_EXIT_SWITCH_ROOT = 13, /* entering the new root */
	PIVOT_EXIT_ROOTDEV     = 14, /* PID-1 mode: bringing up the physical root */
	PIVOT_EXIT_NO_IMAGE    = 15, /* no image named where one is required */
};

/* The class of a phase's failure r: an allocation failure is cfs-pivot's
 * fault, not the input's. */
static inline int pivot_exit_class(int r, enum pivot_exit class)
{
	return r == -ENOMEM ? PIVOT_EXIT_INTERNAL : (int)class;
}

/* The short name of a class ("digest", "switch-root", ...), or NULL for a
 * number that is not one. */
static inline const char *pivot_exit_name(int code)
{
	static const char *const names[] = {
		[PIVOT_EXIT_OK]          = "ok",
		[PIVOT_EXIT_INTERNAL]    = "internal",
		[PIVOT_EXIT_USAGE]       = "usage",
		[PIVOT_EXIT_CMDLINE]     = "cmdline",
		[PIVOT_EXIT_POLICY]      = "policy",
		[PIVOT_EXIT_STORE]       = "store",
		[PIVOT_EXIT_DIGEST]      = "digest",
		[PIVOT_EXIT_VERITY]      = "verity",
		[PIVOT_EXIT_SIGNATURE]   = "signature",
		[PIVOT_EXIT_ROLLBACK]    = "rollback",
		[PIVOT_EXIT_TPM]         = "tpm",
		[PIVOT_EXIT_MOUNT]       = "mount",
		[PIVOT_EXIT_STATE]       = "state",
		[PIVOT_EXIT_SWITCH_ROOT] = "switch-root",
		[PIVOT_EXIT_ROOTDEV]     = "rootdev",
		[PIVOT_EXIT_NO_IMAGE]    = "no-image",
	};

	if (code < 0 || (size_t)code >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[code];
}

#endif
