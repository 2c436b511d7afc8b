// SPDX-License-Identifier: MIT
/*
 * One image's objects against the store (objects.h), as cfs-pivot checks
 * them at boot and cfsboot deploy before it: on one thread per CPU,
 * stopping at the first refusal, which the set has logged.
 */
#include "lib/store/image_check.h"

#include "lib/image/image.h"
#include "lib/store/objects.h"
#include "lib/base/log.h"
#include "lib/base/util.h"

/* Adds the references of the image; at most limit of them (0: all).  The
 * set keeps the image's name, which lives as long as the image does: the
 * set is freed before the caller's image. */
static int collect(struct cfs_objects *set, size_t limit, const struct cfs_image_file *img)
{
	int r;

	set->limit = limit;
	r = cfs_objects_add_image(set, img, cfs_image_name(img));
	if (r == 0)
		cfs_objects_sort(set);
	return r;
}

int cfs_image_check_parsed(const struct cfs_image_file *img, int objects_fd,
			   const char *objects_name, struct cfs_image_check_report *rep)
{
	struct cfs_objects set = {};
	uint64_t start = cfs_now_usec();
	int r;

	*rep = (struct cfs_image_check_report){};
	r = collect(&set, 0, img);
	rep->files = set.files;
	if (r == 0)
		r = cfs_objects_check_all(&set, objects_fd, objects_name,
					  CFS_OBJECTS_LOG | CFS_OBJECTS_STOP, 0);
	for (size_t i = 0; r == 0 && i < set.n; i = cfs_objects_group_end(&set, i)) {
		rep->objects++;
		rep->by_kernel += set.v[i].by_kernel;
	}
	cfs_objects_free(&set);
	if (r < 0)
		return r;
	rep->usec = cfs_now_usec() - start;
	log_info("boot-check: %llu objects of %llu files verified in %llu ms (%llu measured by "
		 "fs-verity, the rest computed)", (unsigned long long)rep->objects,
		 (unsigned long long)rep->files, (unsigned long long)(rep->usec / 1000),
		 (unsigned long long)rep->by_kernel);
	return 0;
}

int cfs_image_check_objects(int image_fd, const char *image_name, int objects_fd,
			    const char *objects_name, struct cfs_image_check_report *rep)
{
	struct cfs_image_file *img = NULL;
	int r;

	r = cfs_image_open_fd(image_fd, image_name, &img);
	if (r == 0)
		r = cfs_image_check_parsed(img, objects_fd, objects_name, rep);
	cfs_image_close(img);
	return r;
}

int cfs_image_spot_check(const struct cfs_image_file *img, int objects_fd,
			 const char *objects_name)
{
	struct cfs_objects set = {};
	int r;

	r = collect(&set, 1, img);
	if (r == 0 && set.n)
		r = cfs_objects_check_group(&set, 0, set.n, objects_fd, objects_name,
					    CFS_OBJECTS_LOG | CFS_OBJECTS_KERNEL_ONLY);
	cfs_objects_free(&set);
	return r;
}
