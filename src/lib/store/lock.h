/* SPDX-License-Identifier: MIT */
/*
 * The store's lock, composefs-rs's convention: flock(2) on the store's
 * directory itself.  Whoever reads or adds to the store holds it shared
 * for as long as it works there (composefs-rs takes it when it opens a
 * repository, bootc when it deploys); garbage collection (cfsctl gc) holds
 * it exclusively, so it never deletes an object that a writer has just
 * linked or a reader is about to check.  cfsboot has no gc: its commands
 * take the shared lock only.
 *
 * cfs-pivot takes no lock: it runs before anything that could collect
 * garbage, and a boot must not wait for a lock left on the disk's
 * directory by nothing (flock locks do not outlive their process anyway).
 */
#ifndef CFS_STORE_LOCK_H
#define CFS_STORE_LOCK_H

/*
 * Takes the shared lock on the store at store_fd (any fd of the directory,
 * O_PATH included); store names it in messages.  When a gc holds the lock,
 * says once that it waits, then waits for it, as composefs-rs's readers
 * do.  Returns an fd that holds the lock until it is closed, or a negative
 * errno after one line.
 */
int cfs_store_lock_shared(int store_fd, const char *store);

#endif
