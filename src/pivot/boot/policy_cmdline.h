/* SPDX-License-Identifier: MIT */
/* What the kernel command line may change of the policy: only tighten it
 * (policy_cmdline.c). */
#ifndef PIVOT_POLICY_CMDLINE_H
#define PIVOT_POLICY_CMDLINE_H

#include "pivot/boot/cmdline.h"
#include "pivot/boot/policy.h"

/*
 * Applies the command line's policy words to p.  They may only tighten:
 * verity, signature and tpm become the stricter of the two, min-version the
 * greater.  A weaker word is ignored with a warning naming it, as is the
 * '?' of a digest word, which never relaxes verity.
 */
void pivot_policy_apply_cmdline(struct pivot_policy *p, const struct pivot_cmdline *c);

#endif
