/* SPDX-License-Identifier: MIT */
/*
 * The image's own say in how /etc and /var are mounted: bootc's and
 * composefs-rs's /usr/lib/composefs/setup-root-conf.toml (setup_conf.h),
 * read when the policy's image-config = yes.  It is read from the image
 * after the image was verified, never from the physical root: the file
 * itself from the image's bytes, or from its store object, whose fs-verity
 * digest is computed here and must be the one the image records.  It can
 * only tighten the policy (docs/policy.md, "image-config"):
 *
 *   etc:  bind < overlay < transient < none
 *   var:  bind < none
 *   /:    read-only always (a transient root is never mounted)
 *
 * and the stricter of the policy and the file wins.  It runs before the
 * measurement, so the measured state word is what will be mounted.
 */
#ifndef CFS_PIVOT_IMAGE_CONFIG_H
#define CFS_PIVOT_IMAGE_CONFIG_H

#include "pivot/boot/policy.h"
#include "pivot/boot/setup_conf.h"
#include "pivot/verify/store.h"

/*
 * Reads the configuration of the verified image the store has open, from
 * the image as the earlier phases parsed it (pivot_store_image()), and
 * tightens *p with it.  No file is no change.  Returns 0, or a negative
 * errno after logging one line naming the file.
 */
int pivot_image_config_apply(struct pivot_policy *p, struct pivot_store *store);

/* The exit class (errors.h) of a refusal of pivot_image_config_apply():
 * the file's own (-EINVAL) is "state"; its object's or the image's are
 * the classes the same fault has elsewhere (store, verity, mount). */
int pivot_image_config_class(int r);

/* Tightens *p with a parsed configuration, logging each change.  Returns
 * 0, or -EINVAL (logged) for a var mode stricter than the policy's that
 * cfs-pivot does not mount (overlay, transient). */
int pivot_image_config_tighten(struct pivot_policy *p, const struct pivot_setup_conf *c);

#endif
