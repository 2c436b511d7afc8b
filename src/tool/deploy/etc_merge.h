/* SPDX-License-Identifier: MIT */
/*
 * The 3-way merge of /etc for etc = bind, as ostree and bootc make it: the
 * state's etc is the booted image's /etc as changed on the device.  Against
 * the new image, for each file, symbolic link and directory:
 *
 *   unchanged on the device (it is what the old image has)  -> the new image's
 *   changed, added or removed on the device                 -> stays as it is
 *   new in the new image, absent on the device and in the old image -> added
 *
 * A file the old image had and the new one has not is removed when the
 * device never changed it.  The new image's files are written with their
 * owners and modes; their content is read from the store and checked
 * against the image (image_file.h).
 */
#ifndef CFSBOOT_ETC_MERGE_H
#define CFSBOOT_ETC_MERGE_H

#include "tool/deploy/image_file.h"

/* Merges into the directory etc (a copy of the booted deployment's).
 * 0 or a negative errno, logged. */
int etc_merge(const char *etc, const struct image_tree *old, const struct image_tree *new);

#endif
