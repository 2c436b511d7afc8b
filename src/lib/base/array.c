// SPDX-License-Identifier: MIT
#include "lib/base/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int cfs_grow(void **array, size_t *cap, size_t need, size_t elem_size, size_t first)
{
	size_t n;
	void *p;

	if (need <= *cap)
		return 0;
	n = *cap <= SIZE_MAX / 2 ? 2 * *cap : need;
	if (n < need)
		n = need;
	if (n < first)
		n = first;
	/* Checked here rather than left to reallocarray(), so that no
	 * allocator (nor a sanitizer's) ever sees the request. */
	if (elem_size && n > SIZE_MAX / elem_size)
		return -ENOMEM;
	p = reallocarray(*array, n, elem_size);
	if (!p)
		return -ENOMEM;
	*array = p;
	*cap = n;
	return 0;
}
