/* SPDX-License-Identifier: MIT */
/*
 * The trust of the initramfs an image ships: deploy verifies the image
 * with the anchors, the revocation list and the policy (pivot.conf,
 * min-version, signer-ca, check-clock) that cfs-pivot will read from that
 * initramfs at boot, so that what deploy accepts is what will boot.  They
 * are read out of the archive (lib/initramfs), written to a private
 * temporary directory, and loaded by the same code cfs-pivot loads them
 * with (lib/trust/sig_files.h, lib/policy/pivot_conf.h).
 */
#ifndef CFSBOOT_INITRAMFS_TRUST_H
#define CFSBOOT_INITRAMFS_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "tool/deploy/check.h"

/*
 * Verifies the signature of image hex against the trust of its initramfs
 * (initrd, len bytes, named label in messages), with the floor as the
 * lowest version besides the policy's min-version.  0 with *out, or a
 * refusal logged in one line naming the initramfs: it cannot be read, it
 * holds no trust anchor, or its trust refuses the signature.
 */
int initramfs_trust_check(const struct site *s, const char *hex, const char *label,
			  const uint8_t *initrd, size_t len, uint64_t floor, struct signed_by *out);

#endif
