/* SPDX-License-Identifier: MIT */
/* The image writer's first stage: the inodes in breadth-first order and
 * each directory's entries (writer_int.h). */
#ifndef CFS_WRITER_TREE_H
#define CFS_WRITER_TREE_H

#include "tool/mkimage/writer_int.h"

int writer_collect_inodes(struct writer *w, struct cfs_node *root);

#endif
