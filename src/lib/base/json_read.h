/* SPDX-License-Identifier: MIT */
/*
 * A strict JSON (RFC 8259) reader for small untrusted documents: the
 * records of the TPM measurement log and the status file.  The text is
 * validated whole and cut into tokens that point back into it; values are
 * decoded only when asked for.  Nesting depth and the number of tokens are
 * bounded, so no input can make it recurse or allocate without limit.
 */
#ifndef CFS_JSON_READ_H
#define CFS_JSON_READ_H

#include <stddef.h>
#include <stdint.h>

#define CFS_JSON_MAX_DEPTH 32

enum cfs_json_type {
	CFS_JSON_OBJECT,
	CFS_JSON_ARRAY,
	CFS_JSON_STRING,
	CFS_JSON_NUMBER,
	CFS_JSON_TRUE,
	CFS_JSON_FALSE,
	CFS_JSON_NULL,
};

/*
 * One value.  An object's tokens are followed by its members, each a
 * string token (the key) and the value's tokens; an array's by its
 * elements.  next is the index of the first token after the whole value.
 */
struct cfs_json_tok {
	enum cfs_json_type type;
	size_t start, end;    /* its text; for a string, without the quotes */
	size_t count;         /* members of an object, elements of an array */
	size_t next;
};

struct cfs_json {
	const char *text;
	struct cfs_json_tok *tok;
	size_t n;
};

/*
 * Parses text (exactly one value, blanks around it allowed) into j, using
 * at most max_tokens tokens.  Returns 0, -EBADMSG with *error (static text
 * naming the defect, and *error_at its byte offset), -E2BIG for too many
 * tokens or too deep a nesting, or -ENOMEM.  Logs nothing: the caller
 * names the document.
 */
int cfs_json_parse(const char *text, size_t len, size_t max_tokens, struct cfs_json *j,
		   const char **error, size_t *error_at);
void cfs_json_free(struct cfs_json *j);

/* The value of member key of object token obj: its index, -ENOENT when
 * absent, -EBADMSG when the key appears twice or obj is no object. */
int cfs_json_member(const struct cfs_json *j, size_t obj, const char *key);

/*
 * Decodes string token tok into buf (size bytes, NUL-terminated).  Returns
 * the length, -EBADMSG for a token that is no string or holds \u0000, or
 * -E2BIG when it does not fit.
 */
int cfs_json_string(const struct cfs_json *j, size_t tok, char *buf, size_t size);

/* A number token that is a non-negative integer without fraction or
 * exponent: 0, -EBADMSG otherwise, -ERANGE above UINT64_MAX. */
int cfs_json_uint(const struct cfs_json *j, size_t tok, uint64_t *v);

#endif
