// SPDX-License-Identifier: MIT
#include "tool/sign/sigtrust.h"

#include <errno.h>

#include "lib/base/log.h"
#include "tool/sign/sigargs.h"

int sig_trust_option(struct sig_trust *t, int c, const char *arg)
{
	switch (c) {
	case 't': t->trust = arg; return 1;
	case 'r': t->revoked = arg; return 1;
	case 'c': t->policy.check_clock = true; return 1;
	case 'p':
		if (cfs_sig_pins_parse(arg, &t->pins) < 0)
			return log_errno(-EINVAL, "--signer-ca %s: write %s", arg, CFS_SIG_PINS_SYNTAX);
		t->policy.signer_cas = &t->pins;
		return 1;
	case 'm':
		if (sigargs_parse_version("--min-version", arg, &t->policy.min_version) < 0)
			return -EINVAL;
		return 1;
	default:
		return 0;
	}
}

int sig_trust_load(struct sig_trust *t)
{
	int r;

	if (!t->trust)
		return log_errno(-EINVAL, "--trust DIR is required: verification needs trust anchors");
	if (cfs_sig_init(true) < 0)
		return -ENOTRECOVERABLE;
	r = cfs_sig_anchors_load(t->trust, &t->anchors);
	if (r == 0 && t->revoked)
		r = cfs_sig_revoked_load(t->revoked, false, &t->revoked_list);
	t->policy.anchors = t->anchors;
	t->policy.revoked = t->revoked_list;
	return r;
}

void sig_trust_done(struct sig_trust *t)
{
	cfs_sig_anchors_free(t->anchors);
	cfs_sig_revoked_free(t->revoked_list);
	t->anchors = NULL;
	t->revoked_list = NULL;
}
