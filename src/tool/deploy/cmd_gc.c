// SPDX-License-Identifier: MIT
/*
 * cfsboot gc: removes what no entry references.  Kept are the images of
 * the entries and the booted image; everything else of the store, the
 * state and the boot partition goes.  The objects to delete are found by
 * reading images, never by listing the store: those of the removed images
 * that no kept image references.  So the work grows with what is kept and
 * removed, not with the size of the objects directory.
 *
 * An image a composefs-rs ref names (images/refs/...) is kept as well.
 *
 * A removed image is first renamed to images/.gc-<hex> (a name no reader
 * takes for an image), then its objects go, then it does: a gc stopped
 * anywhere leaves every kept image whole, and the next gc finds the
 * renamed image and finishes its objects.
 */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/image/image.h"
#include "lib/store/layout.h"
#include "lib/store/lock.h"
#include "lib/store/objects.h"
#include "lib/store/store_image.h"
#include "lib/store/store_sig.h"
#include "lib/store/beneath.h"
#include "tool/commands.h"
#include "tool/common/dir_names.h"
#include "tool/deploy/fault.h"
#include "tool/deploy/site.h"
#include "tool/deploy/tree.h"

#define DOOMED ".gc-"
#define REFS   "refs"
/* How deep gc walks images/refs/: composefs-rs's names are a few levels
 * (refs/system/rootfs/NAME); a deeper tree is refused, not walked. */
#define REFS_DEPTH 8

static void usage(FILE *out)
{
	fprintf(out, "Usage: cfsboot gc [--dry-run] [OPTIONS]\n\n"
		     "Remove the images, objects, state directories and boot files that no entry\n"
		     "references; the booted deployment, and an image a composefs-rs ref in\n"
		     "images/refs/ names, are always kept.  Holds the store's lock\n"
		     "exclusively.  Prints what it removes (with --dry-run, what it would).\n\n"
		     "  -n, --dry-run      remove nothing\n"
		     SITE_OPTIONS_HELP
		     "  -h, --help         show this help\n");
}

struct gc {
	struct site site;
	bool dry_run;
	char *objects;
	int store_fd, objects_fd;
	uint64_t images, objects_removed, dirs;
	char **refs;    /* the digests images/refs/ names */
	size_t n_refs;
};

static bool kept(const struct gc *g, const char *hex)
{
	if (site_find(&g->site, hex) || strcmp(g->site.booted, hex) == 0)
		return true;
	for (size_t i = 0; i < g->n_refs; i++)
		if (strcmp(g->refs[i], hex) == 0)
			return true;
	return false;
}

static bool valid_hex(const char *s)
{
	return cfs_layout_is_digest_hex(s, strlen(s));
}

/* A ref of composefs-rs is a link under images/refs/ to images/<hex>: it
 * records that someone asked composefs-rs to keep that image
 * (doc/repository.md), and composefs-rs's own gc keeps what the last
 * component of the link names; so does this one.  The walk opens no link
 * (O_NOFOLLOW) and only reads the links' text: a ref can only make gc
 * keep more. */
static int add_refs(struct gc *g, int dfd, const char *path, unsigned depth)
{
	DIR *d = fdopendir(dfd);
	char **names = NULL;
	size_t n = 0;
	int r;

	if (!d) {
		r = log_errno(-errno, "cannot read %s: %m", path);
		close(dfd);
		return r;
	}
	r = dir_names(d, path, NULL, &names, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_free_ char *sub = NULL;
		char target[PATH_MAX], **v;
		const char *base;
		struct stat st;
		ssize_t len;
		int fd;

		if (asprintf(&sub, "%s/%s", path, names[i]) < 0) {
			r = log_oom();
			break;
		}
		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = log_errno(-errno, "cannot stat %s: %m", sub);
		} else if (S_ISDIR(st.st_mode)) {
			if (depth >= REFS_DEPTH) {
				r = log_errno(-ELOOP, "refusing %s: refs more than %d directories deep; "
					      "nothing was removed (shorten the ref's name)",
					      sub, REFS_DEPTH);
				break;
			}
			fd = openat(dirfd(d), names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = fd < 0 ? log_errno(-errno, "cannot open %s: %m", sub)
				   : add_refs(g, fd, sub, depth + 1);
		} else if (S_ISLNK(st.st_mode)) {
			len = readlinkat(dirfd(d), names[i], target, sizeof(target) - 1);
			if (len < 0) {
				r = log_errno(-errno, "cannot read the link %s: %m", sub);
				break;
			}
			target[len] = '\0';
			base = strrchr(target, '/');
			base = base ? base + 1 : target;
			if (!valid_hex(base))
				continue;
			v = realloc(g->refs, (g->n_refs + 1) * sizeof(*v));
			if (!v || !(v[g->n_refs] = strdup(base))) {
				if (v)
					g->refs = v;
				r = log_oom();
				break;
			}
			g->refs = v;
			g->n_refs++;
		}
	}
	dir_names_free(names, n);
	closedir(d);
	return r;
}

