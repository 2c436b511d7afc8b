// SPDX-License-Identifier: MIT
/*
 * An image's signature in the store (lib/store/store_sig.h): found in
 * signatures/ first and in the legacy images/ only when signatures/ has
 * none, refused (not looked up elsewhere) when what is in signatures/ is a
 * link or no regular file; and the migration from images/ to signatures/,
 * which leaves images/ holding only images.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/store/store_sig.h"
#include "capture.h"
#include "scratch.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HEX_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define HEX_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
#define HEX_E "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"

/* A fresh store directory under dir, its fd in *fd. */
static void fresh_store(const char *name, char *path, size_t size, int *fd)
{
	snprintf(path, size, "%s/%s", dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
	*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(*fd >= 0);
}

static void put(int store_fd, const char *rel, const char *content)
{
	int fd = openat(store_fd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

/* The content of an open fd, at most 63 bytes. */
static const char *content_of(int fd)
{
	static char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

static const char *content_at(int store_fd, const char *rel)
{
	int fd = openat(store_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	assert_true(fd >= 0);
	return content_of(fd);
}

/* The names of a directory of the store, sorted, joined with " ". */
static const char *names_of(int store_fd, const char *rel)
{
	static char out[1024];
	char *names[16];
	size_t n = 0;
	struct dirent *e;
	DIR *d = fdopendir(openat(store_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC));

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];

				names[i] = names[j];
				names[j] = t;
			}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strcat(out, i ? " " : "");
		strcat(out, names[i]);
		free(names[i]);
	}
	return out;
}

/* A fresh store with images/ and subdir, and a file outside it whose path
 * goes to outside, for the links that must not reach it. */
static int store_and_outside(const char *name, const char *subdir, char *store, size_t size,
			     char *outside, size_t outside_size)
{
	int fd;

	fresh_store(name, store, size, &fd);
	assert_int_equal(mkdirat(fd, "images", 0755), 0);
	assert_int_equal(mkdirat(fd, subdir, 0755), 0);
	snprintf(outside, outside_size, "%s/outside.sig", dir);
	put(AT_FDCWD, outside, "outside");
	return fd;
}

static int setup(void **state)
{
	(void)state;
	umask(022);
	return scratch_make("store_sig");
}

static void test_lookup_order(void **state)
{
	char store[512], rel[CFS_STORE_SIGNATURE_REL_SIZE];
	int fd;

	(void)state;
	fresh_store("lookup", store, sizeof(store), &fd);
	assert_int_equal(mkdirat(fd, "images", 0755), 0);
	assert_int_equal(cfs_store_open_signature(fd, HEX_A, rel), -ENOENT);
	assert_string_equal(rel, "signatures/" HEX_A ".sig");

	/* Only the legacy one: read from images/. */
	put(fd, "images/" HEX_A ".sig", "legacy");
	assert_string_equal(content_of(cfs_store_open_signature(fd, HEX_A, rel)), "legacy");
	assert_string_equal(rel, "images/" HEX_A ".sig");

	/* Both: signatures/ wins. */
	assert_int_equal(mkdirat(fd, "signatures", 0755), 0);
	put(fd, "signatures/" HEX_A ".sig", "new");
	assert_string_equal(content_of(cfs_store_open_signature(fd, HEX_A, rel)), "new");
	assert_string_equal(rel, "signatures/" HEX_A ".sig");
	close(fd);
}

static void test_lookup_refusals(void **state)
{
	char store[512], rel[CFS_STORE_SIGNATURE_REL_SIZE], outside[600];
	int fd;

	(void)state;
	fd = store_and_outside("refusals", "signatures", store, sizeof(store), outside,
			       sizeof(outside));
	/* A valid-looking legacy one beside each: never the fallback. */
	put(fd, "images/" HEX_A ".sig", "legacy");
	put(fd, "images/" HEX_B ".sig", "legacy");
	put(fd, "images/" HEX_C ".sig", "legacy");

	assert_int_equal(symlinkat(outside, fd, "signatures/" HEX_A ".sig"), 0);
	assert_int_equal(cfs_store_open_signature(fd, HEX_A, rel), -ELOOP);
	assert_string_equal(rel, "signatures/" HEX_A ".sig");
	assert_int_equal(symlinkat("../images/" HEX_B ".sig", fd, "signatures/" HEX_B ".sig"), 0);
	assert_int_equal(cfs_store_open_signature(fd, HEX_B, rel), -ELOOP);
	assert_int_equal(mkdirat(fd, "signatures/" HEX_C ".sig", 0755), 0);
	assert_int_equal(cfs_store_open_signature(fd, HEX_C, rel), -EUCLEAN);
	assert_string_equal(rel, "signatures/" HEX_C ".sig");
	close(fd);

	/* signatures/ itself a link: refused, not followed. */
	fresh_store("refusals-dirlink", store, sizeof(store), &fd);
	assert_int_equal(mkdirat(fd, "images", 0755), 0);
	assert_int_equal(mkdirat(fd, "elsewhere", 0755), 0);
	put(fd, "elsewhere/" HEX_A ".sig", "elsewhere");
	put(fd, "images/" HEX_A ".sig", "legacy");
	assert_int_equal(symlinkat("elsewhere", fd, "signatures"), 0);
	assert_int_equal(cfs_store_open_signature(fd, HEX_A, rel), -ELOOP);
	close(fd);
}

static void test_migrate(void **state)
{
	char store[512], outside[600];
	const char *log;
	int fd;

	(void)state;
	fd = store_and_outside("migrate", "images/refs", store, sizeof(store), outside,
			       sizeof(outside));
	put(fd, "images/" HEX_A, "image a");
	put(fd, "images/" HEX_A ".sig", "sig a");           /* moved */
	put(fd, "images/" HEX_B ".sig", "sig b");           /* the same there: dropped */
	put(fd, "images/" HEX_C ".sig", "old sig c");       /* another there: dropped, said */
	assert_int_equal(symlinkat(outside, fd, "images/" HEX_D ".sig"), 0);  /* left, said */
	assert_int_equal(mkdirat(fd, "images/" HEX_E ".sig", 0755), 0);       /* left, said */
	put(fd, "images/notadigest.sig", "x");             /* not ours: left, silently */
	assert_int_equal(mkdirat(fd, "signatures", 0755), 0);
	put(fd, "signatures/" HEX_B ".sig", "sig b");
	put(fd, "signatures/" HEX_C ".sig", "new sig c");

	capture_start();
	assert_int_equal(cfs_store_migrate_signatures(fd, store), 3);
	log = capture_end();
	assert_int_equal(count_lines(log), 4);
	assert_contains(log, "moved 1 signatures from images/ to signatures/ and removed 2 old");
	assert_contains(log, "images/" HEX_C ".sig differs from");
	assert_contains(log, "images/" HEX_D ".sig is not a regular file");
	assert_contains(log, "images/" HEX_E ".sig is not a regular file");

	assert_string_equal(names_of(fd, "images"), HEX_A " " HEX_D ".sig " HEX_E ".sig "
			    "notadigest.sig refs");
	assert_string_equal(names_of(fd, "signatures"), HEX_A ".sig " HEX_B ".sig " HEX_C ".sig");
	assert_string_equal(content_at(fd, "signatures/" HEX_A ".sig"), "sig a");
	assert_string_equal(content_at(fd, "signatures/" HEX_B ".sig"), "sig b");
	assert_string_equal(content_at(fd, "signatures/" HEX_C ".sig"), "new sig c");
	assert_string_equal(content_at(AT_FDCWD, outside), "outside");

	/* Once done, nothing moves; what was left is named again. */
	capture_start();
	assert_int_equal(cfs_store_migrate_signatures(fd, store), 0);
	log = capture_end();
	assert_int_equal(count_lines(log), 2);
	assert_null(strstr(log, "signatures from images/"));
	close(fd);
}

static void test_migrate_makes_signatures(void **state)
{
	char store[512];
	struct stat st;
	int fd;

	(void)state;
	/* No images/ at all: nothing to do, nothing made. */
	fresh_store("empty", store, sizeof(store), &fd);
	assert_int_equal(cfs_store_migrate_signatures(fd, store), 0);
	assert_int_equal(fstatat(fd, "signatures", &st, 0), -1);
	close(fd);

	/* A store of an earlier cfsboot: signatures/ is made, 0755. */
	fresh_store("old", store, sizeof(store), &fd);
	assert_int_equal(mkdirat(fd, "images", 0755), 0);
	put(fd, "images/" HEX_A ".sig", "sig a");
	capture_start();
	assert_int_equal(cfs_store_migrate_signatures(fd, store), 1);
	capture_end();
	assert_int_equal(fstatat(fd, "signatures", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_string_equal(names_of(fd, "images"), "");
	close(fd);

	/* signatures/ a link: refused, nothing moved out of images/. */
	fresh_store("linked", store, sizeof(store), &fd);
	assert_int_equal(mkdirat(fd, "images", 0755), 0);
	assert_int_equal(mkdirat(fd, "elsewhere", 0755), 0);
	assert_int_equal(symlinkat("elsewhere", fd, "signatures"), 0);
	put(fd, "images/" HEX_A ".sig", "sig a");
	capture_start();
	assert_int_equal(cfs_store_migrate_signatures(fd, store), -ELOOP);
	assert_contains(capture_end(), "refusing the signatures directory");
	assert_string_equal(names_of(fd, "images"), HEX_A ".sig");
	assert_string_equal(names_of(fd, "elsewhere"), "");
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_order),
		cmocka_unit_test(test_lookup_refusals),
		cmocka_unit_test(test_migrate),
		cmocka_unit_test(test_migrate_makes_signatures),
	};

	return cmocka_run_group_tests(tests, setup, scratch_teardown);
}
