// SPDX-License-Identifier: MIT
#include "tool/mkimage/path_map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/log.h"

struct path_slot {
	char *path;                 /* NULL: a free slot */
	size_t len;
	struct cfs_node *node;
};

static uint64_t hash_path(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;     /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 0x100000001b3ull;
	return h;
}

/* The slot that holds path, or the free slot where it would go.  The map
 * is at most half full, so the probe always ends. */
static struct path_slot *find_slot(const struct path_map *m, const char *path, size_t len)
{
	size_t mask = m->n_slots - 1;

	for (size_t i = hash_path(path, len) & mask;; i = (i + 1) & mask) {
		struct path_slot *s = &m->slots[i];

		if (!s->path || (s->len == len && memcmp(s->path, path, len) == 0))
			return s;
	}
}

struct cfs_node *path_map_get(const struct path_map *m, const char *path, size_t len)
{
	return m->n_slots ? find_slot(m, path, len)->node : NULL;
}

static int grow(struct path_map *m)
{
	struct path_map bigger = { .n_slots = m->n_slots ? m->n_slots * 2 : 1024,
				   .n_paths = m->n_paths };

	bigger.slots = calloc(bigger.n_slots, sizeof(*bigger.slots));
	if (!bigger.slots)
		return log_oom();
	for (size_t i = 0; i < m->n_slots; i++)
		if (m->slots[i].path)
			*find_slot(&bigger, m->slots[i].path, m->slots[i].len) = m->slots[i];
	free(m->slots);
	*m = bigger;
	return 0;
}

int path_map_put(struct path_map *m, char *path, size_t len, struct cfs_node *node)
{
	if (2 * (m->n_paths + 1) > m->n_slots) {
		int r = grow(m);

		if (r < 0) {
			free(path);
			return r;
		}
	}
	*find_slot(m, path, len) = (struct path_slot){ path, len, node };
	m->n_paths++;
	return 0;
}

void path_map_free(struct path_map *m)
{
	for (size_t i = 0; i < m->n_slots; i++)
		free(m->slots[i].path);
	free(m->slots);
	*m = (struct path_map){};
}
