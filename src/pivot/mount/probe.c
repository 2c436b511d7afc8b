// SPDX-License-Identifier: MIT
/*
 * The probe runs on the context the composed root is then mounted from,
 * rather than on one of its own: closing an overlayfs context that never
 * made a superblock waits for an RCU grace period, which costs
 * milliseconds on a busy machine.
 */
#include "pivot/mount/probe.h"

#include <errno.h>
#include <string.h>

#include "pivot/mount/fsctx.h"
#include "lib/base/log.h"

/* 1 when the context knows key=value, 0 when it refuses it as unknown;
 * answer is the errno that means "known" besides success. */
static int knows(int fsfd, const char *key, const char *value, int answer)
{
	int r = value ? pivot_fsconfig_string(fsfd, key, value) : pivot_fsconfig_flag(fsfd, key);

	if (r == 0 || r == answer)
		return 1;
	if (r == -EINVAL)
		return 0;
	return log_errno(r, "cannot probe overlayfs option %s: %m", key);
}

/*
 * The layer keys are probed with a directory that resolves: overlayfs
 * writes every layer it fails to resolve to the kernel log, so a path
 * that cannot exist would put a false error into every boot's log.  A
 * known key takes the layer into the context, and an empty lowerdir
 * drops all layers again (Linux 6.5 and later, as every context that
 * checks its keys).
 */
static int probe_layers(int fsfd, int layer_fd, struct pivot_probe *p)
{
	char layer[PIVOT_FD_PATH_MAX];
	int r;

	pivot_fd_path(layer_fd, layer);
	r = knows(fsfd, "lowerdir+", layer, 0);
	if (r < 0)
		return r;
	p->lowerdir_append = r;
	r = knows(fsfd, "datadir+", layer, 0);
	if (r < 0)
		return r;
	p->datadir_append = r;
	r = pivot_fsconfig_string(fsfd, "lowerdir", "");
	if (r < 0)
		return log_errno(r, "cannot reset overlayfs's layers after probing them: %m");
	return 0;
}

int pivot_probe_overlay(int fsfd, int layer_fd, struct pivot_probe *p)
{
	char discard[PIVOT_FS_REASON_MAX];
	int r;

	memset(p, 0, sizeof(*p));
	/* No overlayfs knows this key: one that takes it checks nothing. */
	r = knows(fsfd, "cfsboot-probe-no-such-option", NULL, 0);
	if (r != 0) {
		p->legacy_context = r > 0;
		return r < 0 ? r : 0;
	}
	r = probe_layers(fsfd, layer_fd, p);
	if (r < 0)
		return r;
	r = knows(fsfd, "verity", "require", 0);
	if (r < 0)
		return r;
	p->verity = r;
	if (p->verity && pivot_fsconfig_string(fsfd, "verity", "off") < 0)
		return log_errno(-errno, "cannot reset overlayfs option verity after probing it: %m");
	/* The refusals above are in the context's log: not the reason of a
	 * later failure. */
	pivot_fs_reason(fsfd, discard, sizeof(discard));
	return 0;
}