static int read_refs(struct gc *g)
{
	_cleanup_free_ char *path = NULL;
	int fd;

	if (asprintf(&path, "%s/" CFS_STORE_IMAGES "/" REFS, g->site.store) < 0)
		return log_oom();
	fd = openat(g->store_fd, CFS_STORE_IMAGES "/" REFS,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : log_errno(-errno, "cannot open %s: %m", path);
	return add_refs(g, fd, path, 1);
}

static int list(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	int r;

	*names = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : log_errno(-errno, "cannot open %s: %m", dir);
	r = dir_names(d, dir, NULL, names, n);
	closedir(d);
	return r;
}

/* <dir>/<name> for every name that is not a kept digest (a leftover
 * "<hex>.tmp" of a crashed deploy included). */
static int remove_dirs(struct gc *g, const char *dir, const char *step)
{
	char **names;
	size_t n;
	int r = list(dir, &names, &n);

	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_free_ char *path = NULL;

		if (valid_hex(names[i]) && kept(g, names[i]))
			continue;
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
			r = log_oom();
			break;
		}
		printf("%s %s\n", g->dry_run ? "would remove" : "removed", path);
		g->dirs++;
		if (g->dry_run)
			continue;
		fault_point(step);
		r = tree_remove(path);
	}
	if (r == 0 && n && !g->dry_run)
		r = tree_sync_dir(dir);
	dir_names_free(names, n);
	return r;
}

/* Unlinks dir/name (a missing one is fine). */
static int remove_file(const char *dir, const char *prefix, const char *name, const char *step)
{
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "%s/%s%s", dir, prefix, name) < 0)
		return log_oom();
	fault_point(step);
	if (unlink(path) < 0 && errno != ENOENT)
		return log_errno(-errno, "cannot remove %s: %m", path);
	return 0;
}

/* What a write cut short left in dir: atomic_file's temporary files
 * (".tmp-*"), which no loader reads and no finished write leaves. */
static int remove_temporaries(struct gc *g, const char *dir)
{
	char **names;
	size_t n;
	int r = list(dir, &names, &n);

	for (size_t i = 0; r == 0 && i < n; i++) {
		if (strncmp(names[i], ".tmp-", strlen(".tmp-")) != 0)
			continue;
		printf("%s %s/%s\n", g->dry_run ? "would remove" : "removed", dir, names[i]);
		if (!g->dry_run)
			r = remove_file(dir, "", names[i], "gc-temporary");
	}
	dir_names_free(names, n);
	return r;
}

/* An image is read as cfs-pivot reads it (store_image.h): a file of
 * images/ or, as mkimage --store and composefs-rs write it, a link there to
 * its own object.  name is its entry, <hex> or a renamed DOOMED<hex>, and
 * names it in the set's messages: it must outlive the set. */
static int add_image(struct cfs_objects *set, int store_fd, const char *path, const char *name,
		     const char *hex)
{
	struct cfs_image_file *img = NULL;
	_cleanup_close_ int fd = cfs_store_open_image(store_fd, name, hex, path,
						      "gc reads every image of the store");
	int r;

	if (fd < 0)
		return fd;
	r = cfs_image_open_fd(fd, path, &img);
	if (r == 0)
		r = cfs_objects_add_image(set, img, name);
	cfs_image_close(img);
	return r;
}

/* The object an image's link named: removed after the link, so that a
 * gc stopped between the two leaves an unnamed object, never a link to
 * nothing.  Kept when a kept image names the same content. */
static int remove_image_object(struct gc *g, const char *hex, const struct cfs_objects *keep)
{
	uint8_t digest[CFS_MAX_DIGEST_SIZE];
	char p[CFS_OBJECT_PATH_SIZE];
	size_t len = strlen(hex) / 2;

	if (cfs_hex_decode(hex, strlen(hex), digest, len) < 0)
		return 0;
	cfs_layout_object_path(digest, len, p);
	if (cfs_objects_has_path(keep, p))
		return 0;
	fault_point("gc-image-object");
	if (unlinkat(g->objects_fd, p, 0) < 0 && errno != ENOENT)
		return log_errno(-errno, "cannot remove the object %s/%s: %m", g->objects, p);
	return 0;
}

/* Deletes the objects of doomed (sorted) that keep (sorted) does not name:
 * each looked up in keep, so that the cost grows with what goes. */
