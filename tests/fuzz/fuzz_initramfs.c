// SPDX-License-Identifier: MIT
/*
 * cfsboot deploy reads the initramfs an image ships before it trusts
 * anything in it (lib/initramfs).  Any bytes must be read or refused
 * cleanly, within the unpacked bound; what is read must stay inside the
 * input or the unpacked buffers, and be found again by its path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/log.h"
#include "lib/initramfs/initramfs.h"

/* Small, so that a compressed bomb ends within the fuzzer's memory. */
#define UNPACKED_MAX (16u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const struct cfs_initramfs *ir, const uint8_t *data, size_t size,
		  const struct cfs_initramfs_entry *e)
{
	if (e->data >= data && e->data + e->size <= data + size)
		return 1;
	/* else in an unpacked buffer: ASan checks the read below */
	return ir->n_buffers > 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfs_initramfs ir;
	volatile uint8_t sink = 0;

	cfs_log_set_level(LOG_CRIT);
	if (cfs_initramfs_read(data, size, "fuzz", UNPACKED_MAX, &ir) == 0) {
		if (ir.n_archives == 0)
			abort();
		for (size_t i = 0; i < ir.n_entries; i++) {
			const struct cfs_initramfs_entry *e = &ir.entries[i];

			if (!inside(&ir, data, size, e) || e->path[0] == '/' ||
			    strcmp(e->path, "..") == 0 || strncmp(e->path, "../", 3) == 0 ||
			    !cfs_initramfs_find(&ir, e->path))
				abort();
			for (size_t j = 0; j < e->size; j++)
				sink ^= e->data[j];
		}
	}
	cfs_initramfs_free(&ir);
	(void)sink;
	return 0;
}
