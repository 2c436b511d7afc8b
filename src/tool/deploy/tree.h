/* SPDX-License-Identifier: MIT */
/*
 * Whole directory trees of the state and the boot partition.
 *
 * tree_copy() copies a deployment's state directory for the next deployment: files,
 * directories, symbolic links and device nodes (overlayfs whiteouts are
 * 0/0 character devices) with their owners, modes, times and extended
 * attributes (overlayfs's trusted.overlay.* among them), everything
 * fsync'ed.  Hard links are copied as separate files.
 */
#ifndef CFSBOOT_TREE_H
#define CFSBOOT_TREE_H

/* Copies the tree at from into the new directory to, which must not
 * exist.  0 or a negative errno, logged. */
int tree_copy(const char *from, const char *to);

/* Removes path and everything below it, following no link; a missing
 * path is 0.  0 or a negative errno, logged. */
int tree_remove(const char *path);

/* fsync of the directory path, so that a rename or removal in it lasts. */
int tree_sync_dir(const char *path);

#endif
