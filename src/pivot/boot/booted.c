// SPDX-License-Identifier: MIT
/*
 * The one kernel-log line of a booted image, which is what an operator
 * reads in dmesg: what booted, how it was verified, whether it was
 * measured, and the kernel interfaces the tree was composed with.
 */
#include "pivot/boot/booted.h"

#include <stdio.h>

#include "lib/base/log.h"

/* "signed by CN=x (sha256:...), version 3" and the like. */
static void describe_signature(const struct pivot_boot *b, char *buf, size_t size)
{
	if (b->signer.verified)
		snprintf(buf, size, "signed by %s (%s), security version %llu", b->signer.subject,
			 b->signer.fingerprint, (unsigned long long)b->signer.version);
	else if (b->policy.signature == PIVOT_SIGNATURE_OFF)
		snprintf(buf, size, "signature not checked (signature = off)");
	else
		snprintf(buf, size, "unsigned (signature = optional)");
}

static void describe_verity(const struct pivot_boot *b, char *buf, size_t size)
{
	switch (b->plan.enforce) {
	case PIVOT_ENFORCE_KERNEL:
		snprintf(buf, size, "every file checked by overlayfs verity=require");
		break;
	case PIVOT_ENFORCE_BOOT_CHECK:
		snprintf(buf, size, "%llu objects checked at boot in %llu ms, not by the kernel "
			 "afterwards (verity = boot-check)",
			 (unsigned long long)b->objects_checked,
			 (unsigned long long)(b->boot_check_usec / 1000));
		break;
	default:
		snprintf(buf, size, "files NOT checked (verity = insecure-dev: INSECURE)");
		break;
	}
}

static void describe_measurement(const struct pivot_boot *b, char *buf, size_t size)
{
	if (b->tpm_status.measured)
		snprintf(buf, size, "measured into PCR %u", b->tpm_status.pcr);
	else if (b->tpm_status.checked)
		snprintf(buf, size, "NOT measured (no TPM, tpm = if-present)");
	else
		snprintf(buf, size, "not measured (tpm = off)");
}

void pivot_log_booted(const struct pivot_boot *b)
{
	char sig[512], ver[256], tpm[64], paths[256] = "";
	char hex[PIVOT_DIGEST_HEX_MAX];
	size_t used = 0;

	pivot_digest_hex(&b->cmdline.digest, hex);
	describe_signature(b, sig, sizeof(sig));
	describe_verity(b, ver, sizeof(ver));
	describe_measurement(b, tpm, sizeof(tpm));
	for (size_t i = 0; i < b->status.n_kernel_paths && used < sizeof(paths); i++)
		used += (size_t)snprintf(paths + used, sizeof(paths) - used, "%s%s", i ? " " : "",
					 b->status.kernel_paths[i]);
	log_notice("booted composefs image %s:%s at %s: %s; %s; %s; %s",
		   cfs_hash_name(b->cmdline.digest.alg), hex, b->opt.sysroot, sig, ver, tpm, paths);
}
