/* SPDX-License-Identifier: MIT */
/*
 * Staging of overlayfs layers.  Overlayfs takes a private clone of each
 * layer's mount, and before Linux 6.15 it can only clone a mount that is
 * attached in the caller's mount namespace, not a detached one (an fsmount()
 * or open_tree() result).  On such kernels each detached mount a layer
 * lies on is attached for the moment in a private directory under the run
 * directory (/run/cfsboot), and detached again once the overlays hold
 * their clones: nothing is ever attached where anyone looks.
 *
 * The fds keep naming the same mounts once attached, so the layer paths
 * (/proc/self/fd/N/...) stay the same.
 */
#ifndef CFS_PIVOT_STAGE_H
#define CFS_PIVOT_STAGE_H

#include <stdbool.h>

/* The detached mounts a boot stages: the image, the state, a tmpfs. */
#define PIVOT_STAGE_MAX 4

struct pivot_stage {
	const char *run_dir;      /* where the staging directory is made */
	bool active;              /* layers must be attached before use */
	char *dir;                /* <run_dir>/.stage-XXXXXX, once made */
	unsigned int n;
	int fds[PIVOT_STAGE_MAX]; /* the mounts attached there, in order */
};

void pivot_stage_init(struct pivot_stage *st, const char *run_dir);

/* Attaches the detached mount mnt_fd in the staging directory, unless it
 * is attached there already.  0 or a negative errno, logged. */
int pivot_stage_attach(struct pivot_stage *st, int mnt_fd);

/* Detaches everything staged and removes the directory.  A failure is
 * logged as a warning: it leaves an empty directory in /run at worst. */
void pivot_stage_release(struct pivot_stage *st);

#endif
