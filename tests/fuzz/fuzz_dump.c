// SPDX-License-Identifier: MIT
/*
 * Dump files come from other tools and from users' hands.  Any bytes must
 * parse into a tree or be refused, never crash or read out of bounds; and
 * any tree the parser accepts must make an image (or a clear refusal of a
 * limit the format has) that is well-formed at its ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tool/mkimage/dump_parse.h"
#include "tool/mkimage/writer.h"
#include "lib/image/format.h"
#include "lib/base/log.h"
#include "lib/base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct writer_options opts = { 0, 1 };
	struct writer_image img = {};
	struct cfs_node *root = NULL;

	cfs_log_set_level(LOG_CRIT);
	if (dump_parse("fuzz", (const char *)data, size, CFS_HASH_SHA256, &root) < 0)
		return 0;
	if (writer_build(root, &opts, &img) == 0) {
		if (img.size % CFS_BLOCK_SIZE != 0 || get_le32(img.data) != CFS_MAGIC ||
		    get_le32(img.data + EROFS_SUPER_OFFSET) != EROFS_SUPER_MAGIC ||
		    (uint64_t)get_le32(img.data + EROFS_SUPER_OFFSET + 36) * CFS_BLOCK_SIZE != img.size)
			abort();
		writer_image_free(&img);
	}
	cfs_node_free(root);
	return 0;
}