static int remove_objects(struct gc *g, const struct cfs_objects *doomed,
			  const struct cfs_objects *keep)
{
	const char *last = NULL;

	for (size_t i = 0; i < doomed->n; i++) {
		const char *p = cfs_object_path(doomed, &doomed->v[i]);

		if (!p || (last && strcmp(last, p) == 0))
			continue;
		last = p;
		if (cfs_objects_has_path(keep, p))
			continue;
		g->objects_removed++;
		if (g->dry_run)
			continue;
		fault_point("gc-object");
		if (unlinkat(g->objects_fd, p, 0) < 0 && errno != ENOENT)
			return log_errno(-errno, "cannot remove the object %s/%s: %m", g->objects, p);
	}
	return 0;
}

/* An image name: "<hex>" or "<DOOMED><hex>", split. */
struct image_name {
	char hex[CFS_DIGEST_HEX_LEN + 1];
	bool doomed;
};

static bool parse_image_name(const char *name, struct image_name *in)
{
	size_t len = strlen(name), skip = 0;

	*in = (struct image_name){};
	in->doomed = strncmp(name, DOOMED, strlen(DOOMED)) == 0;
	if (in->doomed)
		skip = strlen(DOOMED);
	len -= skip;
	if (len >= sizeof(in->hex))
		return false;
	memcpy(in->hex, name + skip, len);
	in->hex[len] = '\0';
	return valid_hex(in->hex);
}

/* Sorts each image of the store into keep or doomed, reading it; renames
 * the doomed to DOOMED<hex>. */
static int sort_images(struct gc *g, const char *dir, char **names, size_t n,
		       struct cfs_objects *keep, struct cfs_objects *doomed)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_free_ char *path = NULL;
		struct image_name in;

		if (!parse_image_name(names[i], &in))
			continue;
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
			return log_oom();
		if (!in.doomed && kept(g, in.hex)) {
			r = add_image(keep, g->store_fd, path, names[i], in.hex);
			continue;
		}
		printf("%s the image %s\n", g->dry_run ? "would remove" : "removed", in.hex);
		g->images++;
		r = add_image(doomed, g->store_fd, path, names[i], in.hex);
		if (r == 0 && !in.doomed && !g->dry_run) {
			_cleanup_free_ char *to = NULL;

			fault_point("gc-image");
			if (asprintf(&to, "%s/" DOOMED "%s", dir, in.hex) < 0)
				r = log_oom();
			else if (rename(path, to) < 0)
				r = log_errno(-errno, "cannot rename %s: %m", path);
		}
	}
	if (r == 0 && !g->dry_run)
		r = tree_sync_dir(dir);
	return r;
}

static int collect_images(struct gc *g)
{
	_cleanup_free_ char *dir = NULL;
	struct cfs_objects keep = {}, doomed = {};
	char **names;
	size_t n;
	int r;

	if (asprintf(&dir, "%s/" CFS_STORE_IMAGES, g->site.store) < 0)
		return log_oom();
	r = list(dir, &names, &n);
	if (r == 0)
		r = sort_images(g, dir, names, n, &keep, &doomed);
	cfs_objects_sort(&keep);
	cfs_objects_sort(&doomed);
	if (r == 0)
		r = remove_objects(g, &doomed, &keep);
	/* The objects are gone for good before the images that named them. */
	if (r == 0 && !g->dry_run && doomed.n && syncfs(g->objects_fd) < 0)
		r = log_errno(-errno, "cannot sync the store %s: %m", g->site.store);
	for (size_t i = 0; r == 0 && !g->dry_run && i < n; i++) {
		struct image_name in;

		if (!parse_image_name(names[i], &in) || (!in.doomed && kept(g, in.hex)))
			continue;
		r = remove_file(dir, DOOMED, in.hex, "gc-image-remove");
		if (r == 0)
			r = remove_image_object(g, in.hex, &keep);
	}
	if (r == 0 && !g->dry_run)
		r = tree_sync_dir(dir);
	cfs_objects_free(&keep);
	cfs_objects_free(&doomed);
	dir_names_free(names, n);
	return r;
}

/* signatures/<name>, when it is the signature of an image that is not
 * kept, or of one the store does not have (it names nothing): unlinked
 * beneath the directory's fd, so a link is removed, never followed.
 * *removed counts what went. */
static int collect_signature(struct gc *g, int dir_fd, const char *dir, const char *name,
			     size_t *removed)
{
	char hex[CFS_DIGEST_HEX_LEN + 1], image[CFS_STORE_IMAGE_REL_SIZE];
	_cleanup_close_ int image_fd = -1;
	struct stat st;

	if (!cfs_layout_signature_hex(name, hex))
		return 0;
	snprintf(image, sizeof(image), CFS_STORE_IMAGE_FMT, hex);
	image_fd = cfs_open_beneath_link(g->store_fd, image);
	if (kept(g, hex) && image_fd != -ENOENT)
		return 0;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : log_errno(-errno, "cannot stat %s/%s: %m", dir, name);
	if (S_ISDIR(st.st_mode)) {
		log_warning("%s/%s is a directory, not a signature: left as it is", dir, name);
		return 0;
	}
	if (g->dry_run)
		return 0;
	fault_point("gc-signature");
	if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
		return log_errno(-errno, "cannot remove %s/%s: %m", dir, name);
	(*removed)++;
	return 0;
}

