/* SPDX-License-Identifier: MIT */
/* The image writer's xattrs: the shared table and each inode's xattr area,
 * planned (third stage) and written (writer_emit.c) (writer_int.h). */
#ifndef CFS_WRITER_XATTR_H
#define CFS_WRITER_XATTR_H

#include "tool/mkimage/writer_int.h"

int writer_plan_xattrs(struct writer *w);
uint8_t *writer_emit_xattr_area(const struct writer *w, const struct winode *wi, uint8_t *p);
void writer_emit_shared_table(const struct writer *w, uint8_t *p);

#endif
