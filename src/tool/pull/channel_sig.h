/* SPDX-License-Identifier: MIT */
/* Signing and verifying channel files (channel.h): the signature is a
 * cfsboot signature (tool/sign, lib/trust) over the fs-verity digest of
 * the channel's text, by a key with the channel-signing usage. */
#ifndef CFSBOOT_CHANNEL_SIG_H
#define CFSBOOT_CHANNEL_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "lib/trust/signature.h"
#include "tool/pull/channel.h"
#include "tool/sign/sign.h"

/* The whole channel file for c, signed by s; *file is malloc()ed.  Returns
 * 0 or a negative errno, logged. */
int channel_sign(const struct signer *s, const struct channel *c, char **file, size_t *len);

/*
 * Verifies the channel file (named shown in messages) that should be
 * channel want: its form, its signature under policy (whose usage is
 * forced to channel signing), its name, and its expiry against now.
 * Returns 0 with *out filled, or after logging one line: -EBADMSG for a
 * malformed file or another channel's, -CFS_SIG_* for a bad signature,
 * -ETIME when it has expired, or another negative errno.
 */
int channel_verify(const char *shown, const char *file, size_t len, const char *want,
		   const struct cfs_sig_policy *policy, uint64_t now, struct channel *out);

#endif
