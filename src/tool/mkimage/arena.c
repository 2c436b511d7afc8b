// SPDX-License-Identifier: MIT
#include "tool/mkimage/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/log.h"
#include "lib/base/util.h"

#define ARENA_CHUNK_SIZE (64u * 1024u)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	_Alignas(8) uint8_t data[];
};

void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_chunk *c = a->chunks;
	void *p;

	size = ROUND_UP(size, 8);
	if (!c || c->size - c->used < size) {
		/* A request larger than a chunk gets a chunk of its own. */
		size_t cap = MAX(size, (size_t)ARENA_CHUNK_SIZE);

		c = malloc(sizeof(*c) + cap);
		if (!c) {
			log_oom();
			return NULL;
		}
		c->used = 0;
		c->size = cap;
		c->next = a->chunks;
		a->chunks = c;
	}
	p = c->data + c->used;
	c->used += size;
	return p;
}

char *arena_memdup(struct arena *a, const void *p, size_t len)
{
	char *s = arena_alloc(a, len + 1);

	if (s) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

void arena_free(struct arena *a)
{
	while (a->chunks) {
		struct arena_chunk *next = a->chunks->next;

		free(a->chunks);
		a->chunks = next;
	}
}
