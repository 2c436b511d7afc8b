// SPDX-License-Identifier: MIT
/*
 * Paths on the physical root: opened beneath a directory, refusing every
 * link and mount point, by openat2() and by the walk used without it; both
 * must give the same answer for every case.
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
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/store/beneath.h"
#include "scratch.h"

static int dir_fd = -1;

static void put(const char *path, const char *content)
{
	char p[sizeof(dir) + 64];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, path);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void sub(const char *kind, const char *path, const char *target)
{
	char p[sizeof(dir) + 64];

	snprintf(p, sizeof(p), "%s/%s", dir, path);
	if (strcmp(kind, "dir") == 0)
		assert_int_equal(mkdir(p, 0755), 0);
	else
		assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	(void)state;
	assert_int_equal(scratch_make("beneath"), 0);
	sub("dir", "a", NULL);
	sub("dir", "a/b", NULL);
	put("a/b/file", "content\n");
	sub("link", "a/dirlink", "b");
	sub("link", "a/filelink", "b/file");
	sub("link", "abs", "/etc");
	sub("link", "up", "..");
	dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dir_fd >= 0);
	return 0;
}

static int teardown(void **state)
{
	close(dir_fd);
	return scratch_teardown(state);
}

/* What one way (0 openat2, 1 the walk) gave for path, fd, against want:
 * a type (S_IFREG, S_IFDIR, S_IFLNK) or a negative errno. */
static void check(const char *path, size_t way, int fd, int want)
{
	const char *how = way ? "walk" : "openat2";
	struct stat st;

	if (want < 0) {
		if (fd != want)
			fail_msg("%s (%s): got %d, expected %d", path, how, fd, want);
		return;
	}
	if (fd < 0)
		fail_msg("%s (%s): got %d, expected a file", path, how, fd);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & S_IFMT, want);
	close(fd);
}

/* Both ways give want. */
static void expect(int base, const char *path, bool want_dir, int want)
{
	int (*const open_fn[])(int, const char *, bool) = { cfs_open_beneath,
							      cfs_open_beneath_walk };

	for (size_t i = 0; i < 2; i++)
		check(path, i, open_fn[i](base, path, want_dir), want);
}

static void test_found(void **state)
{
	(void)state;
	expect(dir_fd, "a/b/file", false, S_IFREG);
	expect(dir_fd, "a/b", true, S_IFDIR);
	expect(dir_fd, "a", false, S_IFDIR);
}

static void test_links_refused(void **state)
{
	(void)state;
	expect(dir_fd, "a/dirlink/file", false, -ELOOP);   /* through a link */
	expect(dir_fd, "a/filelink", false, -ELOOP);       /* the last component */
	expect(dir_fd, "a/dirlink", true, -ELOOP);
	expect(dir_fd, "abs", true, -ELOOP);               /* out of the tree */
	expect(dir_fd, "up/x", false, -ELOOP);
}

/* cfs_open_beneath_link: the last component may be a link, and the fd is
 * of the link; links before it are refused as ever.  Both ways again. */
static void expect_link(const char *path, int want)
{
	int (*const open_fn[])(int, const char *) = { cfs_open_beneath_link,
						      cfs_open_beneath_link_walk };

	for (size_t i = 0; i < 2; i++)
		check(path, i, open_fn[i](dir_fd, path), want);
}

static void test_last_link_opened(void **state)
{
	(void)state;
	expect_link("a/filelink", S_IFLNK);
	expect_link("a/dirlink", S_IFLNK);
	expect_link("abs", S_IFLNK);
	expect_link("a/b/file", S_IFREG);
	expect_link("a/dirlink/file", -ELOOP);
	expect_link("up/x", -ELOOP);
	expect_link("a/missing", -ENOENT);
	expect_link("../x", -EINVAL);
}

static void test_missing_and_wrong_type(void **state)
{
	(void)state;
	expect(dir_fd, "a/missing", false, -ENOENT);
	expect(dir_fd, "a/b/file/x", false, -ENOTDIR);
	expect(dir_fd, "a/b/file", true, -ENOTDIR);
}

/* /proc is a mount of its own beneath "/". */
static void test_mount_point_refused(void **state)
{
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	(void)state;
	assert_true(root >= 0);
	expect(root, "proc", true, -EXDEV);
	expect(root, "proc/self", false, -EXDEV);
	close(root);
}

