/* SPDX-License-Identifier: MIT */
/*
 * A small JSON writer for the status file: indented output, strings
 * escaped so that whatever bytes a field holds, the result is valid JSON.
 *
 * Strings: '"', '\' and control characters (and DEL) are escaped, valid
 * UTF-8 is written as it is, and every byte that is not part of a valid
 * UTF-8 sequence is written as \u00XX, i.e. read as Latin-1.  Nothing is
 * dropped or refused; a reader that needs the exact bytes of such a field
 * cannot get them, which is acceptable for a diagnostic file.
 */
#ifndef CFS_PIVOT_JSON_H
#define CFS_PIVOT_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 8

struct json_writer {
	FILE *f;
	unsigned int depth;
	bool after_key;               /* the next value completes a member */
	bool empty[JSON_MAX_DEPTH];   /* nothing written yet at this depth */
};

void json_init(struct json_writer *j, FILE *f);

/* Containers; every begin has its end. */
void json_begin_object(struct json_writer *j);
void json_end_object(struct json_writer *j);
void json_begin_array(struct json_writer *j);
void json_end_array(struct json_writer *j);

/* Starts an object member; the next call writes its value. */
void json_key(struct json_writer *j, const char *key);

void json_string(struct json_writer *j, const char *s);
void json_uint(struct json_writer *j, uint64_t v);
void json_bool(struct json_writer *j, bool v);

/* Writes s as a JSON string literal, escaped as described above. */
void json_write_string(FILE *f, const char *s);

#endif
