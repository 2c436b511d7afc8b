/* SPDX-License-Identifier: MIT */
/*
 * The store's lock, composefs-rs's convention: flock(2) on the store's
 * directory itself (opened for reading: an O_PATH descriptor cannot be
 * locked).  Whoever reads the store or adds to it holds it shared for as
 * long as it works there (composefs-rs takes it when it opens a repository,
 * bootc when it deploys; cfsboot's mkimage, sign, fsck, pull and deploy);
 * whoever removes from it (cfsboot gc, cfsctl gc) holds it exclusively, so
 * that nothing is deleted that a writer has just linked or a reader is
 * about to check.  The lock goes with the descriptor: closing it, or the
 * process ending, releases it.  Moving an earlier cfsboot's signatures out
 * of images/ (store_sig.h) needs no more than the shared lock: it only
 * renames, and two that race both end with the same store.
 *
 * cfs-pivot takes no lock: it runs before anything that could collect
 * garbage, and a boot must not wait for a lock.
 */
#ifndef CFS_STORE_LOCK_H
#define CFS_STORE_LOCK_H

#include <stdbool.h>

enum cfs_store_lock {
	CFS_STORE_LOCK_SHARED,      /* readers, mkimage, sign, fsck, pull, deploy */
	CFS_STORE_LOCK_EXCLUSIVE,   /* gc */
};

/*
 * Locks the store as asked: the directory store_fd (any fd of it, O_PATH
 * included), or, when store_fd is negative, the directory at the path
 * store, which also names it in messages.  With wait, a lock held elsewhere
 * is waited for after one line saying so, as composefs-rs's readers wait
 * for a gc; without, it is -EWOULDBLOCK at once, in one line that says what
 * to do.  Returns an fd that holds the lock until it is closed, or a
 * negative errno after one line.
 */
int cfs_store_lock(int store_fd, const char *store, enum cfs_store_lock how, bool wait);

#endif
