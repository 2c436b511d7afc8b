// SPDX-License-Identifier: MIT
/* A repository in a local directory: read beneath it, refusing links and
 * mount points on the way, as the store itself is read (lib/store/beneath.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/base/hex.h"
#include "lib/store/beneath.h"
#include "lib/store/layout.h"
#include "lib/store/store_image.h"
#include "tool/pull/source_priv.h"

#define READ_CHUNK (256 * 1024)

static int refuse(const struct source *s, const char *path, int r)
{
	switch (r) {
	case -ENOENT:
		return log_errno(r, "%s/%s: the repository has no such file; publish the image "
				 "there again (cfsboot publish)", s->name, path);
	case -ELOOP:
	case -EXDEV:
		return log_errno(r, "%s/%s: refused, the path leaves the repository through a "
				 "symbolic link or a mount point; copy the repository as files",
				 s->name, path);
	case -EUCLEAN:
		return log_errno(r, "%s/%s: refused, not a regular file", s->name, path);
	default:
		return log_errno(r, "%s/%s: cannot open: %s", s->name, path, strerror(-r));
	}
}

static bool is_plain_image(const char *path)
{
	const char *hex = path + strlen(CFS_STORE_IMAGES "/");

	return strncmp(path, CFS_STORE_IMAGES "/", strlen(CFS_STORE_IMAGES "/")) == 0 &&
	       strlen(hex) == 2 * CFS_SHA256_DIGEST_SIZE && cfs_hex_is_lower(hex, strlen(hex));
}

static int fetch_one(struct source *s, struct fetch *f, const struct source_progress *p,
		     uint8_t *buf)
{
	_cleanup_close_ int fd = -1;
	uint64_t got = 0;
	int r;

	/* A plain image is read as a store names it, so that a copy of a
	 * store is a repository: images/<hex> may be a link to its object. */
	if (is_plain_image(f->path)) {
		const char *hex = f->path + strlen(CFS_STORE_IMAGES "/");
		char shown[PATH_MAX];

		snprintf(shown, sizeof(shown), "%s/%s", s->name, f->path);
		fd = cfs_store_open_image(s->dir_fd, hex, hex, shown,
					  "publish the image there again (cfsboot publish)");
		if (fd < 0)
			return fd;      /* said why */
	} else if ((fd = cfs_open_beneath_regular(s->dir_fd, f->path)) < 0) {
		return fd == -ENOENT && f->absent_ok ? fd : refuse(s, f->path, fd);
	}
	if ((r = f->sink.reset(f->sink.ud)) < 0)
		return r;
	for (;;) {
		ssize_t n = read(fd, buf, READ_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return log_errno(-EIO, "%s/%s: cannot read: %m", s->name, f->path);
		if (n == 0)
			break;
		if (got + (uint64_t)n > f->max)
			return log_errno(-EFBIG, "%s/%s: refused, larger than the %llu bytes it "
					 "must have", s->name, f->path, (unsigned long long)f->max);
		got += (uint64_t)n;
		if ((r = f->sink.write(f->sink.ud, buf, (size_t)n)) < 0)
			return r;
		if (p)
			p->bytes(p->ud, (uint64_t)n);
	}
	if ((r = f->sink.done(f->sink.ud)) < 0)
		return r;
	if (p)
		p->file(p->ud, f->size);
	return 0;
}

int source_dir_fetch(struct source *s, struct fetch *f, size_t n, const struct source_progress *p)
{
	_cleanup_free_ uint8_t *buf = malloc(READ_CHUNK);
	int r;

	if (!buf)
		return log_oom();
	for (size_t i = 0; i < n; i++)
		if ((r = fetch_one(s, &f[i], p, buf)) < 0)
			return r;
	return 0;
}
