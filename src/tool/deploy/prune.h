/* SPDX-License-Identifier: MIT */
/* Removing the entries of deployments that are no longer kept. */
#ifndef CFSBOOT_PRUNE_H
#define CFSBOOT_PRUNE_H

#include <stddef.h>
#include <stdint.h>

#include "tool/deploy/check.h"
#include "tool/deploy/site.h"

/*
 * Removes, in the loader's order, the entries after the first keep ones
 * and, when floor is above 0, those whose image's security version is
 * below it (they would be refused at boot).  The booted deployment and
 * the one named protect (or NULL) always stay and count toward keep.
 * Only entries: their files, images and state are gc's.  Reloads s.
 * 0 or a negative errno, logged.
 */
int prune_entries(struct site *s, const struct sig_trust *t, size_t keep, uint64_t floor,
		  const char *protect);

#endif
