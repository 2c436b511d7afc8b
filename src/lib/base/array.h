/* SPDX-License-Identifier: MIT */
/*
 * Growable arrays: a pointer, a count kept by the caller and a capacity.
 *
 *	if (CFS_GROW(list->items, list->cap, list->n + 1, 16) < 0)
 *		return log_oom();
 *	list->items[list->n++] = item;
 */
#ifndef CFS_ARRAY_H
#define CFS_ARRAY_H

#include <stddef.h>

/*
 * Makes *array (of *cap elements of elem_size bytes) hold at least need
 * elements: when it does not, reallocates it to twice its capacity, or
 * need, or first, whichever is most.  Sizes that overflow are -ENOMEM
 * like a failed allocation; either leaves *array and *cap as they were.
 * Returns 0 or -ENOMEM, not logged: the caller's log_oom() is the one
 * message, as for any allocation.
 */
int cfs_grow(void **array, size_t *cap, size_t need, size_t elem_size, size_t first);

#define CFS_GROW(array, cap, need, first) \
	cfs_grow((void **)&(array), &(cap), (need), sizeof(*(array)), (first))

#endif
