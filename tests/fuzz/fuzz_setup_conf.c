// SPDX-License-Identifier: MIT
/*
 * setup-root-conf.toml comes from the image: signed, but written by
 * whoever built the image, for tools other than cfs-pivot.  Any bytes must
 * be accepted or refused cleanly, with a line inside the text and a
 * message; an accepted file holds only valid modes, reads back the same
 * from its canonical form, and can only tighten a policy.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/log.h"
#include "pivot/boot/image_config.h"
#include "pivot/boot/setup_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void print_dir(FILE *f, const char *name, const struct pivot_setup_dir *d)
{
	fprintf(f, "[%s]\ntransient = %s\n", name, d->transient ? "true" : "false");
	if (d->mount != PIVOT_SETUP_UNSET)
		fprintf(f, "mount = \"%s\"\n", pivot_setup_mount_to_string(d->mount));
}

static int etc_rank(enum pivot_etc e)
{
	return e == PIVOT_ETC_BIND ? 0 : e == PIVOT_ETC_OVERLAY ? 1 : e == PIVOT_ETC_TRANSIENT ? 2 : 3;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pivot_setup_conf c, back;
	struct pivot_setup_error err;
	char text[512];
	size_t lines = 1;
	FILE *f;

	cfs_log_set_level(LOG_CRIT);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (pivot_setup_conf_parse((const char *)data, size, &c, &err) < 0) {
		if (err.line > lines || !memchr(err.what, '\0', sizeof(err.what)) || !err.what[0])
			abort();
		return 0;
	}
	if (c.etc.mount > PIVOT_SETUP_TRANSIENT || c.var.mount > PIVOT_SETUP_TRANSIENT)
		abort();

	f = fmemopen(text, sizeof(text), "w");
	if (!f)
		return 0;
	fprintf(f, "[root]\ntransient = %s\n", c.root_transient ? "true" : "false");
	print_dir(f, "etc", &c.etc);
	print_dir(f, "var", &c.var);
	fclose(f);
	if (pivot_setup_conf_parse(text, strlen(text), &back, &err) < 0 ||
	    c.root_transient != back.root_transient || c.etc.mount != back.etc.mount ||
	    c.etc.transient != back.etc.transient || c.var.mount != back.var.mount ||
	    c.var.transient != back.var.transient)
		abort();

	for (int e = 0; e < _PIVOT_ETC_MAX; e++)
		for (int v = 0; v < _PIVOT_VAR_MAX; v++) {
			struct pivot_policy p;

			pivot_policy_defaults(&p);
			p.etc = e;
			p.var = v;
			if (pivot_image_config_tighten(&p, &c) < 0)
				continue;
			if (p.etc >= _PIVOT_ETC_MAX || etc_rank(p.etc) < etc_rank(e) ||
			    p.var >= _PIVOT_VAR_MAX || (v == PIVOT_VAR_NONE && p.var != v))
				abort();
		}
	return 0;
}
