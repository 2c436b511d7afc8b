// SPDX-License-Identifier: MIT
#include "tool/tpm/tpm_replay.h"

#include <string.h>

#include "lib/base/log.h"

static const struct cfs_tpm_digest *find_bank(const struct cfs_measure_record *rec, uint16_t alg)
{
	for (size_t i = 0; i < rec->digests.n; i++)
		if (rec->digests.d[i].alg == alg)
			return &rec->digests.d[i];
	return NULL;
}

/* A record's digests must be digests of what it says was measured, or the
 * log could describe one thing while the PCR holds another. */
static int check_content(const struct cfs_measure_record *rec, size_t number, bool *ok)
{
	for (size_t i = 0; rec->string && i < rec->digests.n; i++) {
		const struct cfs_tpm_digest *d = &rec->digests.d[i];
		struct cfs_tpm_digest want;
		int r = cfs_tpm_hash(d->alg, rec->string, strlen(rec->string), &want);

		if (r < 0)
			return r;
		if (memcmp(want.bytes, d->bytes, d->size) != 0) {
			log_error("record %zu: its %s digest is not the digest of its content string "
				  "\"%s\"", number, cfs_tpm_alg_name(d->alg), rec->string);
			*ok = false;
		}
	}
	return 0;
}

int tpm_replay_pcr(const struct cfs_measure_records *recs, unsigned int pcr,
		   const uint16_t *banks, size_t n, struct tpm_replay *out)
{
	*out = (struct tpm_replay){ .pcr = pcr, .content_ok = true };
	out->value.n = n;
	for (size_t b = 0; b < n; b++) {
		cfs_tpm_initial_value(pcr, banks[b], &out->value.d[b]);
		out->complete[b] = true;
	}
	for (size_t i = 0; i < recs->n; i++) {
		const struct cfs_measure_record *rec = &recs->r[i];
		int r;

		if (rec->pcr != pcr)
			continue;
		out->records++;
		r = check_content(rec, i + 1, &out->content_ok);
		if (r < 0)
			return r;
		for (size_t b = 0; b < n; b++) {
			const struct cfs_tpm_digest *d = find_bank(rec, banks[b]);

			if (!d) {
				if (out->complete[b])
					log_error("record %zu (PCR %u) has no %s digest, so the %s bank "
						  "cannot be replayed", i + 1, pcr,
						  cfs_tpm_alg_name(banks[b]), cfs_tpm_alg_name(banks[b]));
				out->complete[b] = false;
				continue;
			}
			r = cfs_tpm_extend_value(&out->value.d[b], d);
			if (r < 0)
				return r;
		}
	}
	return 0;
}
