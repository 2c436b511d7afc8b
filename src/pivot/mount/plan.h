/* SPDX-License-Identifier: MIT */
/*
 * How the tree is composed on this kernel: which overlayfs syntax gives the
 * objects directory as a data-only layer, and how per-file verity is
 * enforced.  The kernel is probed at run time (probe.h), never judged by
 * its version, because distribution kernels backport these features; the
 * choice itself is a pure function of what the probes found and of the
 * policy, so that every combination can be tested without such a kernel.
 */
#ifndef CFS_PIVOT_PLAN_H
#define CFS_PIVOT_PLAN_H

#include <stdbool.h>

#include "pivot/boot/policy.h"

/* What fsconfig() accepted on an overlayfs context (probe.h). */
struct pivot_probe {
	/* The overlayfs context takes any key without checking it: an
	 * overlayfs older than the mount API (before Linux 6.5), whose
	 * answers to the probes below mean nothing. */
	bool legacy_context;
	bool lowerdir_append;     /* lowerdir+ (6.7) */
	bool datadir_append;      /* datadir+ (6.7) */
	bool verity;              /* verity=require (6.6) */
};

/* Things cfs-pivot is told not to use even when the kernel has them
 * (--avoid), so that the fallback paths can be tested on a new kernel. */
struct pivot_avoid {
	bool erofs_file;          /* mount EROFS from a loop device */
	bool layer_append;        /* use lowerdir=<erofs>::<objects> */
	bool detached_layers;     /* attach layer mounts before overlayfs uses them */
};

enum pivot_layer_syntax {
	PIVOT_LAYERS_APPEND,      /* lowerdir+=<erofs>, datadir+=<objects> */
	PIVOT_LAYERS_DATA_ONLY,   /* lowerdir=<erofs>::<objects> (6.5) */
};

enum pivot_enforce {
	PIVOT_ENFORCE_KERNEL,     /* overlayfs verity=require */
	PIVOT_ENFORCE_BOOT_CHECK, /* every object checked before switching */
	PIVOT_ENFORCE_NONE,       /* insecure-dev: no per-file check */
};

struct pivot_plan {
	enum pivot_layer_syntax syntax;
	enum pivot_enforce enforce;
};

/*
 * Chooses the plan.  Returns 0, or -EOPNOTSUPP with *why set to what the
 * kernel lacks when the policy cannot be met on it (verity = require
 * without overlayfs verity=require): the boot must be refused.
 */
int pivot_plan_choose(enum pivot_verity policy, const struct pivot_probe *probe,
		      const struct pivot_avoid *avoid, struct pivot_plan *plan, const char **why);

/* Names for the status file's kernel_paths. */
const char *pivot_layer_syntax_path(enum pivot_layer_syntax s);   /* "overlay:lowerdir+" */
const char *pivot_enforce_path(enum pivot_enforce e);             /* "verity:require" */

#endif
