/* SPDX-License-Identifier: MIT */
/*
 * Paths to tree nodes, in a hash table: how the dump parser finds a line's
 * parent directory and a hardlink's target in constant time.  Paths are
 * byte strings (they may hold any byte but NUL); the map owns them.
 */
#ifndef CFS_PATH_MAP_H
#define CFS_PATH_MAP_H

#include <stddef.h>

#include "lib/image/tree.h"

struct path_slot;

struct path_map {
	struct path_slot *slots;    /* open addressing, a power of two of them */
	size_t n_slots, n_paths;
};

/* NULL when the path is not in the map. */
struct cfs_node *path_map_get(const struct path_map *m, const char *path, size_t len);
/* Takes ownership of path (malloc'd), also on failure.  The path must not
 * be in the map yet. */
int path_map_put(struct path_map *m, char *path, size_t len, struct cfs_node *node);
void path_map_free(struct path_map *m);

#endif
