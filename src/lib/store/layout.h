/* SPDX-License-Identifier: MIT */
/*
 * Where everything lives in the store and in the state: the one place
 * that spells these paths (docs/policy.md "store" and "state",
 * docs/mkimage.md "Store layout").  The layout is composefs-rs's and
 * bootc's:
 *
 *   <store>/objects/XX/<rest>     file content, named by its fs-verity
 *                                 digest in hex: XX its first byte, rest
 *                                 the others; an image's redirect names it
 *                                 as "/XX/<rest>"
 *   <store>/meta.json             composefs-rs's repository metadata (meta.h)
 *   <store>/images/<hex>          a composefs image, named by its digest: a
 *                                 relative link to its object (store_image.h),
 *                                 or a regular file
 *   <store>/signatures/<hex>.sig  its signature (cfsboot sign), outside
 *                                 images/: composefs-rs's gc and fsck and
 *                                 bootc refuse anything there but images
 *                                 and refs/ (store_sig.h)
 *   <store>/images/<hex>.sig      where cfsboot kept it before: read only
 *                                 where signatures/ has none, and moved
 *                                 from there by whoever writes the store
 *
 *   <state>/deploy/<hex>/etc/upper, etc/work   etc = overlay
 *   <state>/deploy/<hex>/etc                   etc = bind
 *   <state>/deploy/<hex>/var                   var = bind (bootc: a link to
 *                                              ../../os/default/var)
 *   <state>/deploy/<hex>/<hex>.origin          bootc's; cfs-pivot leaves it
 *
 * Store and state are policy paths below the physical root; everything in
 * them is opened beneath their directory (beneath.h).
 */
#ifndef CFS_STORE_LAYOUT_H
#define CFS_STORE_LAYOUT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/base/hex.h"
#include "lib/verity/fsverity.h"

#define CFS_STORE_OBJECTS    "objects"
#define CFS_STORE_IMAGES     "images"
#define CFS_STORE_SIGNATURES "signatures"
#define CFS_STORE_SIG_SUFFIX ".sig"

#define CFS_STATE_DEPLOY     "deploy"
#define CFS_DEPLOY_ETC       "etc"
#define CFS_DEPLOY_VAR       "var"
#define CFS_DEPLOY_UPPER     "upper"     /* in etc/, for etc = overlay */
#define CFS_DEPLOY_WORK      "work"

/* Formats of the paths relative to the store and the state, for one %s:
 * the image's digest in hex. */
#define CFS_STORE_IMAGE_FMT     CFS_STORE_IMAGES "/%s"
#define CFS_STORE_SIGNATURE_FMT CFS_STORE_SIGNATURES "/%s" CFS_STORE_SIG_SUFFIX
#define CFS_STATE_DEPLOY_FMT    CFS_STATE_DEPLOY "/%s"

/* The signature where earlier cfsboot versions wrote it, next to the
 * image: nothing writes it; store_sig.c reads and moves it. */
#define CFS_STORE_LEGACY_SIGNATURE_FMT CFS_STORE_IMAGES "/%s" CFS_STORE_SIG_SUFFIX

/* The longest digest in hex, without a terminator: 128 for sha512. */
#define CFS_DIGEST_HEX_LEN (2 * CFS_MAX_DIGEST_SIZE)

/* "XX/<rest>" of the longest digest and its terminator. */
#define CFS_OBJECT_FANOUT_LEN 2
#define CFS_OBJECT_PATH_SIZE  (CFS_DIGEST_HEX_LEN + 2)

/* A redirect this long or longer names no object: what the object checks
 * copy is bounded, and every path formed from a digest fits. */
#define CFS_OBJECT_REDIRECT_MAX 256

/* images/<hex>.sig and its terminator: every path in images/ formed from
 * a digest fits. */
#define CFS_STORE_IMAGE_REL_SIZE \
	(sizeof(CFS_STORE_IMAGES "/" CFS_STORE_SIG_SUFFIX) + CFS_DIGEST_HEX_LEN)

/* signatures/<hex>.sig and its terminator: the legacy images/<hex>.sig
 * fits too (asserted below). */
#define CFS_STORE_SIGNATURE_REL_SIZE \
	(sizeof(CFS_STORE_SIGNATURES "/" CFS_STORE_SIG_SUFFIX) + CFS_DIGEST_HEX_LEN)

_Static_assert(CFS_OBJECT_PATH_SIZE <= CFS_OBJECT_REDIRECT_MAX,
	       "an object path formed from a digest is one the checks accept");
_Static_assert(CFS_DIGEST_HEX_LEN - CFS_OBJECT_FANOUT_LEN <= NAME_MAX,
	       "an object's name fits in a directory entry");
_Static_assert(CFS_DIGEST_HEX_LEN + sizeof(CFS_STORE_SIG_SUFFIX) - 1 <= NAME_MAX,
	       "a signature's name fits in a directory entry");
_Static_assert(CFS_STORE_IMAGE_REL_SIZE <= CFS_STORE_SIGNATURE_REL_SIZE,
	       "a signature's path fits in one buffer in either place");

/* True for the hex of a digest as the store names it: 64 (sha256) or 128
 * (sha512) lower-case hex digits. */
static inline bool cfs_layout_is_digest_hex(const char *s, size_t len)
{
	return (len == 2 * CFS_SHA256_DIGEST_SIZE || len == CFS_DIGEST_HEX_LEN) &&
	       cfs_hex_is_lower(s, len);
}

/* Whether name is a signature's, "<hex>.sig" with the hex of a digest; the
 * hex, terminated, into hex. */
static inline bool cfs_layout_signature_hex(const char *name, char hex[CFS_DIGEST_HEX_LEN + 1])
{
	size_t len = strlen(name), sfx = sizeof(CFS_STORE_SIG_SUFFIX) - 1;

	if (len <= sfx || len - sfx > CFS_DIGEST_HEX_LEN ||
	    strcmp(name + len - sfx, CFS_STORE_SIG_SUFFIX) != 0 ||
	    !cfs_layout_is_digest_hex(name, len - sfx))
		return false;
	memcpy(hex, name, len - sfx);
	hex[len - sfx] = '\0';
	return true;
}

/* "XX/<rest>" of a digest of len bytes (at least 2) into out, of at least
 * 2 * len + 2 bytes (CFS_OBJECT_PATH_SIZE for every algorithm). */
static inline void cfs_layout_object_path(const uint8_t *digest, size_t len, char *out)
{
	cfs_hex_encode(digest, 1, out);
	out[CFS_OBJECT_FANOUT_LEN] = '/';
	cfs_hex_encode(digest + 1, len - 1, out + CFS_OBJECT_FANOUT_LEN + 1);
}

#endif
