// SPDX-License-Identifier: MIT
/*
 * cfsboot mkimage: a composefs image from a directory or a dump file,
 * byte-identical to mkcomposefs 1.0.x, optionally filling an object store.
 * The image is complete and durable before it takes its final name.
 */
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tool/common/atomic_file.h"
#include "tool/common/options.h"
#include "tool/commands.h"
#include "tool/mkimage/dump_parse.h"
#include "lib/verity/fsverity.h"
#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "tool/mkimage/scan.h"
#include "tool/mkimage/store.h"
#include "lib/base/util.h"
#include "lib/base/workers.h"
#include "tool/mkimage/writer.h"

struct mkimage_args {
	const char *source, *image, *store;
	bool from_file, print_digest, print_digest_only, use_epoch, hardlinks;
	int min_version, max_version;   /* -1: not given */
	enum cfs_hash_alg alg;          /* 0: not given */
	unsigned threads;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cfsboot mkimage [OPTIONS] SOURCE IMAGE\n"
		"       cfsboot mkimage --print-digest-only [OPTIONS] SOURCE\n\n"
		"Build a composefs image of SOURCE, a directory or a composefs-dump(5) file,\n"
		"byte for byte what mkcomposefs 1.0.x builds, and write it to IMAGE.\n\n"
		"  --from-file          SOURCE is a dump file (\"-\": standard input); a regular\n"
		"                       file SOURCE is taken as one without this option\n"
		"  --store DIR          copy file contents to DIR/objects/XX/..., the image\n"
		"                       too, and link it as DIR/images/<digest> (directory\n"
		"                       SOURCE only); a new DIR gets DIR/meta.json\n"
		"  --hash ALG           fs-verity hash naming the objects and the image: sha256\n"
		"                       (default; mkcomposefs's only one) or sha512 (bootc);\n"
		"                       with --store, the store's meta.json decides\n"
		"  --print-digest       print the image's fs-verity digest\n"
		"  --print-digest-only  print the digest; write no IMAGE\n"
		"  --min-version N      lowest format version to use (0 or 1; default 0, as\n"
		"                       mkcomposefs; composefs-rs writes 1)\n"
		"  --max-version N      highest format version to use (default: 1 when neither\n"
		"                       version is given, else the minimum)\n"
		"  --use-epoch          store every mtime as 0 (directory SOURCE only)\n"
		"  --threads N          threads for hashing and copying (default: all CPUs)\n"
		"  --hardlinks          keep hardlinks as hardlinks (directory SOURCE only); the\n"
		"                       digest then differs from mkcomposefs's, which does not\n"
		"  -h, --help           show this help\n\n"
		"See cfsboot(1) and docs/mkimage.md.\n");
}

static int parse_version(const char *arg, const char *opt, int *out)
{
	if ((strcmp(arg, "0") != 0 && strcmp(arg, "1") != 0)) {
		log_error("%s %s: the format versions are 0 and 1", opt, arg);
		return -EINVAL;
	}
	*out = arg[0] - '0';
	return 0;
}

static int parse_args(int argc, char **argv, struct mkimage_args *a)
{
	enum { O_FROM_FILE = 256, O_STORE, O_PRINT, O_PRINT_ONLY, O_MIN, O_MAX, O_EPOCH,
	       O_THREADS, O_HARDLINKS, O_HASH };
	static const struct option opts[] = {
		{ "from-file", no_argument, NULL, O_FROM_FILE },
		{ "store", required_argument, NULL, O_STORE },
		{ "print-digest", no_argument, NULL, O_PRINT },
		{ "print-digest-only", no_argument, NULL, O_PRINT_ONLY },
		{ "min-version", required_argument, NULL, O_MIN },
		{ "max-version", required_argument, NULL, O_MAX },
		{ "use-epoch", no_argument, NULL, O_EPOCH },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "hardlinks", no_argument, NULL, O_HARDLINKS },
		{ "hash", required_argument, NULL, O_HASH },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c, r = 0;

	*a = (struct mkimage_args){ .min_version = -1, .max_version = -1,
				    .threads = cfs_workers_default_threads() };
	while (r == 0 && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_FROM_FILE:  a->from_file = true; break;
		case O_STORE:      a->store = optarg; break;
		case O_PRINT:      a->print_digest = true; break;
		case O_PRINT_ONLY: a->print_digest_only = true; break;
		case O_EPOCH:      a->use_epoch = true; break;
		case O_HARDLINKS:  a->hardlinks = true; break;
		case O_MIN:        r = parse_version(optarg, "--min-version", &a->min_version); break;
		case O_MAX:        r = parse_version(optarg, "--max-version", &a->max_version); break;
		case O_THREADS:    r = option_threads(optarg, &a->threads); break;
		case O_HASH:       r = option_hash(optarg, &a->alg); break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			return -EINVAL;
		}
	}
	if (r < 0)
		return r;
	if (argc - optind != (a->print_digest_only ? 1 : 2)) {
		log_error(a->print_digest_only ?
			  "give SOURCE only with --print-digest-only; see 'cfsboot mkimage --help'" :
			  "give SOURCE and IMAGE; see 'cfsboot mkimage --help'");
		return -EINVAL;
	}
	a->source = argv[optind];
	a->image = a->print_digest_only ? NULL : argv[optind + 1];
	return 0;
}

/* mkcomposefs's defaults: 0..1 when neither is given, otherwise the one
 * not given is 0, and a maximum below the minimum is raised to it. */
