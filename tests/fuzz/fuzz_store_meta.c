// SPDX-License-Identifier: MIT
/*
 * cfs-pivot reads <store>/meta.json from a disk nothing has verified, so
 * any bytes must either parse to metadata that keeps the parser's promises
 * (a supported version and algorithm, a read-only feature's name that
 * fits) or be refused with one of the documented errors; never crash, loop
 * or read out of bounds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/log.h"
#include "lib/store/meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfs_store_meta m;
	int r;

	cfs_log_set_level(LOG_CRIT);
	r = cfs_store_meta_parse((const char *)data, size, "fuzz", &m);
	if (r == 0) {
		if (m.version > CFS_STORE_META_VERSION ||
		    (m.alg != CFS_HASH_SHA256 && m.alg != CFS_HASH_SHA512) ||
		    strnlen(m.read_only, sizeof(m.read_only)) == sizeof(m.read_only))
			abort();
	} else if (r != -EBADMSG && r != -EPROTONOSUPPORT && r != -ENOMEM) {
		abort();
	}
	return 0;
}
