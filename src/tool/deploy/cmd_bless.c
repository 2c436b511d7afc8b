// SPDX-License-Identifier: MIT
/*
 * cfsboot bless: the booted deployment proved good.  In this order, so
 * that a crash between steps leaves a state the next run finishes: the
 * entry's counter goes first (as systemd-bless-boot does), then the floor
 * rises to the booted image's version, and only then are the deployments
 * the new floor refuses removed.  Raising the floor before the boot is
 * known good would take away the rollback of a bad update.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "tool/commands.h"
#include "tool/deploy/cmd_args.h"
#include "tool/deploy/fault.h"
#include "tool/deploy/prune.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: cfsboot bless [OPTIONS]\n\n"
		     "Mark the booted deployment good: remove its entry's boot counter (as\n"
		     "systemd-bless-boot does), then raise the TPM's anti-rollback floor to its\n"
		     "security version, then remove the entries beyond the kept ones and those\n"
		     "below the new floor.  Run it once the system is known good: the unit\n"
		     "cfsboot-bless.service does, after boot-complete.target.\n\n"
		     "  --keep N           deployments kept, the booted one included (default 2)\n"
		     "  --no-floor         do not raise the floor (bless the entry only)\n");
	deploy_cmd_help(out);
}

static int bless_entry(struct site *s, const struct deployment *b)
{
	struct bls_name n = b->name;
	char file[NAME_MAX + 1];
	int r;

	if (!n.counting)
		return 0;      /* blessed before, by us or by systemd-bless-boot */
	n.counting = false;
	r = bls_name_format(&n, file);
	if (r < 0)
		return r;
	fault_point("bless-entry");
	r = bls_rename(s->entries_fd, s->entries, b->file, file);
	if (r == 0)
		log_info("blessed %s: %s", b->hex, file);
	return r < 0 ? r : site_reload(s);
}

struct bless_args {
	uint64_t keep;
	bool raise;
};

static int bless_option(void *data, int c, const char *arg)
{
	struct bless_args *a = data;

	switch (c) {
	case 'k':
		return deploy_option_keep(arg, &a->keep);
	case 'n':
		a->raise = false;
		return 1;
	default:
		return 0;
	}
}

static int bless(struct site *s, struct sig_trust *t, void *data)
{
	const struct bless_args *a = data;
	const struct deployment *b = site_booted(s);
	struct signed_by by;
	uint64_t before = 0;
	bool raised = false;
	int r;

	if (!b)
		return log_errno(-ENOENT, "nothing to bless: the running system did not boot a "
				 "cfsboot entry (%s names %s); cfsboot status shows the deployments",
				 s->cmdline_file, s->booted[0] ? s->booted : "no composefs.digest=");
	/* The version the boot accepted: the signature, verified again. */
	r = check_signature(s, t, b->hex, 0, &by);
	if (r == 0)
		r = bless_entry(s, b);
	if (r == 0 && a->raise) {
		fault_point("bless-floor");
		r = floor_raise(t, by.version, &before);
		raised = r > 0;
		r = MIN(r, 0);
	}
	/* Below the floor that holds now: the TPM's, else the policy's alone. */
	if (r == 0)
		r = prune_entries(s, t, a->keep, raised ? by.version : t->files.min_version, NULL);
	if (r == 0)
		printf("blessed %s (security version %llu)%s\n", s->booted,
		       (unsigned long long)by.version,
		       raised && before < by.version ? "; the floor rose to it" :
		       raised ? "" : "; no TPM, so no floor was raised");
	return r;
}

int cmd_bless(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keep", required_argument, NULL, 'k' },
		{ "no-floor", no_argument, NULL, 'n' },
		DEPLOY_LONG_OPTIONS,
		{}
	};
	struct bless_args a = { .keep = 2, .raise = true };
	const struct deploy_cmd cmd = {
		.opts = opts, .usage = usage, .option = bless_option, .data = &a,
		.run = bless, .lock = true,
	};

	return deploy_cmd_main(&cmd, argc, argv);
}
