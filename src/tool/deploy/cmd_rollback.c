// SPDX-License-Identifier: MIT
/* cfsboot rollback: the previous deployment becomes the default, by one
 * atomic rewrite of its entry with the next serial as its version. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/trust/signature.h"
#include "tool/commands.h"
#include "tool/deploy/cmd_args.h"
#include "tool/deploy/fault.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: cfsboot rollback [OPTIONS]\n\n"
		     "Make the previous deployment (the rollback of cfsboot status) the default of\n"
		     "the next boot.  Refused, with nothing changed, when its image would be\n"
		     "refused at boot: a bad signature, or a security version below the floor.\n\n"
		     SITE_OPTIONS_HELP);
	sig_trust_help(out, DEPLOY_TRUST);
	fputs("  -h, --help         show this help\n", out);
}

int cmd_rollback(int argc, char **argv)
{
	static const struct option opts[] = { DEPLOY_LONG_OPTIONS, {} };
	static const struct deploy_cmd cmd = { .opts = opts, .usage = usage };
	_cleanup_free_ char *version = NULL;
	const struct deployment *to;
	struct sig_trust t;
	struct signed_by by;
	struct bls_entry e;
	struct floor fl;
	struct site s;
	int r;

	r = deploy_cmd_options(&cmd, argc, argv, &s, &t);
	if (r >= 0)
		return r;
	r = deploy_cmd_open(&s, true);
	if (r < 0)
		goto out;
	to = site_rollback(&s);
	if (!to) {
		r = log_errno(-ENOENT, "no deployment to roll back to: only %s has a good entry "
			      "(cfsboot status lists them)",
			      site_default(&s) ? site_default(&s)->hex : "none");
		goto out;
	}
	/* The signature is verified without the floor, which is compared here,
	 * so that a target below it is refused in one line of rollback's own. */
	r = floor_read(&t, &fl);
	if (r == 0)
		r = check_signature(&s, &t, to->hex, 0, &by);
	if (r < 0)
		goto out;
	if (by.version < fl.value) {
		log_error("refusing to roll back to %s: its security version %llu is below the "
			  "floor %llu, so cfs-pivot would refuse it; nothing was changed", to->hex,
			  (unsigned long long)by.version, (unsigned long long)fl.value);
		r = -CFS_SIG_ROLLBACK;
		goto out;
	}
	if (asprintf(&version, "%llu", (unsigned long long)site_max_serial(&s) + 1) < 0) {
		r = log_oom();
		goto out;
	}
	e = to->entry;
	e.version = version;
	fault_point("rollback-entry");
	r = bls_entry_write(s.entries_fd, s.entries, to->file, &e);
	if (r == 0)
		printf("the next boot's default is %s (security version %llu)\n", to->hex,
		       (unsigned long long)by.version);
out:
	site_close(&s);
	return r < 0 ? EXIT_FAILED : EXIT_OK;
}
