// SPDX-License-Identifier: MIT
/* cfsboot status: what booted, what boots next, what a rollback would choose. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lib/base/json_write.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "tool/commands.h"
#include "tool/deploy/cmd_args.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: cfsboot status [--json] [OPTIONS]\n\n"
		     "Show the deployments in the loader's order: which one booted (cfs-pivot's\n"
		     "status file and the command line), the default of the next boot, the\n"
		     "rollback, a pending one (the default when it has not booted yet), and for\n"
		     "each its digest, signer, security version and tries left, or bad; then the\n"
		     "anti-rollback floor.\n\n"
		     "  --json             one JSON object instead (docs/update.md)\n");
	deploy_cmd_help(out);
}

struct row {
	const struct deployment *d;
	struct signed_by by;
	bool verified;
};

static const char *hex_or_null(const struct deployment *d)
{
	return d ? d->hex : NULL;
}

static void json_digest(const char *key, const char *hex, bool comma)
{
	printf("  \"%s\": ", key);
	if (hex)
		printf("\"%s\"", hex);
	else
		printf("null");
	printf("%s\n", comma ? "," : "");
}

static void print_json(const struct site *s, const struct row *rows, const struct floor *fl,
		       const struct deployment *pending)
{
	printf("{\n");
	json_digest("booted", s->booted[0] ? s->booted : NULL, true);
	json_digest("default", hex_or_null(site_default(s)), true);
	json_digest("rollback", hex_or_null(site_rollback(s)), true);
	json_digest("pending", hex_or_null(pending), true);
	printf("  \"floor\": %llu,\n  \"floor_tpm\": %s,\n  \"deployments\": [",
	       (unsigned long long)fl->value, fl->tpm ? "true" : "false");
	for (size_t i = 0; i < s->n; i++) {
		const struct deployment *d = rows[i].d;

		printf("%s\n    {\"digest\": \"%s\", \"entry\": ", i ? "," : "", d->hex);
		cfs_json_write_string(stdout, d->file);
		printf(", \"serial\": %llu, \"verified\": %s", (unsigned long long)d->serial,
		       rows[i].verified ? "true" : "false");
		if (rows[i].verified) {
			printf(", \"signer\": ");
			cfs_json_write_string(stdout, rows[i].by.signer);
			printf(", \"version\": %llu", (unsigned long long)rows[i].by.version);
		}
		if (d->name.counting)
			printf(", \"tries_left\": %u, \"tries_done\": %u", d->name.left, d->name.done);
		printf(", \"blessed\": %s, \"bad\": %s, \"booted\": %s}",
		       d->name.counting ? "false" : "true", d->bad ? "true" : "false",
		       d->booted ? "true" : "false");
	}
	printf("%s]\n}\n", s->n ? "\n  " : "");
}

static void print_text(const struct site *s, const struct row *rows, const struct floor *fl,
		       const struct deployment *pending)
{
	if (!s->booted[0])
		printf("booted: not from a cfsboot image (no composefs.digest= in %s)\n",
		       s->cmdline_file);
	else if (!site_booted(s))
		printf("booted: %s, which has no entry any more\n", s->booted);
	for (size_t i = 0; i < s->n; i++) {
		const struct deployment *d = rows[i].d;
		char roles[64] = "";

		if (d->booted)
			strcat(roles, " booted");
		if (d == site_default(s))
			strcat(roles, " default");
		if (d == site_rollback(s))
			strcat(roles, " rollback");
		if (d == pending)
			strcat(roles, " pending");
		printf("%s%s\n", d->hex, roles);
		if (rows[i].verified)
			printf("  signer: %s\n  version: %llu\n", rows[i].by.signer,
			       (unsigned long long)rows[i].by.version);
		else
			printf("  signature: refused (the message above says why)\n");
		if (d->bad)
			printf("  tries: bad (%u failed)\n", d->name.done);
		else if (d->name.counting)
			printf("  tries: %u left, %u used\n", d->name.left, d->name.done);
		else
			printf("  tries: blessed\n");
		printf("  entry: %s\n", d->file);
	}
	printf("floor: %llu (%s)\n", (unsigned long long)fl->value,
	       fl->tpm ? "the TPM's counter and min-version" : "min-version; no TPM");
}

static int json_option(void *data, int c, const char *arg)
{
	(void)arg;
	if (c != 'j')
		return 0;
	*(bool *)data = true;
	return 1;
}

static int status(struct site *s, struct sig_trust *t, void *data)
{
	const bool *json = data;
	const struct deployment *pending;
	struct floor fl;
	struct row *rows = NULL;
	int r = floor_read(t, &fl);

	if (r == 0 && !(rows = calloc(s->n ? s->n : 1, sizeof(*rows))))
		r = log_oom();
	if (r == 0) {
		for (size_t i = 0; i < s->n; i++) {
			rows[i].d = &s->d[i];
			rows[i].verified = check_signature(s, t, s->d[i].hex, 0, &rows[i].by) == 0;
		}
		pending = site_default(s) && !site_default(s)->booted ? site_default(s) : NULL;
		(*json ? print_json : print_text)(s, rows, &fl, pending);
	}
	free(rows);
	return r;
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		DEPLOY_LONG_OPTIONS,
		{}
	};
	bool json = false;
	const struct deploy_cmd cmd = {
		.opts = opts, .usage = usage, .option = json_option, .data = &json,
		.run = status,
	};

	return deploy_cmd_main(&cmd, argc, argv);
}
