// SPDX-License-Identifier: MIT
#include "tool/pull/pull_deploy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/log.h"
#include "tool/commands.h"

void pull_deploy_help(FILE *out)
{
	fputs("  --deploy           then deploy the image (cfsboot deploy), with these of\n"
	      "                     deploy's options, pull's trust options and its store:\n"
	      "                     --tries N, --keep N, --kernel-root ARG, --boot DIR,\n"
	      "                     --root DIR, --state DIR, --status-file F, --cmdline-file F\n"
	      "                     (the store's default is then ROOT/composefs, as deploy's)\n",
	      out);
}

static int keep(struct pull_deploy *d, const char *word)
{
	if (d->argc == PULL_DEPLOY_ARGS_MAX)
		return log_errno(-E2BIG, "too many options for --deploy (at most %d words)",
				 PULL_DEPLOY_ARGS_MAX);
	d->argv[d->argc] = strdup(word);
	if (!d->argv[d->argc])
		return log_oom();
	d->argc++;
	return 0;
}

bool pull_deploy_takes(int c)
{
	return c >= PULL_DEPLOY_OPT ||
	       (c >= SITE_OPT_BOOT && c <= SITE_OPT_CMDLINE && c != SITE_OPT_STORE);
}

int pull_deploy_option(struct pull_deploy *d, const struct option *opt, const char *arg)
{
	char name[64];
	int r;

	if (opt->val == PULL_DEPLOY_OPT) {
		d->on = true;
		return 0;
	}
	if (pull_deploy_takes(opt->val) && !d->only)
		d->only = opt->name;
	if (opt->val == SITE_OPT_ROOT)
		d->root = arg;
	snprintf(name, sizeof(name), "--%s", opt->name);
	if ((r = keep(d, name)) < 0 || (arg && (r = keep(d, arg)) < 0))
		return r;
	return 0;
}

int pull_deploy_check(struct pull_deploy *d, const char **store, const char *pull_default)
{
	if (!d->on && d->only) {
		log_error("--%s is an option of --deploy: give --deploy too, or leave it out",
			  d->only);
		return -EINVAL;
	}
	if (*store)
		return 0;
	if (!d->on) {
		*store = pull_default;
		return 0;
	}
	/* deploy's default, so that both see one store. */
	if (!(d->store = site_store_path(d->root)))
		return log_oom();
	*store = d->store;
	return 0;
}

int pull_deploy_run(struct pull_deploy *d, const char *store, const char *hex)
{
	char *argv[PULL_DEPLOY_ARGS_MAX + 6];
	int argc = 0;

	argv[argc++] = (char *)"deploy";
	for (int i = 0; i < d->argc; i++)
		argv[argc++] = d->argv[i];
	argv[argc++] = (char *)"--store";
	argv[argc++] = (char *)store;
	argv[argc++] = (char *)"--";
	argv[argc++] = (char *)hex;
	argv[argc] = NULL;
	optind = 0;             /* getopt starts afresh on deploy's words */
	return cmd_deploy(argc, argv);
}

void pull_deploy_done(struct pull_deploy *d)
{
	for (int i = 0; i < d->argc; i++)
		free(d->argv[i]);
	d->argc = 0;
	free(d->store);
	d->store = NULL;
}
