// SPDX-License-Identifier: MIT
/*
 * The kernel command line is the first input cfs-pivot reads, and whoever
 * edits the boot entry controls it.  Any bytes must give a result (a
 * digest, none, or a refusal), never a crash or a read out of bounds;
 * applying the words to a policy must never weaken it; and the word scan
 * of a locked policy (lockdown.h) must allow or refuse, nothing else.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pivot/boot/cmdline.h"
#include "pivot/boot/lockdown.h"
#include "pivot/boot/policy_cmdline.h"
#include "lib/base/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pivot_cmdline c;
	struct pivot_policy p, defaults;
	char *text;
	int r;

	cfs_log_set_level(LOG_CRIT);
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	r = pivot_cmdline_parse(&c, text);
	if (r == 1 && !c.have_digest)
		abort();
	if (r >= 0) {
		pivot_policy_defaults(&defaults);
		p = defaults;
		pivot_policy_apply_cmdline(&p, &c);
		if (p.verity < defaults.verity || p.signature < defaults.signature ||
		    p.tpm < defaults.tpm || p.min_version < defaults.min_version)
			abort();
		p.image = PIVOT_IMAGE_REQUIRED;
		r = pivot_lockdown_words(&p, &c, text);
		if (r != 0 && r != -EPERM && r != -ENOMEM)
			abort();
	}
	pivot_cmdline_done(&c);
	free(text);
	return 0;
}
