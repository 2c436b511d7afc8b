// SPDX-License-Identifier: MIT
#include "tool/deploy/cmd_args.h"

#include <errno.h>

#include "lib/base/log.h"
#include "lib/base/parse.h"
#include "tool/commands.h"
#include "tool/common/options.h"

void deploy_cmd_help(FILE *out)
{
	fputs(SITE_OPTIONS_HELP, out);
	sig_trust_help(out, DEPLOY_TRUST);
	fputs("  -h, --help         show this help\n", out);
}

int deploy_cmd_options(const struct deploy_cmd *c, int argc, char **argv, struct site *s,
		       struct sig_trust *t)
{
	int opt, r;

	site_init(s);
	sig_trust_init(t, DEPLOY_TRUST);
	while ((opt = getopt_long(argc, argv, "h", c->opts, NULL)) != -1) {
		if (site_option(s, opt, optarg))
			continue;
		r = sig_trust_option(t, opt, optarg);
		if (r == 0 && c->option)
			r = c->option(c->data, opt, optarg);
		if (r < 0)
			return EXIT_USAGE;
		if (r == 0)
			return option_end(opt, c->usage);
	}
	if (argc - optind == c->operands)
		return -1;
	if (c->operands_help)
		log_error("%s (see --help)", c->operands_help);
	else
		log_error("unexpected argument '%s' (see --help)", argv[optind]);
	return EXIT_USAGE;
}

int deploy_option_keep(const char *arg, uint64_t *keep)
{
	if (cfs_parse_u64(arg, keep) < 0 || *keep < 1)
		return log_errno(-EINVAL, "--keep %s: give how many deployments to keep, at least 1",
				 arg);
	return 1;
}

int deploy_cmd_open(struct site *s, bool lock)
{
	/* Before any other OpenSSL use, so that no openssl.cnf is read. */
	if (cfs_sig_init(false) < 0)
		return -ENOTRECOVERABLE;
	return site_open(s, lock);
}

int deploy_cmd_main(const struct deploy_cmd *c, int argc, char **argv)
{
	struct sig_trust t;
	struct site s;
	int r = deploy_cmd_options(c, argc, argv, &s, &t);

	if (r >= 0)
		return r;
	r = deploy_cmd_open(&s, c->lock);
	if (r == 0)
		r = c->run(&s, &t, c->data);
	site_close(&s);
	return r < 0 ? EXIT_FAILED : EXIT_OK;
}
