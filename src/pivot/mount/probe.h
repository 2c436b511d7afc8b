/* SPDX-License-Identifier: MIT */
/*
 * Asking the kernel what its overlayfs can do, without mounting anything:
 * fsconfig() checks each option as it is set and answers EINVAL for a key
 * or value it does not know.
 */
#ifndef CFS_PIVOT_PROBE_H
#define CFS_PIVOT_PROBE_H

#include "pivot/mount/plan.h"

/*
 * Fills p from the fresh overlayfs context fsfd, which stays usable for
 * the mount: the layer keys are probed with the directory layer_fd (a
 * layer the mount uses anyway, so that it resolves and is fit), the
 * layers are dropped again, and verity is set back to off after the
 * probe.  A legacy
 * context (p->legacy_context) takes every key into its option string and
 * is spoilt: open another.  0, or a negative errno (logged).
 */
int pivot_probe_overlay(int fsfd, int layer_fd, struct pivot_probe *p);

#endif
