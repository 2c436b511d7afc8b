// SPDX-License-Identifier: MIT
/*
 * cfsboot fsck: does a store hold everything its images need?  Every image
 * (all of DIR/images, or the ones named) must read cleanly and, when it
 * sits in the store, be named by its own fs-verity digest; every object an
 * image references must exist in DIR/objects, be a regular file and have
 * the digest the image records.  Problems go to standard output, one line
 * each, then a summary; the exit status says the worst kind found.
 */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool/commands.h"
#include "tool/inspect/dump_print.h"
#include "tool/inspect/fsck_objects.h"
#include "lib/base/hex.h"
#include "lib/image/image.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "tool/common/workers.h"

struct fsck {
	const char *store;
	int store_fd, objects_fd;
	unsigned threads;
	struct fsck_objects set;
	char **images;              /* names shown in messages; owned */
	size_t n_images, cap;
	size_t bad_images;
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: cfsboot fsck --store DIR [--threads N] [IMAGE...]\n\n"
		     "Check a composefs store: DIR/objects/XX/<digest> and DIR/images/<digest>.\n"
		     "Each IMAGE (default: every image in DIR/images) must be a good image, named\n"
		     "by its fs-verity digest when it is in the store, and every object it\n"
		     "references must be in DIR/objects with the digest the image records.\n"
		     "An IMAGE of 64 or 128 hex digits names DIR/images/IMAGE; anything else is a\n"
		     "path.\n\n"
		     "  --store DIR  the store to check\n"
		     "  --threads N  hash objects on N threads (default: all CPUs)\n"
		     "  -h, --help   show this help\n\n"
		     "Exit status: 0 clean, 1 failure, 2 usage, 3 bad image, 4 missing objects,\n"
		     "5 corrupt objects; the first that applies in the order 3, 5, 4\n"
		     "(docs/errors.md).\n");
}

static bool is_digest_name(const char *name)
{
	size_t len = strlen(name);

	return (len == 2 * CFS_SHA256_DIGEST_SIZE || len == 2 * CFS_MAX_DIGEST_SIZE) &&
	       strspn(name, "0123456789abcdef") == len;
}

static int remember_image(struct fsck *f, char *shown)
{
	if (f->n_images == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		char **v = reallocarray(f->images, cap, sizeof(*v));

		if (!v) {
			free(shown);
			return log_oom();
		}
		f->images = v;
		f->cap = cap;
	}
	f->images[f->n_images++] = shown;
	return 0;
}

/* An image in the store is named by its fs-verity digest. */
static int check_name(const struct cfs_image_file *img, const char *shown, const char *name)
{
	enum cfs_hash_alg alg = strlen(name) == 2 * CFS_SHA256_DIGEST_SIZE ? CFS_HASH_SHA256 : CFS_HASH_SHA512;
	uint8_t digest[CFS_MAX_DIGEST_SIZE];
	char hex[2 * CFS_MAX_DIGEST_SIZE + 1];
	const uint8_t *data;
	size_t size;
	int r;

	data = cfs_image_data(img, &size);
	r = cfs_verity_digest_buf(alg, data, size, digest);
	if (r < 0)
		return log_errno(r, "cannot digest %s: %m", shown);
	cfs_hex_encode(digest, cfs_hash_digest_size(alg), hex);
	if (strcmp(hex, name) != 0)
		return log_errno(-EUCLEAN, "%s: its fs-verity digest is %s, not its name", shown, hex);
	return 0;
}

/* Reads one image and adds its objects; a bad image is counted, not fatal. */
static int check_image(struct fsck *f, int dir_fd, const char *path, const char *store_name)
{
	_cleanup_close_ int fd = -1;
	struct cfs_image_file *img = NULL;
	char *shown;
	int r;

	if (store_name ? asprintf(&shown, "%s/images/%s", f->store, store_name) < 0
		       : !(shown = strdup(path)))
		return log_oom();
	r = remember_image(f, shown);
	if (r < 0)
		return r;
	fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (store_name ? O_NOFOLLOW : 0));
	if (fd < 0)
		r = log_errno(-errno, "cannot open %s: %m", shown);
	else
		r = cfs_image_open_fd(fd, shown, &img);
	if (r >= 0 && store_name)
		r = check_name(img, shown, store_name);
	if (r >= 0)
		r = fsck_objects_add_image(&f->set, img, shown);
	cfs_image_close(img);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		f->bad_images++;
		printf("bad-image: ");
		cfs_dump_escape(stdout, shown, strlen(shown));
		putchar('\n');
	}
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every image in DIR/images, in name order; other files (signatures beside
 * the images, say) are not images and are left alone. */
