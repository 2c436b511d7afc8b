/* SPDX-License-Identifier: MIT */
/* The image writer's last stage: the bytes (writer_int.h). */
#ifndef CFS_WRITER_EMIT_H
#define CFS_WRITER_EMIT_H

#include "tool/mkimage/writer_int.h"

void writer_emit(const struct writer *w, uint8_t *image);

#endif
