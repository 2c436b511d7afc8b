/* SPDX-License-Identifier: MIT */
/*
 * The channel file of an update repository (docs/update.md "Channel
 * file"): channels/<name>, two lines.  The first is a JSON object naming
 * the channel's current image, a serial that only grows and an expiry
 * time; the second is the base64 of a detached CMS signature over the
 * fs-verity digest (SHA-256) of the first line's bytes, made by a key
 * with the channel-signing usage.  One file, so that one rename publishes
 * the text and its signature together.
 *
 * This file only reads and writes the format; channel_sig.h signs and
 * verifies.  The parser takes untrusted bytes and logs nothing.
 */
#ifndef CFSBOOT_CHANNEL_H
#define CFSBOOT_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/verity/fsverity.h"
#include "tool/pull/encoding.h"

/* Format 1 is a repository of plain files; format 2 adds "encoding", so
 * that a cfsboot that knows no encoding refuses the channel rather than
 * fetching names the repository lacks. */
#define CHANNEL_FORMAT     1
#define CHANNEL_FORMAT_ENCODED 2
#define CHANNEL_NAME_MAX   64          /* bytes of a channel's name */
#define CHANNEL_FILE_MAX   (64 * 1024) /* bytes of a channel file */
#define CHANNEL_DIR        "channels"
/* The largest image a channel may name: publish and pull hold it in memory. */
#define CHANNEL_IMAGE_MAX  ((uint64_t)1 << 30)

struct channel {
	char name[CHANNEL_NAME_MAX + 1];
	uint64_t serial;
	uint64_t published, expires;       /* seconds since the epoch, UTC */
	enum cfs_hash_alg alg;             /* of the image's digest */
	uint8_t digest[CFS_MAX_DIGEST_SIZE];
	uint64_t version;                  /* the image signature's security version */
	uint64_t size;                     /* bytes of the image file */
	uint64_t objects;                  /* distinct objects it needs */
	uint64_t object_bytes;             /* their bytes together */
	enum encoding encoding;            /* of the image and the objects */
};

/* A name that is one path component of letters, digits, '.', '_' and '-',
 * not starting with '.', at most CHANNEL_NAME_MAX bytes. */
bool channel_name_ok(const char *name);

/* The first line of c's file, without its newline, malloc()ed.  Returns 0
 * or -ENOMEM. */
int channel_format(const struct channel *c, char **json, size_t *len);

/*
 * Splits a channel file into its text and signature and reads the text
 * into *c.  *json points into file; *sig is malloc()ed.  Returns 0, or
 * -EBADMSG with *error (static text) saying what is wrong, or -ENOMEM.
 * Logs nothing: the caller names the file.
 */
int channel_parse(const char *file, size_t len, struct channel *c, const char **json,
		  size_t *json_len, uint8_t **sig, size_t *sig_len, const char **error);

#endif