static int check_store_images(struct fsck *f)
{
	_cleanup_close_ int images_fd = -1;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	images_fd = openat(f->store_fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (images_fd < 0)
		return log_errno(-errno, "cannot open %s/images: %m", f->store);
	d = fdopendir(fcntl(images_fd, F_DUPFD_CLOEXEC, 0));
	if (!d)
		return log_errno(-errno, "cannot list %s/images: %m", f->store);
	while ((de = readdir(d))) {
		if (!is_digest_name(de->d_name))
			continue;
		if (n == cap) {
			char **v;

			cap = cap ? 2 * cap : 16;
			v = reallocarray(names, cap, sizeof(*v));
			if (!v) {
				r = log_oom();
				break;
			}
			names = v;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = log_oom();
			break;
		}
		n++;
	}
	closedir(d);
	if (r >= 0 && n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = check_image(f, images_fd, names[i], names[i]);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static int check_named_images(struct fsck *f, char **args, int n)
{
	_cleanup_close_ int images_fd = -1;
	int r = 0;

	for (int i = 0; r >= 0 && i < n; i++) {
		if (!is_digest_name(args[i])) {
			r = check_image(f, AT_FDCWD, args[i], NULL);
			continue;
		}
		if (images_fd < 0) {
			images_fd = openat(f->store_fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (images_fd < 0)
				return log_errno(-errno, "cannot open %s/images: %m", f->store);
		}
		r = check_image(f, images_fd, args[i], args[i]);
	}
	return r;
}

static void print_object(const struct fsck *f, const char *what, const struct fsck_object *o)
{
	printf("%s: %s/objects/", what, f->store);
	cfs_dump_escape(stdout, o->path, strlen(o->path));
}

/* One line per bad object; returns the exit status the objects call for. */
static int report_objects(const struct fsck *f, size_t *missing, size_t *corrupt)
{
	for (size_t i = 0; i < f->set.n; i++) {
		const struct fsck_object *o = &f->set.v[i];
		size_t dlen = cfs_hash_digest_size(o->alg);
		char want[2 * CFS_MAX_DIGEST_SIZE + 1], got[2 * CFS_MAX_DIGEST_SIZE + 1];

		if (o->state == FSCK_MISSING) {
			(*missing)++;
			print_object(f, "missing", o);
			printf(" (needed by %s)\n", o->image);
		} else if (o->state == FSCK_CORRUPT) {
			(*corrupt)++;
			print_object(f, "corrupt", o);
			if (o->not_regular) {
				printf(": not a regular file\n");
			} else if (o->err) {
				printf(": cannot read it: %s\n", strerror(o->err));
			} else {
				cfs_hex_encode(o->digest, dlen, want);
				cfs_hex_encode(o->found, dlen, got);
				printf(": fs-verity digest %s:%s, expected %s\n", cfs_hash_name(o->alg), got, want);
			}
		}
	}
	return *corrupt ? EXIT_CORRUPT_OBJECTS : *missing ? EXIT_MISSING_OBJECTS : EXIT_OK;
}

static int fsck(struct fsck *f, char **args, int n_args)
{
	size_t missing = 0, corrupt = 0;
	int r, status;

	f->store_fd = open(f->store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->store_fd < 0) {
		log_errno(-errno, "cannot open the store %s: %m", f->store);
		return EXIT_FAILED;
	}
	f->objects_fd = openat(f->store_fd, "objects", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->objects_fd < 0) {
		log_errno(-errno, "cannot open %s/objects (is %s a store?): %m", f->store, f->store);
		return EXIT_FAILED;
	}
	r = n_args ? check_named_images(f, args, n_args) : check_store_images(f);
	if (r < 0)
		return EXIT_FAILED;
	fsck_objects_unique(&f->set);
	r = fsck_objects_check(&f->set, f->objects_fd, f->threads);
	if (r < 0)
		return EXIT_FAILED;
	status = report_objects(f, &missing, &corrupt);
	if (f->set.no_redirect)
		log_warning("%zu files have a metacopy but no redirect; they name no object to check",
			    f->set.no_redirect);
	printf("%zu images, %zu objects: %zu missing, %zu corrupt, %zu bad images\n",
	       f->n_images, f->set.n, missing, corrupt, f->bad_images);
	if (fflush(stdout) != 0) {
		log_errno(-errno, "cannot write to standard output: %m");
		return EXIT_FAILED;
	}
	return f->bad_images ? EXIT_BAD_IMAGE : status;
}

int cmd_fsck(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct fsck f = { .store_fd = -1, .objects_fd = -1, .threads = cfs_default_threads() };
	char *end;
	int c, status;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			f.store = optarg;
			break;
		case 't':
			errno = 0;
			f.threads = (unsigned)strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || f.threads == 0 || f.threads > 1024) {
				log_error("--threads '%s': give a number from 1 to 1024", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!f.store) {
		log_error("no store given; usage: cfsboot fsck --store DIR [IMAGE...]");
		return EXIT_USAGE;
	}
	status = fsck(&f, argv + optind, argc - optind);
	cfs_closep(&f.objects_fd);
	cfs_closep(&f.store_fd);
	fsck_objects_free(&f.set);
	for (size_t i = 0; i < f.n_images; i++)
		free(f.images[i]);
	free(f.images);
	return status;
}
