/* SPDX-License-Identifier: MIT */
/* The kernel-log line of a boot that succeeded (boot.c logs it last). */
#ifndef CFS_PIVOT_BOOTED_H
#define CFS_PIVOT_BOOTED_H

#include "pivot/boot/boot.h"

/* "booted composefs image sha256:... at /sysroot: signed by ...; every
 * file checked by overlayfs verity=require; measured into PCR 15; ..." */
void pivot_log_booted(const struct pivot_boot *b);

#endif
