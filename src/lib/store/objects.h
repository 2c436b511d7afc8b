/* SPDX-License-Identifier: MIT */
/*
 * The store objects images reference, and the one check of each against
 * the store: cfs-pivot's boot check (verity = boot-check, and the spot
 * check of verity = require), `cfsboot fsck` and `cfsboot inspect
 * --objects` all use this set, so that fsck passes exactly the stores the
 * boot accepts.
 *
 * An image names an object by its trusted.overlay.redirect ("/XX/<rest>",
 * layout.h) and pins its content by the digest in trusted.overlay.metacopy,
 * which is what overlayfs verity=require compares with the object's
 * fs-verity digest.  The check makes the same comparison in user space:
 * the object must open beneath the objects directory without a link or a
 * mount point on the way (beneath.h), be a regular file, and have that
 * digest, measured by the kernel when it has fs-verity, else computed.
 * A computed digest stays true only while nobody but root can change the
 * object or the directories holding it (exposure.h), which the check
 * requires too: nothing checks the content again after the boot.
 *
 * Usage: add images, sort, then check them all (cfs_objects_check_all(), on
 * several threads) or one group of entries that name the same object
 * (cfs_objects_group_end(), cfs_objects_check_group()); a group's check
 * writes only its own entries.
 */
#ifndef CFS_STORE_OBJECTS_H
#define CFS_STORE_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/image/image.h"
#include "lib/verity/measure.h"

/* One reference; entries with the same object, algorithm and digest are
 * kept once by cfs_objects_sort(). */
struct cfs_object {
	size_t path;                        /* offset into set->paths, or SIZE_MAX: no redirect */
	size_t path_len;
	struct cfs_verity_digest want;      /* what the image records; alg 0: nothing */
	uint64_t nid;                       /* a file that references it, for messages */
	const char *image;                  /* the first image added that needs it */
	/* The verdict of cfs_objects_check_group(): */
	bool checked;
	bool by_kernel;                     /* the digest was measured by fs-verity */
	int err;                            /* 0, or why the object is refused (see there) */
	struct cfs_verity_digest *found;    /* -EBADMSG: the digest the object has */
	char *exposed;                      /* -EPERM: who else could change it, "it has 2 hard links" */
	const char *doing;                  /* another error: what failed, "read" or "measure" */
};

struct cfs_objects {
	struct cfs_object *v;
	size_t n, cap;
	char *paths;                        /* NUL-terminated object paths, back to back */
	size_t paths_len, paths_cap;
	uint64_t files;                     /* references added, before sorting */
	/* Set before adding: */
	bool list_all;                      /* keep what no check accepts (inspect) */
	size_t limit;                       /* stop after this many references; 0: all */
};

/*
 * Adds every object img references.  image names it in messages and must
 * outlive the set.  Unless set->list_all, each reference must be one the
 * boot can check, else the image is refused with one line naming it and
 * the file's nid, and nothing of it stays in the set:
 *   -EUCLEAN   a file has a metacopy but no redirect, or its redirect is no
 *              normal path below the objects directory
 *   -ENODATA   a file records no digest for its object, so nothing can
 *              check its content
 * Other errors are the image's (cfs_image_walk_objects()) or -ENOMEM.
 */
int cfs_objects_add_image(struct cfs_objects *set, const struct cfs_image_file *img,
			  const char *image);

/* Sorts by object path (entries without one first), algorithm and digest,
 * and keeps each of them once. */
void cfs_objects_sort(struct cfs_objects *set);

/* The path of an entry relative to the objects directory, NUL-terminated,
 * or NULL when it has none. */
const char *cfs_object_path(const struct cfs_objects *set, const struct cfs_object *o);

/* After sorting: whether an entry names the object at path (relative to
 * the objects directory).  A binary search: what asks this of every
 * object it removes (cfsboot gc) costs the log of the set for each. */
bool cfs_objects_has_path(const struct cfs_objects *set, const char *path);

/* After sorting: the end of the group of entries from i that name the same
 * object as entry i. */
size_t cfs_objects_group_end(const struct cfs_objects *set, size_t i);

enum {
	/* Log the first refusal of the group, naming objects_name/path, the
	 * nid and what to do (cfs-pivot; fsck reports verdicts itself). */
	CFS_OBJECTS_LOG = 1 << 0,
	/* The object must have fs-verity (verity = require), else -ENODATA;
	 * the kernel checks it at every open, so who could replace it, or
	 * its directories, does not matter (no -EPERM). */
	CFS_OBJECTS_KERNEL_ONLY = 1 << 1,
	/* cfs_objects_check_all(): start no check after a refusal (the boot
	 * stops at the first; fsck reports them all). */
	CFS_OBJECTS_STOP = 1 << 2,
};

/*
 * Checks entries [i, end) of one group against the object in objects_fd:
 * the object is opened and measured once, computed once per algorithm.
 * Fills each entry's verdict, err being
 *   0            its digest is the recorded one
 *   -ENOENT      the object is missing (-ENOTDIR: its fan-out is no directory)
 *   -ELOOP       it is or passes through a symbolic link
 *   -EXDEV       it is or passes through a mount point
 *   -EUCLEAN     it is not a regular file
 *   -EBADMSG     its digest is another (o->found says which)
 *   -ENODATA     CFS_OBJECTS_KERNEL_ONLY and it has no fs-verity
 *   -EPERM       someone other than root could change it after the check
 *                (o->exposed says how): it has no fs-verity and more than
 *                one link, another owner or group/other write permission,
 *                or a directory on its way below and including the
 *                objects directory has another owner or such permission
 *   other        it could not be read or measured
 * and returns the first of them that is not 0, logged with CFS_OBJECTS_LOG.
 */
int cfs_objects_check_group(struct cfs_objects *set, size_t i, size_t end, int objects_fd,
			    const char *objects_name, unsigned flags);

/*
 * Checks every group as cfs_objects_check_group() does, on up to threads
 * threads (0: one per CPU): the objects below CFS_VERITY_SPLIT_MIN several
 * at a time, one on each thread, then each larger one on all threads.
 * Returns the first refusal in the set's order (logged with
 * CFS_OBJECTS_LOG), or 0; with CFS_OBJECTS_STOP the groups after it may be
 * left unchecked.
 */
int cfs_objects_check_all(struct cfs_objects *set, int objects_fd, const char *objects_name,
			  unsigned flags, unsigned threads);

void cfs_objects_free(struct cfs_objects *set);

#endif
