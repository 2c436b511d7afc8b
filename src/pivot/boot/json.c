// SPDX-License-Identifier: MIT
#include "pivot/boot/json.h"

#include <assert.h>

#include "lib/base/json_write.h"

void json_init(struct json_writer *j, FILE *f)
{
	*j = (struct json_writer){ .f = f };
}

static void newline(struct json_writer *j)
{
	fputc('\n', j->f);
	for (unsigned int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Before a member or an array element: the comma after the previous one. */
static void separate(struct json_writer *j)
{
	if (!j->empty[j->depth])
		fputc(',', j->f);
	j->empty[j->depth] = false;
	newline(j);
}

/* A value is either a member's (its key was just written) or an array
 * element, or the document itself at depth 0. */
static void before_value(struct json_writer *j)
{
	if (j->after_key)
		j->after_key = false;
	else if (j->depth > 0)
		separate(j);
}

static void begin(struct json_writer *j, char c)
{
	before_value(j);
	fputc(c, j->f);
	assert(j->depth + 1 < JSON_MAX_DEPTH);
	j->depth++;
	j->empty[j->depth] = true;
}

static void end(struct json_writer *j, char c)
{
	bool empty = j->empty[j->depth];

	assert(j->depth > 0 && !j->after_key);
	j->depth--;
	if (!empty)
		newline(j);
	fputc(c, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_begin_object(struct json_writer *j)
{
	begin(j, '{');
}

void json_end_object(struct json_writer *j)
{
	end(j, '}');
}

void json_begin_array(struct json_writer *j)
{
	begin(j, '[');
}

void json_end_array(struct json_writer *j)
{
	end(j, ']');
}

void json_key(struct json_writer *j, const char *key)
{
	assert(j->depth > 0 && !j->after_key);
	separate(j);
	cfs_json_write_string(j->f, key);
	fputs(": ", j->f);
	j->after_key = true;
}

void json_string(struct json_writer *j, const char *s)
{
	before_value(j);
	cfs_json_write_string(j->f, s);
}

void json_uint(struct json_writer *j, uint64_t v)
{
	before_value(j);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_bool(struct json_writer *j, bool v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->f);
}
