// SPDX-License-Identifier: MIT
/*
 * The user-space object checks of cfs-pivot on a real store made by the
 * tool's own scanner, writer and store code: every object of a good store
 * passes, shared objects are read once, and a changed, missing or linked
 * object, or one others could change, is refused naming it.  The spot check of verity = require refuses
 * objects without fs-verity (this host's file systems have none).  The set
 * as fsck uses it: several images, verdicts without a line logged, and an
 * image refused leaves nothing of itself behind.  Checked on several
 * threads, with objects large enough to be split, the verdicts are those of
 * one thread and the refusal reported is the first in the set's order.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"
#include "lib/base/hex.h"
#include "lib/image/image.h"
#include "lib/store/objects.h"
#include "lib/store/image_check.h"
#include "tool/mkimage/scan.h"
#include "tool/mkimage/store.h"
#include "lib/base/util.h"
#include "lib/verity/measure.h"
#include "tool/mkimage/writer.h"

static char dir[64];

static void path_of(char *out, size_t size, const char *rel)
{
	snprintf(out, size, "%s/%s", dir, rel);
}

static void put(const char *rel, const char *content, size_t repeat)
{
	char p[512];
	FILE *f;

	path_of(p, sizeof(p), rel);
	f = fopen(p, "w");
	assert_non_null(f);
	for (size_t i = 0; i < repeat; i++)
		fputs(content, f);
	fclose(f);
}

/* src/ with three external files, two of them the same content, and a
 * small one inlined in the image; the store in store/, the image in image. */
