// SPDX-License-Identifier: MIT
/*
 * pivot.conf comes from the initramfs, but a build script or a packager
 * may put anything there.  Any bytes must be accepted or refused cleanly;
 * an accepted policy must hold only valid values, and must print as text
 * that reads back to the same policy.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pivot/boot/policy.h"
#include "lib/base/log.h"
#include "lib/store/beneath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pivot_policy p, back;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	cfs_log_set_level(LOG_CRIT);
	if (pivot_policy_parse(&p, "fuzz", (const char *)data, size) < 0)
		return 0;

	if (p.verity >= _PIVOT_VERITY_MAX || p.signature >= _PIVOT_SIGNATURE_MAX ||
	    p.tpm >= _PIVOT_TPM_MAX || p.etc >= _PIVOT_ETC_MAX || p.var >= _PIVOT_VAR_MAX ||
	    p.on_failure >= _PIVOT_ON_FAILURE_MAX || p.image >= _PIVOT_IMAGE_MAX || p.pcr > 23 ||
	    p.root_wait < 1 || p.root_wait > 3600 || p.store[0] != '/' || p.state[0] != '/' ||
	    p.etc_keep.n > PIVOT_KEEP_MAX)
		abort();
	for (size_t i = 0; i < p.etc_keep.n; i++)
		if (!cfs_path_is_normal(p.etc_keep.entry[i]) ||
		    strpbrk(p.etc_keep.entry[i], " \t[]\\"))
			abort();

	f = open_memstream(&text, &len);
	if (!f)
		return 0;
	if (pivot_policy_print(&p, f) < 0)
		abort();
	fclose(f);
	if (pivot_policy_parse(&back, "printed", text, len) < 0 ||
	    strcmp(p.store, back.store) != 0 || strcmp(p.state, back.state) != 0 ||
	    strcmp(p.trust, back.trust) != 0 || strcmp(p.revoked, back.revoked) != 0 ||
	    strcmp(p.tpm_device, back.tpm_device) != 0 || p.verity != back.verity ||
	    p.signature != back.signature || p.tpm != back.tpm || p.etc != back.etc ||
	    p.var != back.var || p.on_failure != back.on_failure || p.pcr != back.pcr ||
	    p.root_wait != back.root_wait || p.min_version != back.min_version ||
	    p.check_clock != back.check_clock || p.image != back.image ||
	    p.etc_keep.n != back.etc_keep.n)
		abort();
	for (size_t i = 0; i < p.etc_keep.n; i++)
		if (strcmp(p.etc_keep.entry[i], back.etc_keep.entry[i]) != 0)
			abort();
	free(text);
	return 0;
}
