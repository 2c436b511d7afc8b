/* SPDX-License-Identifier: MIT */
/*
 * A bump allocator for data that lives exactly as long as one operation
 * (the image writer's rewritten xattr names and values): many small
 * allocations, all freed at once, none freed alone.
 */
#ifndef CFS_ARENA_H
#define CFS_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *chunks;
};

/* 8-byte aligned, uninitialised; NULL (and logged) when out of memory. */
void *arena_alloc(struct arena *a, size_t size);
/* Copies len bytes and adds a NUL, so that names stay C strings. */
char *arena_memdup(struct arena *a, const void *p, size_t len);
void arena_free(struct arena *a);

#endif