static int setup(void **state)
{
	struct scan_options scan = { .threads = 1, .alg = CFS_HASH_SHA256 };
	struct writer_options wo = { .min_version = 0, .max_version = 1 };
	struct cfs_node *root = NULL;
	struct store store;
	struct writer_image img;
	char p[512];
	int fd;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/objects.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	path_of(p, sizeof(p), "src");
	assert_int_equal(mkdir(p, 0755), 0);
	put("src/one", "the first file, long enough to be an object. ", 10);
	put("src/same-a", "shared content, long enough to be an object.. ", 10);
	put("src/same-b", "shared content, long enough to be an object.. ", 10);
	put("src/tiny", "inline", 1);

	assert_int_equal(scan_tree(p, &scan, &root), 0);
	assert_int_equal(writer_build(root, &wo, &img), 0);
	path_of(p, sizeof(p), "store");
	assert_int_equal(store_open(&store, p, CFS_HASH_SHA256, 1), 0);
	assert_int_equal(store_add_objects(&store, root), 0);
	store_close(&store);
	cfs_node_free(root);

	path_of(p, sizeof(p), "image");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(cfs_write_full(fd, img.data, img.size), 0);
	close(fd);
	writer_image_free(&img);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int open_rel(const char *rel, int flags)
{
	char p[512];
	int fd;

	path_of(p, sizeof(p), rel);
	fd = open(p, flags | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* A store is acceptable only when it is root's (exposure.h): another
 * user's store is refused whole, so the cases that need a good one skip. */
#define need_root()                  \
	do {                         \
		if (geteuid() != 0)  \
			skip();      \
	} while (0)

/* Runs the full check; the log it wrote is in *log. */
static int check_all(struct cfs_image_check_report *rep, const char **log)
{
	int image = open_rel("image", O_RDONLY), objects = open_rel("store/objects", O_PATH);
	int r;

	capture_start();
	r = cfs_image_check_objects(image, "IMAGE", objects, "OBJECTS", rep);
	*log = capture_end();
	close(image);
	close(objects);
	return r;
}

/* The relative path of the object of src/one, from its content's digest. */
static void object_of_one(char *rel, size_t size)
{
	uint8_t digest[CFS_SHA256_DIGEST_SIZE];
	char hex[2 * CFS_SHA256_DIGEST_SIZE + 1];
	int fd = open_rel("src/one", O_RDONLY);

	assert_int_equal(cfs_verity_digest_fd(CFS_HASH_SHA256, fd, 1, digest), 0);
	close(fd);
	cfs_hex_encode(digest, sizeof(digest), hex);
	snprintf(rel, size, "store/objects/%.2s/%s", hex, hex + 2);
}

static void test_good_store(void **state)
{
	struct cfs_image_check_report rep;
	const char *log;

	(void)state;
	need_root();
	assert_int_equal(check_all(&rep, &log), 0);
	assert_int_equal(rep.files, 3);     /* tiny is in the image */
	assert_int_equal(rep.objects, 2);   /* same-a and same-b share one */
	/* One line, the report. */
	assert_int_equal(count_lines(log), 1);
	assert_non_null(strstr(log, "boot-check: 2 objects of 3 files verified in "));
}

/* Each case changes the object of src/one, checks, and puts it back. */
static void test_changed_object(void **state)
{
	struct cfs_image_check_report rep;
	char rel[256], p[512], saved[600];
	const char *log;
	int fd;

	(void)state;
	need_root();
	object_of_one(rel, sizeof(rel));
	path_of(p, sizeof(p), rel);
	snprintf(saved, sizeof(saved), "%s.saved", p);
	assert_int_equal(link(p, saved), 0);
	assert_int_equal(unlink(p), 0);
	/* A copy with one byte changed, in place of the object. */
	put(rel + 0, "the first file, long enough to be an object. ", 9);
	fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "the first file, long enough to be an object! ", 45), 45);
	close(fd);

	assert_int_equal(check_all(&rep, &log), -EBADMSG);
	assert_int_equal(count_lines(log), 1);
	assert_contains(log, "refusing object OBJECTS/");
	assert_contains(log, rel + strlen("store/objects/"));
	assert_contains(log, "its fs-verity digest is sha256:");
	assert_contains(log, "but the image records sha256:");

	assert_int_equal(unlink(p), 0);
	assert_int_equal(check_all(&rep, &log), -ENOENT);
	assert_contains(log, "is missing");

	/* A link to the good object is still refused: no links followed. */
	assert_int_equal(symlink(saved, p), 0);
	assert_int_equal(check_all(&rep, &log), -ELOOP);
	assert_contains(log, "without following links");

	assert_int_equal(unlink(p), 0);
	assert_int_equal(rename(saved, p), 0);
	assert_int_equal(check_all(&rep, &log), 0);
}

/* Good content that someone other than root could change after the check:
 * the object linked elsewhere and made writable (the attack), and its
 * fan-out directory writable.  Each is refused in one line naming it. */
static void test_exposed_object(void **state)
{
	struct cfs_image_check_report rep;
	char rel[256], p[512], other[600], fan[512];
	const char *log;

	(void)state;
	need_root();
	object_of_one(rel, sizeof(rel));
	path_of(p, sizeof(p), rel);
	snprintf(other, sizeof(other), "%s/var-tmp-x", dir);
	assert_int_equal(link(p, other), 0);
	assert_int_equal(chmod(p, 0666), 0);
	assert_int_equal(check_all(&rep, &log), -EPERM);
	assert_int_equal(count_lines(log), 1);
	assert_contains(log, "refusing object OBJECTS/");
	assert_contains(log, rel + strlen("store/objects/"));
	assert_contains(log, "it has 2 hard links, so someone other than root could change it");
	assert_int_equal(unlink(other), 0);
	assert_int_equal(check_all(&rep, &log), -EPERM);
	assert_contains(log, "it is writable by its group or others (mode 0666)");
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(check_all(&rep, &log), 0);

	snprintf(fan, sizeof(fan), "%.*s", (int)(strrchr(p, '/') - p), p);
	assert_int_equal(chmod(fan, 0777), 0);
	assert_int_equal(check_all(&rep, &log), -EPERM);
	assert_int_equal(count_lines(log), 1);
	assert_contains(log, "its directory ");
	assert_contains(log, " is writable by its group or others (mode 0777)");
	assert_int_equal(chmod(fan, 0755), 0);
	assert_int_equal(check_all(&rep, &log), 0);
}

static void test_corrupt_image(void **state)
{
	struct cfs_image_check_report rep;
	const char *log;
	int fd = open_rel("image", O_RDWR);
	uint8_t byte;

	(void)state;
	/* The composefs magic, first bytes of the header. */
	assert_int_equal(pread(fd, &byte, 1, 0), 1);
	byte ^= 0xff;
	assert_int_equal(pwrite(fd, &byte, 1, 0), 1);
	assert_true(cfs_image_is_bad(check_all(&rep, &log)));
	assert_int_equal(count_lines(log), 1);
	byte ^= 0xff;
	assert_int_equal(pwrite(fd, &byte, 1, 0), 1);
	close(fd);
}

/* verity = require: an object without fs-verity would make its file
 * unreadable, so the spot check refuses it (and passes where the store's
 * file system gave the objects fs-verity). */
static void test_spot_check(void **state)
{
	int image = open_rel("image", O_RDONLY), objects = open_rel("store/objects", O_PATH);
	struct cfs_image_file *img = NULL, *none = NULL;
	char rel[256];
	struct cfs_verity_digest d;
	const char *log;
	int obj, has_verity, empty, r;

	(void)state;
	assert_int_equal(cfs_image_open_fd(image, "IMAGE", &img), 0);
	object_of_one(rel, sizeof(rel));
	obj = open_rel(rel, O_RDONLY);
	has_verity = cfs_verity_measure(obj, &d.alg, d.bytes);
	close(obj);
	assert_true(has_verity >= 0);

	capture_start();
	r = cfs_image_spot_check(img, objects, "OBJECTS");
	log = capture_end();
	cfs_image_close(img);
	if (has_verity) {
		assert_int_equal(r, 0);
	} else {
		assert_int_equal(r, -ENODATA);
		assert_int_equal(count_lines(log), 1);
		assert_contains(log, "it has no fs-verity, and overlayfs verity=require refuses");
		assert_contains(log, "verity = boot-check");
	}

	/* An empty file is no image: refused when it is read for the check
	 * (pivot_store_image() at boot). */
	empty = memfd_create("empty", MFD_CLOEXEC);
	assert_true(empty >= 0);
	capture_start();
	r = cfs_image_open_fd(empty, "IMAGE", &none);
	log = capture_end();
	assert_int_equal(r, -EUCLEAN);
	assert_null(none);
	close(empty);
	close(image);
	close(objects);
}

/* gc's question of a sorted set, for every size from empty to whole: each
 * path it holds is found wherever it stands; those before, between and
 * after them, prefixes and extensions of them, are not. */
static void test_has_path(void **state)
{
	static const char paths[] = "0a/b\0" "0a/bc\0" "1f/00\0" "ee/01\0" "ee/02";
	static const char *const absent[] = {
		"", "0a", "0a/a", "0a/bb", "0a/bd", "1f/0", "1f/000", "ee/00", "ee/03", "ff/00",
	};
	struct cfs_object v[6] = { { .path = SIZE_MAX } };  /* no redirect: sorts first */
	struct cfs_objects set = { .v = v, .n = 1, .paths = (char *)paths };
	size_t all;

	(void)state;
	for (size_t off = 0; off < sizeof(paths); off += strlen(paths + off) + 1)
		v[set.n++] = (struct cfs_object){ .path = off, .path_len = strlen(paths + off) };
	all = set.n;
	assert_int_equal(all, 6);
	for (set.n = 0; set.n <= all; set.n++) {
		for (size_t i = 1; i < all; i++)
			assert_int_equal(cfs_objects_has_path(&set, paths + v[i].path), i < set.n);
		for (size_t i = 0; i < sizeof(absent) / sizeof(*absent); i++)
			assert_false(cfs_objects_has_path(&set, absent[i]));
	}
}

/* fsck's use of the set: two images sharing every object keep each object
 * once, verdicts are recorded without a line logged, and an image with a
 * reference nothing can check leaves nothing of itself in the set. */
static void test_set(void **state)
{
	struct scan_options scan = { .threads = 1, .alg = CFS_HASH_SHA256 };
	struct writer_options wo = { .min_version = 0, .max_version = 1 };
	int image = open_rel("image", O_RDONLY), objects = open_rel("store/objects", O_PATH);
	struct cfs_image_file *img = NULL, *bad = NULL;
	struct cfs_objects set = {};
	struct cfs_node *root = NULL;
	struct writer_image built;
	const char *log;
	char p[512];

	(void)state;
	need_root();
	assert_int_equal(cfs_image_open_fd(image, "A", &img), 0);
	assert_int_equal(cfs_objects_add_image(&set, img, "A"), 0);
	assert_int_equal(cfs_objects_add_image(&set, img, "B"), 0);
	assert_int_equal(set.files, 6);
	cfs_objects_sort(&set);
	assert_int_equal(set.n, 2);
	capture_start();
	for (size_t i = 0, j; i < set.n; i = j) {
		j = cfs_objects_group_end(&set, i);
		assert_int_equal(j, i + 1);
		assert_int_equal(cfs_objects_check_group(&set, i, j, objects, NULL, 0), 0);
		assert_true(set.v[i].checked);
		assert_string_equal(set.v[i].image, "A");
	}
	log = capture_end();
	assert_int_equal(count_lines(log), 0);

	/* The metacopy of src/same-b, after two good references, without its
	 * digest. */
	path_of(p, sizeof(p), "src");
	assert_int_equal(scan_tree(p, &scan, &root), 0);
	for (size_t i = 0; i < root->n_children; i++)
		if (strcmp(root->children[i]->name, "same-b") == 0)
			root->children[i]->has_digest = false;
	assert_int_equal(writer_build(root, &wo, &built), 0);
	assert_int_equal(cfs_image_open_buf(built.data, built.size, "BAD", &bad), 0);
	capture_start();
	assert_int_equal(cfs_objects_add_image(&set, bad, "BAD"), -ENODATA);
	log = capture_end();
	assert_int_equal(count_lines(log), 1);
	assert_contains(log, "BAD: nid ");
	assert_contains(log, "records no digest for its object");
	assert_int_equal(set.n, 2);
	assert_int_equal(set.files, 6);

	cfs_image_close(bad);
	writer_image_free(&built);
	cfs_node_free(root);
	cfs_objects_free(&set);
	cfs_image_close(img);
	close(image);
	close(objects);
}

/* A tree of small objects and two split ones (CFS_VERITY_SPLIT_MIN and
 * more), stored; its image is opened into *img. */
static void build_many(const char *name, struct cfs_image_file **img, struct writer_image *built)
{
	struct scan_options scan = { .threads = 2, .alg = CFS_HASH_SHA256 };
	struct writer_options wo = { .min_version = 0, .max_version = 1 };
	struct cfs_node *root = NULL;
	struct store store;
	char p[512], rel[300], line[64];

	snprintf(rel, sizeof(rel), "%s", name);
	path_of(p, sizeof(p), rel);
	assert_int_equal(mkdir(p, 0755), 0);
	for (int i = 0; i < 40; i++) {
		snprintf(rel, sizeof(rel), "%s/small-%02d", name, i);
		snprintf(line, sizeof(line), "small object %d, long enough to be stored. ", i);
		put(rel, line, (size_t)i + 2);
	}
	for (int i = 0; i < 2; i++) {
		snprintf(rel, sizeof(rel), "%s/large-%d", name, i);
		snprintf(line, sizeof(line), "large object %d: 32 bytes a line\n", i);
		put(rel, line, (size_t)(CFS_VERITY_SPLIT_MIN / 32) + 1000 * (size_t)i + 3);
	}
	assert_int_equal(scan_tree(p, &scan, &root), 0);
	assert_int_equal(writer_build(root, &wo, built), 0);
	path_of(p, sizeof(p), "store");
	assert_int_equal(store_open(&store, p, CFS_HASH_SHA256, 2), 0);
	assert_int_equal(store_add_objects(&store, root), 0);
	store_close(&store);
	cfs_node_free(root);
	assert_int_equal(cfs_image_open_buf(built->data, built->size, "MANY", img), 0);
}

/* Changes the last byte of the object of entry i of the set. */
static void damage(const struct cfs_objects *set, size_t i)
{
	char rel[300];
	uint8_t byte;
	struct stat st;
	int fd;

	snprintf(rel, sizeof(rel), "store/objects/%s", cfs_object_path(set, &set->v[i]));
	fd = open_rel(rel, O_RDWR);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(pread(fd, &byte, 1, st.st_size - 1), 1);
	byte ^= 1;
	assert_int_equal(pwrite(fd, &byte, 1, st.st_size - 1), 1);
	close(fd);
}

static void test_check_all_threads(void **state)
{
	int objects = open_rel("store/objects", O_PATH);
	struct cfs_image_file *img = NULL;
	struct writer_image built;
	struct cfs_objects sets[3] = {};
	static const unsigned threads[] = { 1, 2, 3 };
	size_t large = SIZE_MAX, small = SIZE_MAX;
	const char *log;
	int r;

	(void)state;
	need_root();
	build_many("many", &img, &built);
	for (size_t t = 0; t < 3; t++) {
		assert_int_equal(cfs_objects_add_image(&sets[t], img, "MANY"), 0);
		cfs_objects_sort(&sets[t]);
	}
	assert_int_equal(sets[0].n, 42);
	/* A large object and a small one after it in the set's order. */
	for (size_t i = 0; i < sets[0].n; i++) {
		char rel[300];
		struct stat st;

		snprintf(rel, sizeof(rel), "%s/store/objects/%s", dir, cfs_object_path(&sets[0], &sets[0].v[i]));
		assert_int_equal(stat(rel, &st), 0);
		if (st.st_size >= CFS_VERITY_SPLIT_MIN && large == SIZE_MAX)
			large = i;
		else if (st.st_size < CFS_VERITY_SPLIT_MIN && large != SIZE_MAX && small == SIZE_MAX)
			small = i;
	}
	assert_true(large != SIZE_MAX && small != SIZE_MAX);
	damage(&sets[0], large);
	damage(&sets[0], small);

	for (size_t t = 0; t < 3; t++) {
		capture_start();
		r = cfs_objects_check_all(&sets[t], objects, NULL, 0, threads[t]);
		log = capture_end();
		assert_int_equal(r, -EBADMSG);
		assert_int_equal(count_lines(log), 0);
		for (size_t i = 0; i < sets[t].n; i++) {
			assert_true(sets[t].v[i].checked);
			assert_int_equal(sets[t].v[i].err, i == large || i == small ? -EBADMSG : 0);
		}
		cfs_objects_free(&sets[t]);
	}

	/* The boot's use: one line, naming the first refused object in order. */
	assert_int_equal(cfs_objects_add_image(&sets[0], img, "MANY"), 0);
	cfs_objects_sort(&sets[0]);
	capture_start();
	r = cfs_objects_check_all(&sets[0], objects, "OBJECTS", CFS_OBJECTS_LOG | CFS_OBJECTS_STOP, 2);
	log = capture_end();
	assert_int_equal(r, -EBADMSG);
	assert_int_equal(count_lines(log), 1);
	assert_contains(log, cfs_object_path(&sets[0], &sets[0].v[MIN(large, small)]));
	cfs_objects_free(&sets[0]);
	assert_int_equal(cfs_objects_add_image(&sets[0], img, "MANY"), 0);
	cfs_objects_sort(&sets[0]);
	damage(&sets[0], large);
	damage(&sets[0], small);
	assert_int_equal(cfs_objects_check_all(&sets[0], objects, "OBJECTS", CFS_OBJECTS_LOG, 2), 0);

	cfs_objects_free(&sets[0]);
	cfs_image_close(img);
	writer_image_free(&built);
	close(objects);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_store),
		cmocka_unit_test(test_changed_object),
		cmocka_unit_test(test_exposed_object),
		cmocka_unit_test(test_corrupt_image),
		cmocka_unit_test(test_spot_check),
		cmocka_unit_test(test_has_path),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_check_all_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