/* The signatures of the images that went, and of none (after
 * collect_images).  signatures/ is opened beneath the store: a link in its
 * place is refused, not followed out of the store. */
static int collect_signatures(struct gc *g)
{
	_cleanup_close_ int path_fd = cfs_open_beneath(g->store_fd, CFS_STORE_SIGNATURES, true);
	_cleanup_free_ char *dir = NULL;
	char **names = NULL;
	size_t n = 0, removed = 0;
	DIR *d = NULL;
	int fd, r;

	if (path_fd == -ENOENT)
		return 0;
	if (asprintf(&dir, "%s/" CFS_STORE_SIGNATURES, g->site.store) < 0)
		return log_oom();
	if (path_fd < 0)
		return cfs_beneath_refusal(path_fd, "the signatures directory", dir, "");
	fd = cfs_reopen_read(path_fd);
	if (fd < 0 || !(d = fdopendir(fd))) {
		r = log_errno(fd < 0 ? fd : -errno, "cannot read %s: %m", dir);
		safe_close(fd);
		return r;
	}
	r = dir_names(d, dir, NULL, &names, &n);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = collect_signature(g, dirfd(d), dir, names[i], &removed);
	if (r == 0 && removed && fsync(dirfd(d)) < 0)
		r = log_errno(-errno, "cannot sync %s: %m", dir);
	closedir(d);
	dir_names_free(names, n);
	return r;
}

static int run(struct gc *g)
{
	_cleanup_free_ char *boot = NULL, *state = NULL;
	_cleanup_close_ int lock = -1;
	int r;

	lock = cfs_store_lock(-1, g->site.store, CFS_STORE_LOCK_EXCLUSIVE, false);
	if (lock < 0)
		return lock;
	if (asprintf(&g->objects, "%s/" CFS_STORE_OBJECTS, g->site.store) < 0 ||
	    asprintf(&boot, "%s/" SITE_FILES, g->site.boot) < 0 ||
	    asprintf(&state, "%s/" CFS_STATE_DEPLOY, g->site.state) < 0)
		return log_oom();
	g->store_fd = open(g->site.store, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (g->store_fd < 0)
		return log_errno(-errno, "cannot open %s: %m", g->site.store);
	/* Before anything is sorted: the signatures an earlier cfsboot left
	 * in images/ are then collected with the others. */
	r = g->dry_run ? 0 : cfs_store_migrate_signatures(g->store_fd, g->site.store);
	if (r < 0)
		return r;
	g->objects_fd = open(g->objects, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (g->objects_fd < 0)
		return log_errno(-errno, "cannot open %s: %m", g->objects);
	/* What is kept is known before anything goes. */
	r = read_refs(g);
	/* Entries first, then what they name: the boot files, the state, the store. */
	if (r == 0)
		r = remove_temporaries(g, g->site.entries);
	for (size_t i = 0; r == 0 && i < g->site.n; i++) {
		_cleanup_free_ char *files = site_files_path(&g->site, g->site.d[i].hex);

		r = files ? remove_temporaries(g, files) : log_oom();
	}
	if (r == 0)
		r = remove_dirs(g, boot, "gc-boot");
	if (r == 0)
		r = remove_dirs(g, state, "gc-state");
	if (r == 0)
		r = collect_images(g);
	if (r == 0)
		r = collect_signatures(g);
	if (r == 0)
		printf("%s %llu images, %llu objects, %llu directories\n",
		       g->dry_run ? "would remove" : "removed", (unsigned long long)g->images,
		       (unsigned long long)g->objects_removed, (unsigned long long)g->dirs);
	return r;
}

int cmd_gc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		SITE_LONG_OPTIONS,
		{}
	};
	struct gc g = { .store_fd = -1, .objects_fd = -1 };
	int c, r;

	site_init(&g.site);
	while ((c = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		if (site_option(&g.site, c, optarg))
			continue;
		switch (c) {
		case 'n': g.dry_run = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s' (see --help)", argv[optind]);
		return EXIT_USAGE;
	}
	r = site_open(&g.site, true);
	if (r == 0)
		r = run(&g);
	cfs_closep(&g.store_fd);
	cfs_closep(&g.objects_fd);
	free(g.objects);
	dir_names_free(g.refs, g.n_refs);
	site_close(&g.site);
	return r < 0 ? EXIT_FAILED : EXIT_OK;
}
