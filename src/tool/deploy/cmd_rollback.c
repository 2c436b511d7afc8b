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
		     "refused at boot: a bad signature, or a security version below the floor.\n\n");
	deploy_cmd_help(out);
}

static int rollback(struct site *s, struct sig_trust *t, void *data)
{
	_cleanup_free_ char *version = NULL;
	const struct deployment *to = site_rollback(s);
	struct signed_by by;
	struct bls_entry e;
	struct floor fl;
	int r;

	(void)data;
	if (!to)
		return log_errno(-ENOENT, "no deployment to roll back to: only %s has a good entry "
				 "(cfsboot status lists them)",
				 site_default(s) ? site_default(s)->hex : "none");
	/* The signature is verified without the floor, which is compared here,
	 * so that a target below it is refused in one line of rollback's own. */
	r = floor_read(t, &fl);
	if (r == 0)
		r = check_signature(s, t, to->hex, 0, &by);
	if (r < 0)
		return r;
	if (by.version < fl.value) {
		log_error("refusing to roll back to %s: its security version %llu is below the "
			  "floor %llu, so cfs-pivot would refuse it; nothing was changed", to->hex,
			  (unsigned long long)by.version, (unsigned long long)fl.value);
		return -CFS_SIG_ROLLBACK;
	}
	if (asprintf(&version, "%llu", (unsigned long long)site_max_serial(s) + 1) < 0)
		return log_oom();
	e = to->entry;
	e.version = version;
	fault_point("rollback-entry");
	r = bls_entry_write(s->entries_fd, s->entries, to->file, &e);
	if (r == 0)
		printf("the next boot's default is %s (security version %llu)\n", to->hex,
		       (unsigned long long)by.version);
	return r;
}

int cmd_rollback(int argc, char **argv)
{
	static const struct option opts[] = { DEPLOY_LONG_OPTIONS, {} };
	static const struct deploy_cmd cmd = {
		.opts = opts, .usage = usage, .run = rollback, .lock = true,
	};

	return deploy_cmd_main(&cmd, argc, argv);
}
