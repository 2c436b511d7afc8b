// SPDX-License-Identifier: MIT
#include "tool/pull/channel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/base/hex.h"
#include "lib/base/json_read.h"
#include "lib/base/util.h"

#define CHANNEL_MAX_TOKENS 64

bool channel_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CHANNEL_NAME_MAX || name[0] == '.')
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

int channel_format(const struct channel *c, char **json, size_t *len)
{
	char hex[2 * CFS_MAX_DIGEST_SIZE + 1];
	int n;

	cfs_hex_encode(c->digest, cfs_hash_digest_size(c->alg), hex);
	/* The name needs no escaping: channel_name_ok() admits no quote,
	 * backslash or control character. */
	n = asprintf(json, "{\"format\":%d,\"channel\":\"%s\",\"serial\":%llu,\"published\":%llu,"
		     "\"expires\":%llu,%s%s%s\"image\":{\"digest\":\"%s:%s\",\"version\":%llu,"
		     "\"size\":%llu,\"objects\":%llu,\"object-bytes\":%llu}}",
		     c->encoding ? CHANNEL_FORMAT_ENCODED : CHANNEL_FORMAT, c->name,
		     (unsigned long long)c->serial, (unsigned long long)c->published,
		     (unsigned long long)c->expires, c->encoding ? "\"encoding\":\"" : "",
		     c->encoding ? encoding_name(c->encoding) : "", c->encoding ? "\"," : "",
		     cfs_hash_name(c->alg), hex, (unsigned long long)c->version,
		     (unsigned long long)c->size, (unsigned long long)c->objects,
		     (unsigned long long)c->object_bytes);
	if (n < 0)
		return -ENOMEM;
	*len = (size_t)n;
	return 0;
}

/* Strict base64: padded, no blanks, no line breaks. */
static int decode_base64(const char *s, size_t len, uint8_t **out, size_t *out_len)
{
	size_t pad = 0;
	uint8_t *buf;
	int n;

	if (len == 0 || len % 4 || len > CHANNEL_FILE_MAX)
		return -EBADMSG;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	buf = malloc(len / 4 * 3 + 1);
	if (!buf)
		return -ENOMEM;
	n = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len);
	if (n < 0 || (size_t)n < pad || memchr(s, '=', len - pad)) {
		free(buf);
		return -EBADMSG;
	}
	*out = buf;
	*out_len = (size_t)n - pad;
	return 0;
}

static int get_uint(const struct cfs_json *j, size_t obj, const char *key, uint64_t *v,
		    const char **error)
{
	int m = cfs_json_member(j, obj, key);

	if (m < 0 || cfs_json_uint(j, (size_t)m, v) < 0) {
		*error = "a member is missing or not a non-negative integer "
			 "(format, serial, published, expires, version, size, objects, object-bytes)";
		return -EBADMSG;
	}
	return 0;
}

static int read_digest(const struct cfs_json *j, size_t obj, struct channel *c, const char **error)
{
	char buf[sizeof("sha512:") + 2 * CFS_MAX_DIGEST_SIZE + 1], *colon;
	int m = cfs_json_member(j, obj, "digest");
	size_t size;

	*error = "image.digest is not ALG:HEX (sha256 or sha512, lowercase hex)";
	if (m < 0 || cfs_json_string(j, (size_t)m, buf, sizeof(buf)) < 0)
		return -EBADMSG;
	colon = strchr(buf, ':');
	if (!colon)
		return -EBADMSG;
	*colon = '\0';
	if (cfs_hash_from_name(buf, &c->alg) < 0)
		return -EBADMSG;
	size = cfs_hash_digest_size(c->alg);
	if (strlen(colon + 1) != 2 * size || strspn(colon + 1, "0123456789abcdef") != 2 * size ||
	    cfs_hex_decode(colon + 1, 2 * size, c->digest, size) < 0)
		return -EBADMSG;
	return 0;
}

