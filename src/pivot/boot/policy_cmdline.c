// SPDX-License-Identifier: MIT
/*
 * The command line's policy words (cfsboot.verity=, cfsboot.signature=,
 * cfsboot.tpm=, cfsboot.min-version=): each may make the policy stricter,
 * never weaker, since whoever edits the boot entry is not trusted to.
 */
#include "pivot/boot/policy_cmdline.h"

#include "lib/base/log.h"

/* Whether a command-line level should replace the policy's: only when it
 * is stricter.  A weaker one is reported and ignored. */
static bool tightens(const char *key, const char *requested, int req, const char *current, int cur)
{
	if (req < cur) {
		log_warning("ignoring cfsboot.%s=%s: the policy says %s = %s, and the command line "
			    "may only tighten it", key, requested, key, current);
		return false;
	}
	if (req > cur)
		log_info("cfsboot.%s=%s tightens %s = %s of the policy", key, requested, key, current);
	return req > cur;
}

void pivot_policy_apply_cmdline(struct pivot_policy *p, const struct pivot_cmdline *c)
{
	if (c->have_verity &&
	    tightens("verity", pivot_verity_to_string(c->verity), (int)c->verity,
		     pivot_verity_to_string(p->verity), (int)p->verity))
		p->verity = c->verity;
	if (c->have_signature &&
	    tightens("signature", pivot_signature_to_string(c->signature), (int)c->signature,
		     pivot_signature_to_string(p->signature), (int)p->signature))
		p->signature = c->signature;
	if (c->have_tpm &&
	    tightens("tpm", pivot_tpm_to_string(c->tpm), (int)c->tpm,
		     pivot_tpm_to_string(p->tpm), (int)p->tpm))
		p->tpm = c->tpm;

	if (c->have_min_version) {
		if (c->min_version < p->min_version)
			log_warning("ignoring cfsboot.min-version=%llu: the policy says min-version = %llu, "
				    "and the command line may only raise it",
				    (unsigned long long)c->min_version, (unsigned long long)p->min_version);
		else if (c->min_version > p->min_version) {
			log_info("cfsboot.min-version=%llu raises min-version = %llu of the policy",
				 (unsigned long long)c->min_version, (unsigned long long)p->min_version);
			p->min_version = c->min_version;
		}
	}

	/* composefs-rs reads "?" as "fs-verity optional".  Here only the
	 * policy in the initramfs decides that. */
	if (c->optional_key)
		log_warning("ignoring the leading '?' of %s=: it asks for optional fs-verity, "
			    "which only the policy can allow (verity = %s stays in force)",
			    c->optional_key, pivot_verity_to_string(p->verity));
}
