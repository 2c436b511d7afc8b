/* SPDX-License-Identifier: MIT */
/*
 * The store's lock, composefs-rs's convention: a flock(2) on the store
 * directory itself (opened for reading: an O_PATH descriptor cannot be
 * locked).  Whoever reads the store or adds to it holds it shared; whoever
 * removes from it (cfsboot gc) holds it exclusively, so that nothing is
 * deleted under a reader that is about to use it.  The lock goes with the
 * descriptor: closing it, or the process ending, releases it.
 */
#ifndef CFS_STORE_LOCK_H
#define CFS_STORE_LOCK_H

#include <stdbool.h>

enum cfs_store_lock {
	CFS_STORE_LOCK_SHARED,      /* readers, mkimage, pull, deploy */
	CFS_STORE_LOCK_EXCLUSIVE,   /* gc */
};

/*
 * Opens the directory path and locks it as asked.  With wait false a lock
 * someone else holds is -EWOULDBLOCK at once, else it waits for it.
 * Returns the locked descriptor or a negative errno, logged with what to
 * do ("another cfsboot holds the store ...").
 */
int cfs_store_lock_open(const char *path, enum cfs_store_lock how, bool wait);

#endif
