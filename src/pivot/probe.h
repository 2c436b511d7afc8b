/* SPDX-License-Identifier: MIT */
/*
 * Asking the kernel what its overlayfs can do, without mounting anything:
 * fsconfig() checks each option as it is set and answers EINVAL for a key
 * or value it does not know.
 */
#ifndef CFS_PIVOT_PROBE_H
#define CFS_PIVOT_PROBE_H

#include "plan.h"

/* Fills p from a throw-away overlayfs context.  0, or a negative errno
 * (logged) when there is no overlayfs at all or the probe itself fails. */
int pivot_probe_overlay(struct pivot_probe *p);

#endif
