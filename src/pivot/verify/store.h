/* SPDX-License-Identifier: MIT */
/*
 * The composefs store on the physical root (docs/policy.md, "store"):
 * <store>/images/<hex digest> is the image the command line names,
 * <store>/images/<hex digest>.sig its signature, <store>/objects/ the
 * content objects, <store>/meta.json (when there) the algorithm.  Everything
 * is opened beneath the physical root without following links (beneath.h);
 * the image is a regular file, or composefs-rs's link to its own object in
 * the store (store_image.h).
 */
#ifndef CFS_PIVOT_STORE_H
#define CFS_PIVOT_STORE_H

#include <limits.h>
#include <sys/types.h>

#include "lib/image/image.h"
#include "pivot/boot/digest.h"

struct pivot_store {
	int root_fd;        /* O_PATH: the physical root, a mount point */
	int store_fd;       /* O_PATH: the store directory */
	int objects_fd;     /* O_PATH: <store>/objects */
	int image_fd;       /* O_RDONLY: <store>/images/<hex>, or its sealed copy (verity.h) */
	char hex[PIVOT_DIGEST_HEX_MAX];
	char *store_path;   /* as messages name it: <sysroot><store>, no trailing "/" */
	char *image_path;   /* <sysroot><store>/images/<hex> */
	char *objects_path; /* <sysroot><store>/objects */
	struct cfs_image_file *image;  /* image_fd parsed, by pivot_store_image() */
};

/* Sets every fd to -1, so that pivot_store_close() may always be called. */
void pivot_store_init(struct pivot_store *s);

/*
 * Opens the physical root at sysroot (which must be a mount point), the
 * store at store_path beneath it (an absolute, normalised policy path),
 * the image named by d and the objects directory.  Returns 0, or a negative
 * errno after logging one line that says what is missing or unsafe and what
 * to do; -ENOMEM is the only error that is not the store's fault.
 */
int pivot_store_open(struct pivot_store *s, const char *sysroot, const char *store_path,
		     const struct pivot_digest *d);

/*
 * Opens the image's signature for reading: signatures/<hex>.sig, or in a
 * store an earlier cfsboot wrote images/<hex>.sig (lib/store/store_sig.h);
 * name gets the path opened as messages name it.  Returns the fd, -ENOENT
 * (not logged: whether a missing signature is fine is the policy's call)
 * or another negative errno, logged.
 */
int pivot_store_open_signature(const struct pivot_store *s, char name[PATH_MAX]);

/*
 * The image at image_fd, parsed.  Read once, by the first caller, for all
 * later ones: call it only once the digest check has verified image_fd
 * (verity.h: a file with fs-verity, which cannot change, or the sealed
 * copy), so that every reader parses the bytes that were verified.
 * Returns 0 with *img set (s owns it), or a negative errno of
 * cfs_image_open_fd(), logged.
 */
int pivot_store_image(struct pivot_store *s, const struct cfs_image_file **img);

void pivot_store_close(struct pivot_store *s);

#endif
