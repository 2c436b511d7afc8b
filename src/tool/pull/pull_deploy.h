/* SPDX-License-Identifier: MIT */
/*
 * pull --deploy: the pulled image handed to cfsboot deploy (tool/deploy),
 * run as `cfsboot deploy` with the options pull was given for it: deploy's
 * own and its site's, pull's trust options and its store.  So deploy
 * verifies the image again, as cfs-pivot will, with its own code; pull
 * only collects the words.
 */
#ifndef CFSBOOT_PULL_DEPLOY_H
#define CFSBOOT_PULL_DEPLOY_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "tool/deploy/site.h"

enum {
	PULL_DEPLOY_OPT = 0x2000, PULL_DEPLOY_OPT_TRIES, PULL_DEPLOY_OPT_KEEP,
	PULL_DEPLOY_OPT_KERNEL_ROOT,
};

/* deploy's options that pull takes with --deploy, and the site's, whose
 * --store is pull's own too. */
#define PULL_DEPLOY_OPTIONS \
	{ "deploy",       no_argument,       NULL, PULL_DEPLOY_OPT }, \
	{ "tries",        required_argument, NULL, PULL_DEPLOY_OPT_TRIES }, \
	{ "keep",         required_argument, NULL, PULL_DEPLOY_OPT_KEEP }, \
	{ "kernel-root",  required_argument, NULL, PULL_DEPLOY_OPT_KERNEL_ROOT }, \
	SITE_LONG_OPTIONS

#define PULL_DEPLOY_ARGS_MAX 64

struct pull_deploy {
	bool on;                       /* --deploy */
	const char *only;              /* a deploy option given without --deploy */
	const char *root;              /* --root, for the store's default */
	char *store;                   /* that default, when pull_deploy_check() set it */
	char *argv[PULL_DEPLOY_ARGS_MAX + 1];
	int argc;
};

void pull_deploy_help(FILE *out);
/* Whether c is one of deploy's options, which pull only passes on (not
 * --store, SITE_OPT_STORE, which pull uses and passes on itself). */
bool pull_deploy_takes(int c);
/* Keeps option opt (its getopt_long entry) with arg for deploy: one of
 * deploy's, or a trust option, which pull uses too.  0, or -E2BIG for too
 * many, -ENOMEM (logged). */
int pull_deploy_option(struct pull_deploy *d, const struct option *opt, const char *arg);
/* After the options: 0, or -EINVAL (logged) for a deploy option without
 * --deploy, -ENOMEM (logged).  *store is set to deploy's default
 * (site_store_path()) when it is NULL; pull_deploy_done() frees it. */
int pull_deploy_check(struct pull_deploy *d, const char **store, const char *pull_default);
/* Runs cfsboot deploy on the image hex of store; returns its exit code. */
int pull_deploy_run(struct pull_deploy *d, const char *store, const char *hex);
void pull_deploy_done(struct pull_deploy *d);

#endif
