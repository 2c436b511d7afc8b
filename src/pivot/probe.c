// SPDX-License-Identifier: MIT
#include "probe.h"

#include <errno.h>
#include <string.h>

#include "fsctx.h"
#include "log.h"
#include "util.h"

/* 1 when the context accepts key=value, 0 when it refuses it as unknown. */
static int accepts(int fsfd, const char *key, const char *value)
{
	int r = value ? pivot_fsconfig_string(fsfd, key, value) : pivot_fsconfig_flag(fsfd, key);

	if (r == 0)
		return 1;
	if (r == -EINVAL)
		return 0;
	return log_errno(r, "cannot probe overlayfs option %s: %m", key);
}

int pivot_probe_overlay(struct pivot_probe *p)
{
	_cleanup_close_ int fsfd = pivot_fsopen("overlay");
	int r;

	memset(p, 0, sizeof(*p));
	if (fsfd < 0)
		return pivot_fs_fail(fsfd, "overlayfs", "");
	/* No overlayfs knows this key: one that takes it checks nothing. */
	r = accepts(fsfd, "cfsboot-probe-no-such-option", NULL);
	if (r != 0) {
		p->legacy_context = r > 0;
		return r < 0 ? r : 0;
	}
	/* Layers are looked up as they are given; "/" always exists. */
	r = accepts(fsfd, "lowerdir+", "/");
	if (r < 0)
		return r;
	p->lowerdir_append = r;
	if (p->lowerdir_append) {
		r = accepts(fsfd, "datadir+", "/");
		if (r < 0)
			return r;
		p->datadir_append = r;
	}
	r = accepts(fsfd, "verity", "require");
	if (r < 0)
		return r;
	p->verity = r;
	return 0;
}
