/* SPDX-License-Identifier: MIT */
/*
 * The writable parts of the booted system, as the policy's etc and var keys
 * say, in the composefs-rs/bootc layout: the deployment's state directory
 * is <physical root><state>/deploy/<hex digest>/ (docs/policy.md), with
 *   etc/upper, etc/work   etc = overlay (over the image's /etc)
 *   etc                   etc = bind (the deployment's own /etc)
 *   var                   var = bind: a directory, or bootc's relative link
 *                         to the var deployments share, ../../os/default/var
 *                         (links are followed beneath the state directory only)
 * and etc = transient keeps its upper directory on a tmpfs, with the files
 * of etc-keep bound over it from etc/upper (etc_keep.h).  Directories
 * are created on first boot (mode 0755, work 0700, owned by root), except
 * etc for etc = bind, which the tool that installs the image (bootc or
 * composefs-rs; cfsboot has no deploy command yet) fills with the image's
 * /etc: an empty /etc would boot a system without accounts or services.
 *
 * The state is written through a writable clone of the physical root's
 * mount, so the physical root's own mount can stay read-only; only a file
 * system mounted read-only as a whole (its superblock) refuses, with what
 * to change on the kernel command line or in the policy.  Everything is
 * prepared detached; attach.h puts it in place.
 */
#ifndef CFS_PIVOT_STATE_H
#define CFS_PIVOT_STATE_H

#include <stdbool.h>

#include "pivot/mount/etc_keep.h"
#include "pivot/mount/plan.h"
#include "pivot/boot/policy.h"
#include "pivot/mount/stage.h"

struct pivot_state_in {
	const struct pivot_policy *policy;
	const char *hex;          /* the image's digest, its deployment's name */
	const char *sysroot;      /* in messages */
	bool pid1;                /* PID-1 mode mounted the physical root (messages) */
	int physroot_fd;          /* the physical root (attached) */
	int erofs_fd;             /* the image's tree */
	int root_fd;              /* the composed tree */
	int objects_fd;
	const struct pivot_plan *plan;
	struct pivot_stage *stage;
};

struct pivot_state {
	int etc_fd;               /* the mount for /etc, or -1 */
	int var_fd;               /* the mount for /var, or -1 */
	int rw_fd;                /* the writable clone of the physical root, or -1 */
	int tmpfs_fd;             /* etc = transient: the tmpfs, or -1 */
	struct pivot_etc_keep keep;  /* etc = transient: etc-keep's files (etc_keep.h) */
};

void pivot_state_init(struct pivot_state *s);

/*
 * Prepares the /etc and /var mounts.  Before writing anything it checks
 * that the image has the directories they go on and, for etc = bind, that
 * the deployment's etc exists.  Returns 0, or a negative errno after
 * logging one line (-ENOMEM aside, all of class "state").
 */
int pivot_state_prepare(const struct pivot_state_in *in, struct pivot_state *s);

void pivot_state_close(struct pivot_state *s);

#endif