static struct writer_options write_options(const struct mkimage_args *a)
{
	struct writer_options o = { 0, 1 };

	if (a->min_version >= 0 || a->max_version >= 0) {
		o.min_version = a->min_version >= 0 ? (unsigned)a->min_version : 0;
		o.max_version = a->max_version >= 0 ? (unsigned)a->max_version : 0;
		o.max_version = MAX(o.max_version, o.min_version);
	}
	return o;
}

/* A regular file (or "-" with --from-file) is a dump file; anything else
 * is scanned as a directory.  Returns 1 for a dump file. */
static int source_is_dump(const struct mkimage_args *a)
{
	struct stat st;

	if (a->from_file)
		return 1;
	if (stat(a->source, &st) < 0)
		return log_errno(-errno, "cannot read %s: %m", a->source);
	return S_ISREG(st.st_mode);
}

static int read_source(const struct mkimage_args *a, bool dump, enum cfs_hash_alg alg,
		       struct cfs_node **root)
{
	struct scan_options scan = { a->use_epoch, a->hardlinks, a->threads, alg };

	return dump ? dump_read(a->source, alg, root) : scan_tree(a->source, &scan, root);
}

/* Opens IMAGE's directory up front, so that a bad IMAGE fails before the
 * tree is read. */
static int open_image_dir(const char *image, int *dirfd, char **base)
{
	_cleanup_free_ char *d = strdup(image), *b = strdup(image);

	if (!d || !b)
		return log_oom();
	if (image[0] == '\0' || image[strlen(image) - 1] == '/')
		return log_errno(-EISDIR, "IMAGE %s must name a file", image);
	*dirfd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return log_errno(-errno, "cannot create %s: directory %s: %m", image, d);
	*base = strdup(basename(b));
	return *base ? 0 : log_oom();
}

static int write_image(const char *image, int dirfd, const char *base,
		       const struct writer_image *img)
{
	_cleanup_free_ char *dir = strdup(image);
	struct atomic_file f = { .fd = -1 };
	int r;

	if (!dir)
		return log_oom();
	r = atomic_file_open(&f, dirfd, dirname(dir));
	if (r < 0)
		return r;
	r = cfs_write_full(f.fd, img->data, img->size);
	if (r < 0) {
		atomic_file_discard(&f);
		return log_errno(r, "cannot write %s: %m", image);
	}
	r = atomic_file_commit(&f, base, ATOMIC_FILE_REPLACE, 0, NULL, NULL);
	if (r < 0)
		return r;
	if (fsync(dirfd) < 0)
		return log_errno(-errno, "cannot sync the directory of %s: %m", image);
	return 0;
}

static int store_all(struct store *s, const struct cfs_node *root,
		     const struct writer_image *img, const uint8_t *digest)
{
	/* Objects first: the store never holds an image without its objects. */
	int r = store_add_objects(s, root);

	if (r >= 0)
		r = store_add_image(s, img->data, img->size, digest);
	if (r >= 0)
		log_info("%s: %zu objects added, %zu already present", s->dir,
			 atomic_load(&s->added), atomic_load(&s->present));
	return r;
}

static int mkimage(const struct mkimage_args *a, bool dump)
{
	struct writer_options wo = write_options(a);
	struct writer_image img = {};
	struct cfs_node *root = NULL;
	struct store s = { .dir_fd = -1, .objects_fd = -1, .images_fd = -1, .lock_fd = -1 };
	enum cfs_hash_alg alg = a->alg ? a->alg : CFS_HASH_SHA256;
	_cleanup_close_ int image_dirfd = -1;
	_cleanup_free_ char *image_base = NULL;
	uint8_t digest[CFS_MAX_DIGEST_SIZE];
	char hex[2 * CFS_MAX_DIGEST_SIZE + 1];
	int r = 0;

	if (a->image)
		r = open_image_dir(a->image, &image_dirfd, &image_base);
	/* The store first: its meta.json may decide the algorithm. */
	if (r >= 0 && a->store) {
		r = store_open(&s, a->store, a->alg, a->threads);
		alg = s.alg;
	}
	if (r >= 0)
		r = read_source(a, dump, alg, &root);
	if (r >= 0)
		r = writer_build(root, &wo, &img);
	if (r >= 0)
		r = cfs_verity_digest_buf(alg, img.data, img.size, digest);
	if (r >= 0 && a->store)
		r = store_all(&s, root, &img, digest);
	if (r >= 0 && a->image)
		r = write_image(a->image, image_dirfd, image_base, &img);
	if (r >= 0 && (a->print_digest || a->print_digest_only)) {
		cfs_hex_encode(digest, cfs_hash_digest_size(alg), hex);
		printf("%s\n", hex);
	}
	store_close(&s);
	writer_image_free(&img);
	cfs_node_free(root);
	return r;
}

int cmd_mkimage(int argc, char **argv)
{
	struct mkimage_args a;
	int r = parse_args(argc, argv, &a);

	if (r != 0)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	r = source_is_dump(&a);
	if (r < 0)
		return EXIT_FAILED;
	if (r > 0 && (a.use_epoch || a.hardlinks || a.store)) {
		log_error("%s is a dump file: --use-epoch, --hardlinks and --store need a directory "
			  "(a dump file gives mtimes and hardlinks itself and names no content)",
			  a.source);
		return EXIT_USAGE;
	}
	return mkimage(&a, r > 0) < 0 ? EXIT_FAILED : EXIT_OK;
}
