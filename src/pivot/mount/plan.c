// SPDX-License-Identifier: MIT
#include "pivot/mount/plan.h"

#include <errno.h>

int pivot_plan_choose(enum pivot_verity policy, const struct pivot_probe *probe,
		      const struct pivot_avoid *avoid, struct pivot_plan *plan, const char **why)
{
	/* The append syntax needs both keys; an old context accepts any key,
	 * so only the data-only syntax can be tried there, and mounting
	 * says whether the kernel has it. */
	if (!probe->legacy_context && probe->lowerdir_append && probe->datadir_append &&
	    !avoid->layer_append)
		plan->syntax = PIVOT_LAYERS_APPEND;
	else
		plan->syntax = PIVOT_LAYERS_DATA_ONLY;

	switch (policy) {
	case PIVOT_VERITY_REQUIRE:
		/* In an old context verity=require is passed on untested: the
		 * mount fails if the kernel does not know it. */
		if (!probe->legacy_context && !probe->verity) {
			*why = "the kernel's overlayfs lacks verity=require (Linux 6.6 or a "
			       "backport), so it cannot check the objects; verity = boot-check "
			       "in pivot.conf checks every object at boot instead";
			return -EOPNOTSUPP;
		}
		plan->enforce = PIVOT_ENFORCE_KERNEL;
		break;
	case PIVOT_VERITY_BOOT_CHECK:
		plan->enforce = PIVOT_ENFORCE_BOOT_CHECK;
		break;
	default:
		plan->enforce = PIVOT_ENFORCE_NONE;
		break;
	}
	return 0;
}

const char *pivot_layer_syntax_path(enum pivot_layer_syntax s)
{
	return s == PIVOT_LAYERS_APPEND ? "overlay:lowerdir+" : "overlay:lowerdir::";
}

const char *pivot_enforce_path(enum pivot_enforce e)
{
	switch (e) {
	case PIVOT_ENFORCE_KERNEL:
		return "verity:require";
	case PIVOT_ENFORCE_BOOT_CHECK:
		return "verity:boot-check";
	default:
		return "verity:none";
	}
}
