/* SPDX-License-Identifier: MIT */
/*
 * An image's signature in the store: signatures/<hex>.sig (layout.h).
 * Earlier cfsboot versions kept it next to the image, images/<hex>.sig, but
 * composefs-rs's gc and fsck and bootc's upgrade stop on anything in
 * images/ other than images and refs/, so it moved.  A store such a version
 * wrote must still boot once the initramfs carries a newer cfs-pivot (an
 * update installs the new initramfs before anything rewrites the store), so
 * readers look in signatures/ and, only when it has none there, in the old
 * place; and the tool's commands that change the store move the old ones
 * over first.  Where a signature was found carries no trust: it is
 * verified the same either way.
 */
#ifndef CFS_STORE_SIG_H
#define CFS_STORE_SIG_H

#include "lib/store/layout.h"

/*
 * Opens the signature of the image hex beneath store_fd for reading, as
 * cfs_open_beneath_regular() opens it (no link, no mount point, a regular
 * file): signatures/<hex>.sig, or when that does not exist
 * images/<hex>.sig.  rel gets the path opened, relative to the store, for
 * messages (the new one when neither exists).  Returns the fd, -ENOENT
 * when there is neither, or the error of the one that exists (-ELOOP,
 * -EXDEV, -EUCLEAN, -ENOTDIR ...).  Logs nothing: cfs_beneath_refusal()
 * says why in the caller's words.
 */
int cfs_store_open_signature(int store_fd, const char *hex,
			     char rel[CFS_STORE_SIGNATURE_REL_SIZE]);

/*
 * The store's signatures/ directory, created (0755, its entry in the store
 * made durable) when missing, opened beneath store_fd for writing files
 * into it.  store names the store in messages.  Returns the fd (O_RDONLY,
 * O_DIRECTORY) or a negative errno after one line.
 */
int cfs_store_open_signatures(int store_fd, const char *store);

/*
 * Moves every images/<hex>.sig of the store (a regular file named by a
 * digest) to signatures/<hex>.sig with a rename, then syncs both
 * directories.  When signatures/ has one already, it is kept and the old
 * one removed, with a warning when they differ.  An entry of that name that
 * is no regular file (a link, a directory) is left as it is, with a
 * warning naming it.  A rename a concurrent migration did first counts as
 * done.  Says in one line how many moved, when any did.  The caller holds
 * the store's lock (lock.h).  Returns that number or a negative errno after
 * one line.
 */
int cfs_store_migrate_signatures(int store_fd, const char *store);

#endif