/* Format 2 names the encoding, one that is not none; format 1 has none. */
static int read_encoding(const struct cfs_json *j, uint64_t format, struct channel *c,
			 const char **error)
{
	char name[16];
	int m = cfs_json_member(j, 0, "encoding");

	if (format == CHANNEL_FORMAT)
		return 0;
	if (m < 0 || cfs_json_string(j, (size_t)m, name, sizeof(name)) < 0 ||
	    encoding_from_name(name, &c->encoding) < 0 || c->encoding == ENCODING_NONE) {
		*error = "format 2 without an encoding this cfsboot knows (zstd)";
		return -EBADMSG;
	}
	return 0;
}

static int read_text(const char *text, size_t len, struct channel *c, const char **error)
{
	_cleanup_(cfs_json_free) struct cfs_json j = {};
	size_t at;
	uint64_t format;
	int m, r;

	r = cfs_json_parse(text, len, CHANNEL_MAX_TOKENS, &j, error, &at);
	if (r == -E2BIG)
		*error = "the text is nested too deeply or has too many values";
	if (r < 0)
		return r == -ENOMEM ? r : -EBADMSG;
	if (j.tok[0].type != CFS_JSON_OBJECT) {
		*error = "the text is not a JSON object";
		return -EBADMSG;
	}
	if ((r = get_uint(&j, 0, "format", &format, error)) < 0)
		return r;
	if (format != CHANNEL_FORMAT && format != CHANNEL_FORMAT_ENCODED) {
		*error = "the format is not 1 or 2: a newer cfsboot published it";
		return -EBADMSG;
	}
	c->encoding = ENCODING_NONE;
	if ((r = read_encoding(&j, format, c, error)) < 0)
		return r;
	m = cfs_json_member(&j, 0, "channel");
	if (m < 0 || cfs_json_string(&j, (size_t)m, c->name, sizeof(c->name)) < 0 ||
	    !channel_name_ok(c->name)) {
		*error = "channel is missing or not a valid channel name";
		return -EBADMSG;
	}
	if ((r = get_uint(&j, 0, "serial", &c->serial, error)) < 0 ||
	    (r = get_uint(&j, 0, "published", &c->published, error)) < 0 ||
	    (r = get_uint(&j, 0, "expires", &c->expires, error)) < 0)
		return r;
	m = cfs_json_member(&j, 0, "image");
	if (m < 0 || j.tok[m].type != CFS_JSON_OBJECT) {
		*error = "image is missing or not an object";
		return -EBADMSG;
	}
	if ((r = read_digest(&j, (size_t)m, c, error)) < 0 ||
	    (r = get_uint(&j, (size_t)m, "version", &c->version, error)) < 0 ||
	    (r = get_uint(&j, (size_t)m, "size", &c->size, error)) < 0 ||
	    (r = get_uint(&j, (size_t)m, "objects", &c->objects, error)) < 0 ||
	    (r = get_uint(&j, (size_t)m, "object-bytes", &c->object_bytes, error)) < 0)
		return r;
	return 0;
}

int channel_parse(const char *file, size_t len, struct channel *c, const char **json,
		  size_t *json_len, uint8_t **sig, size_t *sig_len, const char **error)
{
	const char *nl1, *nl2;
	int r;

	memset(c, 0, sizeof(*c));
	*sig = NULL;
	if (len > CHANNEL_FILE_MAX) {
		*error = "the file is larger than 64 KiB";
		return -EBADMSG;
	}
	nl1 = memchr(file, '\n', len);
	nl2 = nl1 ? memchr(nl1 + 1, '\n', len - (size_t)(nl1 + 1 - file)) : NULL;
	if (!nl2 || (size_t)(nl2 + 1 - file) != len) {
		*error = "the file is not two lines (the text, then its signature in base64)";
		return -EBADMSG;
	}
	r = read_text(file, (size_t)(nl1 - file), c, error);
	if (r < 0)
		return r;
	r = decode_base64(nl1 + 1, (size_t)(nl2 - nl1 - 1), sig, sig_len);
	if (r == -EBADMSG)
		*error = "the second line is not a signature in padded base64";
	if (r < 0)
		return r;
	*json = file;
	*json_len = (size_t)(nl1 - file);
	return 0;
}
