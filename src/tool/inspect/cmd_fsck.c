// SPDX-License-Identifier: MIT
/*
 * cfsboot fsck: does a store hold everything its images need?  Every image
 * (all of DIR/images, or the ones named) must read cleanly and, when it
 * sits in the store, be named by its own fs-verity digest; every object an
 * image references must pass the check cfs-pivot makes at boot
 * (lib/store/objects.h), so that fsck refuses exactly the stores the boot
 * refuses: paths in the store are opened without links or mount points on
 * the way (lib/store/beneath.h).  Problems go to standard output, one line
 * each, then a summary; the exit status says the worst kind found.
 */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool/commands.h"
#include "tool/common/dir_names.h"
#include "tool/common/options.h"
#include "tool/inspect/dump_print.h"
#include "lib/base/array.h"
#include "lib/base/hex.h"
#include "lib/image/image.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/verity/measure.h"
#include "lib/store/beneath.h"
#include "lib/store/exposure.h"
#include "lib/store/layout.h"
#include "lib/store/lock.h"
#include "lib/store/meta.h"
#include "lib/store/objects.h"
#include "lib/store/store_image.h"
#include "lib/base/workers.h"

struct fsck {
	const char *store;
	int store_fd, objects_fd, lock_fd;
	struct cfs_store_meta meta;
	unsigned threads;
	struct cfs_objects set;
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
	       cfs_hex_is_lower(name, len);
}

static int remember_image(struct fsck *f, char *shown)
{
	if (CFS_GROW(f->images, f->cap, f->n_images + 1, 16) < 0) {
		free(shown);
		return log_oom();
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
		return r;
	cfs_hex_encode(digest, cfs_hash_digest_size(alg), hex);
	if (strcmp(hex, name) != 0)
		return log_errno(-EUCLEAN, "%s: its fs-verity digest is %s, not its name", shown, hex);
	return 0;
}

/* Under verity = boot-check the boot refuses an image without fs-verity
 * that someone other than root could have changed (exposure.h), before
 * copying it into sealed memory. */
static int check_exposure(int fd, const char *shown)
{
	struct cfs_verity_digest d;
	int r = cfs_verity_measure(fd, &d.alg, d.bytes);

	if (r < 0 && r != -EPROTO)
		return log_errno(r, "cannot measure the fs-verity digest of %s: %m", shown);
	return r == 0 ? cfs_store_refuse_exposed(fd, "the image", shown) : 0;
}

/* Reads one image and adds its objects; a bad image is counted, not fatal.
 * An image of the store (store_name) is opened as the boot opens it,
 * following composefs-rs's link to its object (store_image.h); one given
 * by path is the user's to name. */
static int check_image(struct fsck *f, const char *path, const char *store_name)
{
	_cleanup_close_ int fd = -1;
	struct cfs_image_file *img = NULL;
	char *shown;
	int r;

	if (store_name ? asprintf(&shown, "%s/" CFS_STORE_IMAGE_FMT, f->store, store_name) < 0
		       : !(shown = strdup(path)))
		return log_oom();
	r = remember_image(f, shown);
	if (r < 0)
		return r;
	if (store_name) {
		enum cfs_hash_alg alg = strlen(store_name) == 2 * CFS_SHA256_DIGEST_SIZE ?
					CFS_HASH_SHA256 : CFS_HASH_SHA512;

		r = cfs_store_meta_check_alg(&f->meta, alg, f->store, shown);
		if (r >= 0) {
			fd = cfs_store_open_image(f->store_fd, store_name, store_name, shown, "");
			r = fd < 0 ? fd : 0;
		}
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		r = fd < 0 ? log_errno(-errno, "cannot open %s: %m", shown) : 0;
	}
	if (r >= 0 && store_name)
		r = check_exposure(fd, shown);
	if (r >= 0)
		r = cfs_image_open_fd(fd, shown, &img);
	if (r >= 0 && store_name)
		r = check_name(img, shown, store_name);
	if (r >= 0)
		r = cfs_objects_add_image(&f->set, img, shown);
	cfs_image_close(img);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		f->bad_images++;
		printf("bad-image: ");
		dump_escape(stdout, shown, strlen(shown));
		putchar('\n');
	}
	return 0;
}

