/* SPDX-License-Identifier: MIT */
/* The two kinds of source behind source.h. */
#ifndef CFSBOOT_SOURCE_PRIV_H
#define CFSBOOT_SOURCE_PRIV_H

#include "tool/pull/source.h"

struct source_http;

struct source {
	char *name;                  /* the SPEC, for messages */
	struct source_options opts;
	int dir_fd;                  /* a directory source, or -1 */
	struct source_http *http;    /* an HTTP source, or NULL */
};

int source_dir_fetch(struct source *s, struct fetch *f, size_t n, const struct source_progress *p);

int source_http_open(struct source *s, const char *url);
void source_http_free(struct source_http *h);
int source_http_fetch(struct source *s, struct fetch *f, size_t n,
		      const struct source_progress *p);

#endif
