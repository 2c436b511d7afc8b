/* SPDX-License-Identifier: MIT */
/*
 * Opening the image images/<hex> of a store.  cfsboot mkimage --store and
 * composefs-rs keep an image as an object of the store and name it with a
 * relative symbolic link, images/<hex> -> ../objects/XX/<rest>; an image
 * that is a regular file in images/ (stores of earlier cfsboot versions,
 * hand-made ones) is read as it is.
 *
 * A link is followed only while it stays in the store: each hop is read
 * beneath the store's fd (beneath.h: no link before the last component, no
 * magic link, no mount point), its target must be relative and must not
 * climb above the store, at most CFS_STORE_IMAGE_HOPS links are followed,
 * and where a link leads must be the object of the image's own digest,
 * objects/XX/<rest>, a regular file.  Anything else is refused in one line.
 */
#ifndef CFS_STORE_IMAGE_H
#define CFS_STORE_IMAGE_H

/* composefs-rs needs one hop (images/<hex> -> the object); a ref under
 * images/refs/ adds one, and a little room is left beyond that. */
#define CFS_STORE_IMAGE_HOPS 8

/*
 * Opens images/<name> beneath store_fd for reading, the image of digest
 * hex: name is hex itself but for an image that cfsboot gc has renamed on
 * its way out (.gc-<hex>), whose link must still end at the object of hex.
 * shown names the image in messages (<store>/images/<name>), hint says
 * what to do when it does not exist.  Returns the fd (O_RDONLY), or a negative errno after logging one
 * line: -ENOENT missing, -ELOOP a link not allowed (leaving the store, a
 * loop, too many hops, before the last component), -EUCLEAN not a regular
 * file or not the image's object, -EXDEV a mount point, -ENOMEM.
 */
int cfs_store_open_image(int store_fd, const char *name, const char *hex, const char *shown,
			 const char *hint);

#endif
