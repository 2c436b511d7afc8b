// SPDX-License-Identifier: MIT
/*
 * What root= names.  Kept apart from rootdev.c, which needs libblkid, so
 * that the parser is tested (and fuzzed) on its own.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "lib/base/log.h"
#include "pivot/pid1/rootspec.h"
#include "lib/base/util.h"

static const struct {
	const char *prefix;
	enum pid1_root_kind kind;
} tags[] = {
	{ "UUID=", PID1_ROOT_UUID },
	{ "LABEL=", PID1_ROOT_LABEL },
	{ "PARTUUID=", PID1_ROOT_PARTUUID },
	{ "PARTLABEL=", PID1_ROOT_PARTLABEL },
};

int pid1_rootspec_parse(const char *word, struct pid1_rootspec *spec)
{
	*spec = (struct pid1_rootspec){ .word = word, .value = word };

	if (!word || !*word)
		return log_errno(-EINVAL, "root= is empty; name the physical root by /dev path, "
				 "UUID=, LABEL=, PARTUUID= or PARTLABEL=");
	/* Those links are udev's work, and no udev runs here: they would
	 * never appear, and the wait would end in a timeout. */
	if (strncmp(word, "/dev/disk/", 10) == 0)
		return log_errno(-EINVAL, "root=%s: no udev makes /dev/disk links in PID-1 mode; "
				 "use UUID=, LABEL=, PARTUUID= or PARTLABEL=", word);
	if (strncmp(word, "/dev/", 5) == 0 && word[5]) {
		spec->kind = PID1_ROOT_PATH;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(tags); i++) {
		size_t n = strlen(tags[i].prefix);

		if (strncmp(word, tags[i].prefix, n) != 0)
			continue;
		spec->kind = tags[i].kind;
		spec->value = word + n;
		if (!*spec->value)
			return log_errno(-EINVAL, "root=%s names nothing; give the value after '='",
					 word);
		/* The kernel's own PARTUUID=<uuid>/PARTNROFF=<n>: a sibling
		 * partition relative to the one named.  Nothing in the field
		 * writes it for a userspace root; say so rather than guess. */
		if (spec->kind == PID1_ROOT_PARTUUID && strchr(spec->value, '/'))
			return log_errno(-EINVAL, "root=%s: PARTNROFF= is not supported in PID-1 mode; "
					 "name the partition by its own PARTUUID=", word);
		return 0;
	}
	return log_errno(-EINVAL, "root=%s is not a form cfs-pivot resolves; use a /dev path, "
			 "UUID=, LABEL=, PARTUUID= or PARTLABEL=", word);
}

static bool same(const char *want, const char *have, bool ignore_case)
{
	if (!have)
		return false;
	return ignore_case ? strcasecmp(want, have) == 0 : strcmp(want, have) == 0;
}

bool pid1_rootspec_match(const struct pid1_rootspec *spec, const char *uuid,
			 const char *label, const char *partuuid, const char *partlabel)
{
	switch (spec->kind) {
	case PID1_ROOT_UUID:
		return same(spec->value, uuid, true);
	case PID1_ROOT_LABEL:
		return same(spec->value, label, false);
	case PID1_ROOT_PARTUUID:
		return same(spec->value, partuuid, true);
	case PID1_ROOT_PARTLABEL:
		return same(spec->value, partlabel, false);
	case PID1_ROOT_PATH:
		break;
	}
	return false;
}
