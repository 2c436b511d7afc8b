/* SPDX-License-Identifier: MIT */
/*
 * The boot policy as cfs-pivot loads it from its initramfs.  The parser
 * is lib/policy/pivot_conf.h, shared with cfsboot deploy, which reads the
 * same file out of the initramfs an image ships.
 */
#ifndef CFS_PIVOT_POLICY_H
#define CFS_PIVOT_POLICY_H

#include "lib/policy/pivot_conf.h"

/* Loads path; a missing file means the defaults.  Without an image line,
 * image is required when the trust directory holds an entry (the initramfs
 * carries trust anchors), else optional.  0 or a negative errno. */
int pivot_policy_load(struct pivot_policy *p, const char *path);

#endif
