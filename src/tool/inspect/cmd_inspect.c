// SPDX-License-Identifier: MIT
/*
 * cfsboot inspect: what an image is (header and superblock facts, its
 * composefs digest), which store objects it references, and its content as
 * a dump file that `cfsboot mkimage --from-file` turns back into the same
 * image.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/image/image_tree.h"
#include "tool/commands.h"
#include "tool/common/options.h"
#include "tool/inspect/dump_print.h"
#include "lib/verity/fsverity.h"
#include "lib/base/hex.h"
#include "lib/image/image.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/store/layout.h"
#include "lib/store/objects.h"

enum {
	PART_HEADER = 1 << 0,
	PART_OBJECTS = 1 << 1,
	PART_DUMP = 1 << 2,
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: cfsboot inspect [--header] [--objects] [--dump] IMAGE\n\n"
		     "Describe a composefs image.  Without options, print all three parts:\n\n"
		     "  --header    format, flags, inode count, build time, composefs digest\n"
		     "  --objects   the store objects the image references: PATH DIGEST,\n"
		     "              one per line, sorted\n"
		     "  --dump      the tree as a composefs-dump(5) file, which\n"
		     "              `cfsboot mkimage --from-file` writes back into this image\n"
		     "  -h, --help  show this help\n\n"
		     "Exit status: 0 success, 1 failure, 2 usage, 3 bad image (docs/errors.md).\n");
}

static void print_objects(const struct cfs_objects *set)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct cfs_object *o = &set->v[i];
		const char *path = cfs_object_path(set, o);
		char hex[CFS_DIGEST_HEX_LEN + 1];

		if (path)
			dump_escape(stdout, path, o->path_len);
		else
			putchar('-');
		cfs_hex_encode(o->want.bytes, cfs_hash_digest_size(o->want.alg), hex);
		printf(" %s\n", o->want.alg ? hex : "-");
	}
}

static void print_header(const struct cfs_image_file *img, size_t n_objects)
{
	const struct cfs_image_info *info = cfs_image_info(img);
	uint8_t digest[CFS_SHA256_DIGEST_SIZE];
	char hex[2 * CFS_SHA256_DIGEST_SIZE + 1], when[64] = "";
	time_t t = (time_t)info->build_time_sec;
	const uint8_t *data;
	struct tm tm;
	size_t size;

	data = cfs_image_data(img, &size);
	if (cfs_verity_digest_buf(CFS_HASH_SHA256, data, size, digest) == 0)
		cfs_hex_encode(digest, sizeof(digest), hex);
	else
		strcpy(hex, "-");
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), " (%Y-%m-%d %H:%M:%S UTC)", &tm);

	printf("digest: %s\n", hex);
	printf("format-version: %u\n", info->format_version);
	printf("flags: 0x%x%s\n", info->flags, info->flags & CFS_FLAG_HAS_ACL ? " (acl)" : "");
	printf("size: %zu\n", size);
	printf("blocks: %u\n", info->blocks);
	printf("inodes: %llu\n", (unsigned long long)info->inodes);
	printf("root-nid: %llu\n", (unsigned long long)info->root_nid);
	printf("build-time: %lld.%09u%s\n", (long long)info->build_time_sec, info->build_time_nsec, when);
	printf("erofs-compat: 0x%x\n", info->feature_compat);
	printf("objects: %zu\n", n_objects);
}

static int inspect(const char *path, unsigned int parts)
{
	_cleanup_close_ int fd = -1;
	struct cfs_image_file *img = NULL;
	struct cfs_node *root = NULL;
	struct cfs_objects objs = { .list_all = true };
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		log_errno(-errno, "cannot open %s: %m", path);
		return EXIT_FAILED;
	}
	r = cfs_image_open_fd(fd, path, &img);
	if (r >= 0 && (parts & (PART_HEADER | PART_OBJECTS))) {
		r = cfs_objects_add_image(&objs, img, path);
		cfs_objects_sort(&objs);
	}
	if (r >= 0 && (parts & PART_DUMP))
		r = cfs_image_read_tree(img, &root);
	/* Nothing is printed unless the whole image has been read. */
	if (r >= 0 && (parts & PART_HEADER))
		print_header(img, objs.n);
	if (r >= 0 && (parts & PART_OBJECTS)) {
		if (parts != PART_OBJECTS)
			printf("\n# objects\n");
		print_objects(&objs);
	}
	if (r >= 0 && (parts & PART_DUMP)) {
		if (parts != PART_DUMP)
			printf("\n# dump\n");
		r = dump_print(stdout, root);
	}
	if (r >= 0 && fflush(stdout) != 0)
		r = log_errno(-errno, "cannot write to standard output: %m");
	cfs_node_free(root);
	cfs_objects_free(&objs);
	cfs_image_close(img);
	if (r < 0)
		return cfs_image_is_bad(r) ? EXIT_BAD_IMAGE : EXIT_FAILED;
	return EXIT_OK;
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "header", no_argument, NULL, 'H' },
		{ "objects", no_argument, NULL, 'o' },
		{ "dump", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	unsigned int parts = 0;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			parts |= PART_HEADER;
			break;
		case 'o':
			parts |= PART_OBJECTS;
			break;
		case 'd':
			parts |= PART_DUMP;
			break;
		default:
			return option_end(c, usage);
		}
	}
	if (optind + 1 != argc) {
		log_error("give exactly one IMAGE; usage: cfsboot inspect [--header|--objects|--dump] IMAGE");
		return EXIT_USAGE;
	}
	return inspect(argv[optind], parts ? parts : PART_HEADER | PART_OBJECTS | PART_DUMP);
}
