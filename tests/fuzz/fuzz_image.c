// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the image reader: every input is opened as an image
 * and, when it opens, read the ways cfsboot reads images: the store objects
 * it references (what cfs-pivot checks), the whole tree, and the tree
 * printed as a dump.  Any crash, leak, overflow or hang is a bug; refusing
 * the input is the expected outcome for nearly all of them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/image/image_objects.h"
#include "lib/image/image_tree.h"
#include "tool/inspect/dump_print.h"
#include "lib/image/image.h"
#include "lib/base/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Refusals are logged; millions of them would only slow the run. */
	cfs_log_set_level(LOG_EMERG);
	devnull = fopen("/dev/null", "we");
	return devnull ? 0 : -1;
}

/* Touches what the walker hands out, so that a bad pointer shows. */
static int count_object(const struct cfs_object_ref *obj, void *userdata)
{
	size_t *sum = userdata;

	for (size_t i = 0; i < obj->path_len; i++)
		*sum += (uint8_t)obj->path[i];
	for (size_t i = 0; i < obj->digest_len; i++)
		*sum += obj->digest[i];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfs_image_file *img;
	struct cfs_node *root;
	size_t sum = 0;

	if (cfs_image_open_buf(data, size, "fuzz", &img) < 0)
		return 0;
	cfs_image_walk_objects(img, count_object, &sum);
	if (cfs_image_read_tree(img, &root) == 0) {
		dump_print(devnull, root);
		cfs_node_free(root);
	}
	cfs_image_close(img);
	return 0;
}
