// SPDX-License-Identifier: MIT
/*
 * One image's objects against the store (objects.h), as cfs-pivot checks
 * them at boot and cfsboot deploy before it: its objects checked one after
 * the other, stopping at the first refusal, which the set has logged.
 */
#include "lib/store/image_check.h"

#include "lib/image/image.h"
#include "lib/store/objects.h"

/* Adds the references of the image; at most limit of them (0: all). */
static int collect(struct cfs_objects *set, size_t limit, int image_fd, const char *image_name)
{
	struct cfs_image_file *img = NULL;
	int r;

	/* Read, not mapped: fs-verity fails a read of a corrupted page with
	 * EIO, which refuses the boot in one line, where a mapping would
	 * kill PID 1 with SIGBUS and panic the kernel. */
	set->limit = limit;
	r = cfs_image_open_fd(image_fd, image_name, &img);
	if (r == 0)
		r = cfs_objects_add_image(set, img, image_name);
	cfs_image_close(img);
	if (r == 0)
		cfs_objects_sort(set);
	return r;
}

int cfs_image_check_objects(int image_fd, const char *image_name, int objects_fd,
			    const char *objects_name, struct cfs_image_check_report *rep)
{
	struct cfs_objects set = {};
	int r;

	*rep = (struct cfs_image_check_report){};
	r = collect(&set, 0, image_fd, image_name);
	rep->files = set.files;
	for (size_t i = 0, j; r == 0 && i < set.n; i = j) {
		j = cfs_objects_group_end(&set, i);
		r = cfs_objects_check_group(&set, i, j, objects_fd, objects_name, CFS_OBJECTS_LOG);
		rep->objects += r == 0;
		rep->by_kernel += r == 0 && set.v[i].by_kernel;
	}
	cfs_objects_free(&set);
	return r;
}

int cfs_image_spot_check(int image_fd, const char *image_name, int objects_fd,
			     const char *objects_name)
{
	struct cfs_objects set = {};
	int r;

	r = collect(&set, 1, image_fd, image_name);
	if (r == 0 && set.n)
		r = cfs_objects_check_group(&set, 0, set.n, objects_fd, objects_name,
					    CFS_OBJECTS_LOG | CFS_OBJECTS_KERNEL_ONLY);
	cfs_objects_free(&set);
	return r;
}
