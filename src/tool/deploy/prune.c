// SPDX-License-Identifier: MIT
#include "tool/deploy/prune.h"

#include <fcntl.h>
#include <string.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "tool/deploy/fault.h"

static bool below_floor(const struct site *s, const struct sig_trust *t,
			const struct deployment *d, uint64_t floor)
{
	struct signed_by by;

	if (floor == 0)
		return false;
	/* A signature that fails now fails at boot too: such an entry is no rollback. */
	return check_signature(s, t, d->hex, 0, &by) < 0 || by.version < floor;
}

int prune_entries(struct site *s, const struct sig_trust *t, size_t keep, uint64_t floor,
		  const char *protect)
{
	size_t kept = 0;
	bool changed = false;

	/* The protected ones first, so that they take their places in keep. */
	for (size_t i = 0; i < s->n; i++)
		kept += s->d[i].booted || (protect && strcmp(s->d[i].hex, protect) == 0);
	for (size_t i = 0; i < s->n; i++) {
		const struct deployment *d = &s->d[i];

		if (d->booted || (protect && strcmp(d->hex, protect) == 0))
			continue;
		if (kept < keep && !below_floor(s, t, d, floor)) {
			kept++;
			continue;
		}
		fault_point("prune");
		if (unlinkat(s->entries_fd, d->file, 0) < 0)
			return log_errno(-errno, "cannot remove the entry %s/%s: %m", s->entries, d->file);
		log_info("removed the entry %s", d->file);
		changed = true;
	}
	if (!changed)
		return 0;
	if (fsync(s->entries_fd) < 0)
		return log_errno(-errno, "cannot sync %s: %m", s->entries);
	return site_reload(s);
}
