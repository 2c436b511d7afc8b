/* SPDX-License-Identifier: MIT */
/* The image writer's second stage: the xattrs each inode gets, the
 * source's (escaped) and the overlay ones composefs adds (writer_int.h). */
#ifndef CFS_WRITER_OVERLAY_H
#define CFS_WRITER_OVERLAY_H

#include "tool/mkimage/writer_int.h"

int writer_collect_xattrs(struct writer *w);

#endif
