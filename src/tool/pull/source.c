// SPDX-License-Identifier: MIT
#include "tool/pull/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/array.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "tool/pull/encoding.h"
#include "tool/pull/source_priv.h"

/* CFSBOOT_NO_HTTP: a cfsboot linked without libcurl, which has no static
 * archive in Debian.  The VM guests' static cfsboot is built so
 * (tests/vm/lib.sh, vm_static_cfsboot); it pulls from directories only. */

int source_open(const char *spec, const struct source_options *o, struct source **out)
{
	struct source *s = calloc(1, sizeof(*s));
	int r = 0;

	if (!s || !(s->name = strdup(spec))) {
		free(s);
		return log_oom();
	}
	s->opts = *o;
	s->dir_fd = -1;
	if (strncmp(spec, "http://", 7) == 0 || strncmp(spec, "https://", 8) == 0) {
#ifdef CFSBOOT_NO_HTTP
		r = log_errno(-EINVAL, "source %s: this cfsboot is built without HTTP (libcurl): "
			      "pull from a directory, or with a cfsboot built with libcurl", spec);
#else
		r = source_http_open(s, spec);
#endif
	} else if (strstr(spec, "://")) {
		r = log_errno(-EINVAL, "source %s: only http://, https:// and directories are "
			      "supported", spec);
	} else {
		s->dir_fd = open(spec, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->dir_fd < 0)
			r = log_errno(-EINVAL, "source %s: cannot open the repository directory: "
				      "%s", spec, strerror(errno));
	}
	if (r < 0) {
		source_free(s);
		return r;
	}
	*out = s;
	return 0;
}

void source_free(struct source *s)
{
	if (!s)
		return;
	if (s->dir_fd >= 0)
		close(s->dir_fd);
#ifndef CFSBOOT_NO_HTTP
	source_http_free(s->http);
#endif
	free(s->name);
	free(s);
}

const char *source_name(const struct source *s)
{
	return s->name;
}

int source_fetch(struct source *s, struct fetch *f, size_t n, const struct source_progress *p)
{
	if (n == 0)
		return 0;
#ifndef CFSBOOT_NO_HTTP
	if (s->http)
		return source_http_fetch(s, f, n, p);
#endif
	return source_dir_fetch(s, f, n, p);
}

/* A sink that keeps the bytes in memory. */
struct membuf {
	uint8_t *data;
	size_t len, cap;
};

static int mem_reset(void *ud)
{
	((struct membuf *)ud)->len = 0;
	return 0;
}

static int mem_write(void *ud, const void *data, size_t len)
{
	struct membuf *m = ud;

	if (CFS_GROW(m->data, m->cap, m->len + len, 4096) < 0)
		return log_oom();
	memcpy(m->data + m->len, data, len);
	m->len += len;
	return 0;
}

static int mem_done(void *ud)
{
	(void)ud;
	return 0;
}

int source_fetch_buf(struct source *s, const char *path, enum encoding e, uint64_t max,
		     bool absent_ok, uint8_t **data, size_t *len)
{
	struct membuf m = {};
	struct decoder d = {};
	struct fetch f = { .absent_ok = absent_ok };
	int r;

	snprintf(f.path, sizeof(f.path), "%s%s", path, encoding_suffix(e));
	encoding_fetch(&f, e, max, &d, (struct fetch_sink){ mem_reset, mem_write, mem_done, &m });
	r = source_fetch(s, &f, 1, NULL);
	decoder_free(&d);
	if (r < 0) {
		free(m.data);
		return r;
	}
	/* Never NULL, so that an empty file is told from a failure. */
	*data = m.data ? m.data : malloc(1);
	*len = m.len;
	return *data ? 0 : log_oom();
}
