/* SPDX-License-Identifier: MIT */
/*
 * What deploy, status, bless and rollback do alike around their own work:
 * the site's and the trust options (DEPLOY_TRUST) among the command's own,
 * their help, the count of operands, then OpenSSL and the site opened, and
 * at the end the site closed and the exit code.
 */
#ifndef CFSBOOT_CMD_ARGS_H
#define CFSBOOT_CMD_ARGS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tool/deploy/check.h"
#include "tool/deploy/site.h"

/* The getopt_long entries every one of them takes. */
#define DEPLOY_LONG_OPTIONS \
	{ "help", no_argument, NULL, 'h' }, \
	SITE_LONG_OPTIONS, SIG_TRUST_OPTIONS, SIG_TRUST_TPM_OPTION

struct deploy_cmd {
	const struct option *opts;       /* DEPLOY_LONG_OPTIONS and the command's own */
	void (*usage)(FILE *out);
	/* The command's own options, as sig_trust_option(): 1 taken, 0 not
	 * one of them, <0 a bad value (logged).  NULL: it has none. */
	int (*option)(void *data, int c, const char *arg);
	void *data;
	/* The operands after the options: 0, or 1 with what to say when it is
	 * not there. */
	int operands;
	const char *operands_help;
	/* For deploy_cmd_main(): the command's work on the opened site, 0 or
	 * a negative errno (logged); lock as site_open()'s. */
	int (*run)(struct site *s, struct sig_trust *t, void *data);
	bool lock;
};

/* The end of the command's help: the site's, the trust and --help lines. */
void deploy_cmd_help(FILE *out);

/* --keep N of deploy and bless: the deployments kept, at least 1.
 * 1, or -EINVAL (logged), as a deploy_cmd option returns. */
int deploy_option_keep(const char *arg, uint64_t *keep);

/* Initialises s and t (DEPLOY_TRUST), parses argv.  Returns -1 when the
 * command goes on (argv[optind] is its operand), else the exit code to
 * return: EXIT_OK after --help, EXIT_USAGE (said why). */
int deploy_cmd_options(const struct deploy_cmd *c, int argc, char **argv, struct site *s,
		       struct sig_trust *t);

/* OpenSSL without a configuration file, then site_open(s, lock).  0, or a
 * negative errno, logged; site_close() s either way. */
int deploy_cmd_open(struct site *s, bool lock);

/* A whole command: deploy_cmd_options(), deploy_cmd_open(s, c->lock),
 * c->run(), site_close().  Returns the exit code: that of the options, or
 * EXIT_OK when run returned 0, else EXIT_FAILED. */
int deploy_cmd_main(const struct deploy_cmd *c, int argc, char **argv);

#endif
