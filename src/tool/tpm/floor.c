// SPDX-License-Identifier: MIT
#include "tool/tpm/floor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/tpm/tpm_floor.h"

/* *tpm NULL and 0 when the floor is --min-version alone. */
static int open_tpm(const struct sig_trust *t, struct cfs_tpm **tpm)
{
	int r;

	*tpm = NULL;
	/* pull documented "none", deploy "off": both words mean no TPM. */
	if (!t->tpm || strcmp(t->tpm, "none") == 0 || strcmp(t->tpm, "off") == 0)
		return 0;
	r = cfs_tpm_open(t->tpm, tpm);
	if (r == -ENODEV && strcmp(t->tpm, "auto") == 0) {
		log_notice("no TPM: the anti-rollback floor is --min-version %" PRIu64 " alone",
			   t->files.min_version);
		return 0;
	}
	if (r == -ENODEV)
		return log_errno(r, "no TPM at %s: name the TPM holding the anti-rollback floor, "
				 "or give --tpm auto or none", t->tpm);
	return r;
}

int floor_read(const struct sig_trust *t, struct floor *f)
{
	struct cfs_tpm *tpm;
	int r;

	*f = (struct floor){ .value = t->files.min_version };
	r = open_tpm(t, &tpm);
	if (r < 0 || !tpm)
		return r;
	r = cfs_tpm_floor_read(tpm, &f->tpm_value);
	if (r == -ENOENT || r == -ENODATA) {
		f->tpm_value = 0;    /* a counter never defined or never raised */
		r = 0;
	} else if (r == -EBADSLT) {
		r = log_errno(r, "the index %#x of the TPM %s is not cfsboot's anti-rollback counter, "
			      "so the floor is unknown (cfs-pivot refuses it too): cfsboot tpm "
			      "read-floor says what holds it", CFS_TPM_FLOOR_INDEX, cfs_tpm_name(tpm));
	}
	f->tpm = r == 0;
	snprintf(f->tpm_name, sizeof(f->tpm_name), "%s", cfs_tpm_name(tpm));
	f->value = MAX(f->value, f->tpm_value);
	cfs_tpm_close(tpm);
	return r;
}

int floor_raise(const struct sig_trust *t, uint64_t version, uint64_t *before)
{
	struct cfs_tpm *tpm;
	int r;

	*before = 0;
	r = open_tpm(t, &tpm);
	if (r < 0 || !tpm)
		return r;
	r = cfs_tpm_floor_raise(tpm, version, before);
	cfs_tpm_close(tpm);
	return r < 0 ? r : 1;
}
