// SPDX-License-Identifier: MIT
/*
 * The measurement log lives in /run, where any root process may write it,
 * and `cfsboot tpm replay` reads whatever is there.  Any bytes must parse
 * to records that keep the reader's promises or be refused, never crash,
 * loop or read out of bounds.  The JSON reader underneath gets the same
 * bytes as one document, since the status file goes through it as well.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/json_read.h"
#include "lib/base/log.h"
#include "lib/tpm/measure_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_records(const struct cfs_measure_records *recs)
{
	for (size_t i = 0; i < recs->n; i++) {
		const struct cfs_measure_record *r = &recs->r[i];

		if (r->pcr >= CFS_TPM_PCRS || r->digests.n == 0 || r->digests.n > 4)
			abort();
		for (size_t k = 0; k < r->digests.n; k++) {
			if (r->digests.d[k].size != cfs_tpm_alg_size(r->digests.d[k].alg))
				abort();
			for (size_t l = 0; l < k; l++)
				if (r->digests.d[l].alg == r->digests.d[k].alg)
					abort();
		}
		if (r->string && strlen(r->string) > CFS_MEASURE_LOG_STRING_MAX)
			abort();
	}
}

/* Every token lies inside the text and every subtree inside its parent. */
static void check_json(const char *text, size_t size)
{
	struct cfs_json j;
	const char *error;
	size_t at;
	char buf[64];
	uint64_t v;

	if (cfs_json_parse(text, size, 4096, &j, &error, &at) < 0) {
		if (at > size)
			abort();
		return;
	}
	for (size_t i = 0; i < j.n; i++) {
		if (j.tok[i].start > j.tok[i].end || j.tok[i].end > size ||
		    j.tok[i].next <= i || j.tok[i].next > j.tok[0].next)
			abort();
		if (cfs_json_string(&j, i, buf, sizeof(buf)) >= (int)sizeof(buf))
			abort();
		cfs_json_uint(&j, i, &v);
	}
	cfs_json_member(&j, 0, "pcr");
	cfs_json_free(&j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfs_measure_records recs;

	cfs_log_set_level(LOG_CRIT);
	if (cfs_measure_log_parse("fuzz", (const char *)data, size, &recs) == 0) {
		check_records(&recs);
		cfs_measure_records_free(&recs);
	}
	check_json((const char *)data, size);
	return 0;
}