/* The followed open: want as in expect(), openat2() only (the walk follows
 * nothing, checked last). */
static void expect_follow(const char *path, bool want_dir, int want)
{
	int fd = cfs_open_beneath_follow(dir_fd, path, want_dir);
	struct stat st;

	if (want < 0) {
		if (fd != want)
			fail_msg("%s: got %d, expected %d", path, fd, want);
		return;
	}
	if (fd < 0)
		fail_msg("%s: got %d, expected a file", path, fd);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & S_IFMT, want);
	close(fd);
}

static void test_follow(void **state)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC };
	long probe;

	(void)state;
	/* Without openat2() (valgrind has none) no link is followed. */
	probe = syscall(SYS_openat2, dir_fd, "a", &how, sizeof(how));
	if (probe >= 0)
		close((int)probe);
	else if (errno == ENOSYS) {
		expect_follow("a/dirlink", true, -ELOOP);
		expect_follow("a/b/file", false, S_IFREG);
		return;
	}
	sub("link", "a/loop1", "loop2");
	sub("link", "a/loop2", "loop1");
	sub("link", "a/out", "../../x");
	sub("link", "a/back", "../a/b");       /* up and down again, inside */
	sub("link", "a/proc", "/proc/self/root");
	expect_follow("a/dirlink", true, S_IFDIR);
	expect_follow("a/dirlink/file", false, S_IFREG);
	expect_follow("a/filelink", false, S_IFREG);
	expect_follow("a/back/file", false, S_IFREG);
	expect_follow("a/filelink", true, -ENOTDIR);
	expect_follow("abs", true, -EXDEV);     /* absolute: leaves the directory */
	expect_follow("up", true, -EXDEV);      /* ".." above it */
	expect_follow("a/out", true, -EXDEV);
	expect_follow("a/proc", true, -EXDEV);
	expect_follow("a/loop1", true, -ELOOP);
	expect_follow("a/../a", true, -EINVAL);
	/* The walk, which cfs_open_beneath_follow() falls back to, follows none. */
	assert_int_equal(cfs_open_beneath_walk(dir_fd, "a/dirlink", true), -ELOOP);
}

static void test_not_normal(void **state)
{
	static const char *const bad[] = {
		"", "/", "/etc", "..", "../x", "a/../a", "a//b", "a/", "./a", "a/.", "a/./b",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(cfs_path_is_normal(bad[i]));
		expect(dir_fd, bad[i], false, -EINVAL);
	}
	assert_true(cfs_path_is_normal("a"));
	assert_true(cfs_path_is_normal("a/b/c"));
	assert_true(cfs_path_is_normal("...")); /* a name, not a step */
	assert_true(cfs_path_is_normal(".a/b.."));
}

static void test_mkdir(void **state)
{
	bool created;
	struct stat st;
	int fd;

	(void)state;
	fd = cfs_mkdir_beneath(dir_fd, "new", 0700, &created);
	assert_true(fd >= 0);
	assert_true(created);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700 & ~umask(022));
	close(fd);

	fd = cfs_mkdir_beneath(dir_fd, "new", 0700, &created);
	assert_true(fd >= 0);
	assert_false(created);
	close(fd);

	assert_int_equal(cfs_mkdir_beneath(dir_fd, "abs", 0755, &created), -ELOOP);
	assert_false(created);
	assert_int_equal(cfs_mkdir_beneath(dir_fd, "a/c", 0755, &created), -EINVAL);
}

static void test_reopen(void **state)
{
	char buf[32] = "";
	int path_fd, fd;

	(void)state;
	path_fd = cfs_open_beneath(dir_fd, "a/b/file", false);
	assert_true(path_fd >= 0);
	/* O_PATH: no reading until reopened. */
	assert_int_equal(read(path_fd, buf, sizeof(buf)), -1);
	fd = cfs_reopen_read(path_fd);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 8);
	assert_string_equal(buf, "content\n");
	close(fd);
	close(path_fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found),
		cmocka_unit_test(test_links_refused),
		cmocka_unit_test(test_last_link_opened),
		cmocka_unit_test(test_missing_and_wrong_type),
		cmocka_unit_test(test_mount_point_refused),
		cmocka_unit_test(test_follow),
		cmocka_unit_test(test_not_normal),
		cmocka_unit_test(test_mkdir),
		cmocka_unit_test(test_reopen),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
