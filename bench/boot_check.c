// SPDX-License-Identifier: MIT
/*
 * The check cfs-pivot makes of every object under verity = boot-check, for
 * bench/digest.sh: the boot's own code (cfs_image_check_objects()) on one
 * image and a store's objects directory, timed from before the image is
 * opened to the verdict.  Prints "MICROSECONDS OBJECTS FILES".
 *
 *   boot_check IMAGE OBJECTS_DIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>

#include "lib/base/util.h"
#include "lib/store/image_check.h"

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	struct cfs_image_check_report rep;
	_cleanup_close_ int image = -1, objects = -1;
	double start;
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: boot_check IMAGE OBJECTS_DIR\n");
		return 2;
	}
	start = now_us();
	image = open(argv[1], O_RDONLY | O_CLOEXEC);
	objects = open(argv[2], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (image < 0 || objects < 0) {
		perror("boot_check: open");
		return 1;
	}
	r = cfs_image_check_objects(image, argv[1], objects, argv[2], &rep);
	if (r < 0)
		return 1;
	printf("%.0f %llu %llu\n", now_us() - start, (unsigned long long)rep.objects,
	       (unsigned long long)rep.files);
	return 0;
}
