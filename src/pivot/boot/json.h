/* SPDX-License-Identifier: MIT */
/*
 * A small JSON writer for the status file: indented output, strings
 * escaped by cfs_json_write_string() (lib/base/json_write.h), so that
 * whatever bytes a field holds, the result is valid JSON.
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

#endif
