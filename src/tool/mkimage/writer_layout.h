/* SPDX-License-Identifier: MIT */
/* The image writer's fourth stage: where each inode, tail and data block
 * goes (writer_int.h). */
#ifndef CFS_WRITER_LAYOUT_H
#define CFS_WRITER_LAYOUT_H

#include "tool/mkimage/writer_int.h"

/* Entries [start, end) of a directory fill one dirent block; returns end
 * and the bytes those entries take. */
size_t writer_dir_block_end(const struct winode *dir, size_t start, uint32_t *used);
int writer_plan_layout(struct writer *w);

#endif
