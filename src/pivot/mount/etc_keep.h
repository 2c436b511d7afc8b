/* SPDX-License-Identifier: MIT */
/*
 * etc = transient's kept files (docs/policy.md, "etc-keep"): /etc is the
 * image's, on a tmpfs upper layer, and each file etc-keep names is bound
 * over it, one by one, from the deployment's state, where etc = overlay
 * keeps it too: <state>/deploy/<hex>/etc/upper/<name>.  Only what the
 * list names can come from the physical root, and only as data: a regular
 * file owned by root, not writable by group or others, with one link,
 * opened beneath the state without following links or crossing mounts,
 * and bound nosuid,nodev,noexec.  Anything else there (a link, a
 * directory, a FIFO, a mount) is ignored with one warning and /etc keeps
 * the image's copy: refusing the boot would let anyone who can write the
 * disk deny it, and the image's copy is the verified one.
 *
 * A name (not a pattern) the state lacks is created there on the first
 * boot, as a copy of the image's file or empty, so that what the system
 * writes to it persists; patterns only match what the state holds.  On a
 * read-only physical root nothing is created.  The bind mounts are made
 * detached and attached after /etc (attach.c).
 */
#ifndef CFS_PIVOT_ETC_KEEP_H
#define CFS_PIVOT_ETC_KEEP_H

#include <stdbool.h>
#include <stddef.h>

#include "pivot/boot/policy.h"

#define PIVOT_KEEP_FILES_MAX 32    /* files bound, patterns expanded */
#define PIVOT_KEEP_NAME_SIZE (PIVOT_KEEP_ENTRY_SIZE + 256)

struct pivot_etc_keep_in {
	const struct pivot_keep_list *list;
	int physroot_fd;          /* the physical root (attached): files are bound from it */
	int deploy_rw_fd;         /* the deployment's directory, writable; -1 on a read-only root */
	const char *deploy_rel;   /* it, relative to the physical root */
	const char *shown;        /* and as messages name it */
	int etc_fd;               /* the transient /etc, detached */
};

struct pivot_etc_keep {
	size_t n;
	int mount_fd[PIVOT_KEEP_FILES_MAX];   /* the detached bind mount of the state's file */
	int target_fd[PIVOT_KEEP_FILES_MAX];  /* the file it goes over in the transient /etc */
	char name[PIVOT_KEEP_FILES_MAX][PIVOT_KEEP_NAME_SIZE];  /* below /etc */
};

void pivot_etc_keep_init(struct pivot_etc_keep *k);
void pivot_etc_keep_close(struct pivot_etc_keep *k);

/* Whether the policy's kept files need a writable state: etc = transient
 * with a list, on a physical root whose file system is writable. */
bool pivot_etc_keep_writes(const struct pivot_policy *p, int physroot_fd);

/* Prepares the bind mounts of the kept files.  Returns 0, or a negative
 * errno after logging one line (a state that cannot be written). */
int pivot_etc_keep_prepare(const struct pivot_etc_keep_in *in, struct pivot_etc_keep *k);

/* Binds each prepared file over its /etc one, once /etc is attached;
 * 0 or a negative errno, logged. */
int pivot_etc_keep_attach(const struct pivot_etc_keep *k);

#endif