/* DIR/images, opened as the boot opens it, for reading. */
static int open_images(struct fsck *f)
{
	_cleanup_free_ char *shown = NULL;
	_cleanup_close_ int path_fd = -1;
	int fd;

	if (asprintf(&shown, "%s/" CFS_STORE_IMAGES, f->store) < 0)
		return log_oom();
	path_fd = cfs_open_beneath(f->store_fd, CFS_STORE_IMAGES, true);
	if (path_fd < 0)
		return cfs_beneath_refusal(path_fd, "the images directory", shown,
					   "is it a store? cfsboot mkimage --store makes one");
	fd = openat(path_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return log_errno(-errno, "cannot open %s: %m", shown);
	return fd;
}

/* Every image in DIR/images, in name order; other files (signatures an
 * earlier cfsboot left beside the images, say) are not images and are left
 * alone. */
static int check_store_images(struct fsck *f)
{
	_cleanup_close_ int images_fd = -1;
	_cleanup_free_ char *shown = NULL;
	char **names;
	size_t n;
	DIR *d;
	int r;

	images_fd = open_images(f);
	if (images_fd < 0)
		return images_fd;
	d = fdopendir(fcntl(images_fd, F_DUPFD_CLOEXEC, 0));
	if (!d)
		return log_errno(-errno, "cannot list %s/" CFS_STORE_IMAGES ": %m", f->store);
	if (asprintf(&shown, "%s/" CFS_STORE_IMAGES, f->store) < 0) {
		shown = NULL;
		closedir(d);
		return log_oom();
	}
	r = dir_names(d, shown, is_digest_name, &names, &n);
	closedir(d);
	if (r < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = check_image(f, names[i], names[i]);
	dir_names_free(names, n);
	return r;
}

static int check_named_images(struct fsck *f, char **args, int n)
{
	int r = 0;

	for (int i = 0; r >= 0 && i < n; i++)
		r = check_image(f, args[i], is_digest_name(args[i]) ? args[i] : NULL);
	return r;
}

static void print_object(const struct fsck *f, const char *what, const struct cfs_object *o)
{
	const char *path = cfs_object_path(&f->set, o);

	printf("%s: %s/" CFS_STORE_OBJECTS "/", what, f->store);
	dump_escape(stdout, path, strlen(path));
}

/* Why a corrupt object is refused, in the words of its verdict. */
static void print_why(const struct cfs_object *o)
{
	char want[CFS_DIGEST_HEX_LEN + 1], got[CFS_DIGEST_HEX_LEN + 1];

	switch (o->err) {
	case -EUCLEAN:
		printf(": not a regular file\n");
		break;
	case -ELOOP:
		printf(": it is or passes through a symbolic link, which the boot does not follow\n");
		break;
	case -EXDEV:
		printf(": it is or passes through a mount point, which the boot does not cross\n");
		break;
	case -EPERM:
		printf(": %s, so someone other than root could change it after the boot checked it\n",
		       o->exposed);
		break;
	case -EBADMSG:
		cfs_hex_encode(o->want.bytes, cfs_hash_digest_size(o->want.alg), want);
		cfs_hex_encode(o->found->bytes, cfs_hash_digest_size(o->found->alg), got);
		printf(": fs-verity digest %s:%s, expected %s\n", cfs_hash_name(o->found->alg), got, want);
		break;
	default:
		printf(": cannot read it: %s\n", strerror(-o->err));
	}
}

/* One line per bad object; returns the exit status the objects call for. */
static int report_objects(const struct fsck *f, size_t *missing, size_t *corrupt)
{
	for (size_t i = 0; i < f->set.n; i++) {
		const struct cfs_object *o = &f->set.v[i];

		if (o->err == -ENOENT || o->err == -ENOTDIR) {
			(*missing)++;
			print_object(f, "missing", o);
			printf(" (needed by %s)\n", o->image);
		} else if (o->err) {
			(*corrupt)++;
			print_object(f, "corrupt", o);
			print_why(o);
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
	f->lock_fd = cfs_store_lock(f->store_fd, f->store, CFS_STORE_LOCK_SHARED, true);
	if (f->lock_fd < 0 || cfs_store_meta_read(f->store_fd, f->store, &f->meta) < 0)
		return EXIT_FAILED;
	f->objects_fd = cfs_open_beneath(f->store_fd, CFS_STORE_OBJECTS, true);
	if (f->objects_fd < 0) {
		_cleanup_free_ char *shown = NULL;

		if (asprintf(&shown, "%s/" CFS_STORE_OBJECTS, f->store) < 0)
			log_oom();
		else
			cfs_beneath_refusal(f->objects_fd, "the objects directory", shown,
					    "is it a store? cfsboot mkimage --store makes one");
		return EXIT_FAILED;
	}
	r = n_args ? check_named_images(f, args, n_args) : check_store_images(f);
	if (r < 0)
		return EXIT_FAILED;
	cfs_objects_sort(&f->set);
	/* Every verdict is reported below; what was refused is not fatal. */
	cfs_objects_check_all(&f->set, f->objects_fd, NULL, 0, f->threads);
	status = report_objects(f, &missing, &corrupt);
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
	struct fsck f = { .store_fd = -1, .objects_fd = -1, .lock_fd = -1,
			  .threads = cfs_workers_default_threads() };
	int c, status;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			f.store = optarg;
			break;
		case 't':
			if (option_threads(optarg, &f.threads) < 0)
				return EXIT_USAGE;
			break;
		default:
			return option_end(c, usage);
		}
	}
	if (!f.store) {
		log_error("no store given; usage: cfsboot fsck --store DIR [IMAGE...]");
		return EXIT_USAGE;
	}
	status = fsck(&f, argv + optind, argc - optind);
	cfs_closep(&f.objects_fd);
	cfs_closep(&f.store_fd);
	cfs_closep(&f.lock_fd);
	cfs_objects_free(&f.set);
	for (size_t i = 0; i < f.n_images; i++)
		free(f.images[i]);
	free(f.images);
	return status;
}
