// SPDX-License-Identifier: MIT
/*
 * Who else could change a store file after the boot checked it: the rule
 * as a pure function of struct stat (lib/store/exposure.h), its one line
 * on a real file, and the image's sealed copy under verity = boot-check
 * (pivot/verify/verity.h): the digest is the copy's, the copy cannot be
 * written, grown or unsealed, and rewriting the file leaves it as it was.
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
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"
#include "scratch.h"
#include "lib/store/exposure.h"
#include "lib/verity/fsverity.h"
#include "pivot/verify/verity.h"

static struct stat st_of(mode_t mode, uid_t uid, nlink_t nlink)
{
	struct stat st = { .st_mode = mode, .st_uid = uid, .st_nlink = nlink };

	return st;
}

static void test_rule(void **state)
{
	char why[CFS_EXPOSED_MAX];
	struct stat st;

	(void)state;
	st = st_of(S_IFREG | 0644, 0, 1);
	assert_int_equal(cfs_store_exposed(&st, why), 0);
	st = st_of(S_IFREG | 04755, 0, 1);      /* setuid root: what images hold */
	assert_int_equal(cfs_store_exposed(&st, why), 0);
	st = st_of(S_IFREG | 0644, 0, 2);
	assert_int_equal(cfs_store_exposed(&st, why), -EPERM);
	assert_string_equal(why, "has 2 hard links");
	st = st_of(S_IFREG | 0644, 1000, 1);
	assert_int_equal(cfs_store_exposed(&st, why), -EPERM);
	assert_string_equal(why, "is owned by uid 1000, not root");
	st = st_of(S_IFREG | 0664, 0, 1);
	assert_int_equal(cfs_store_exposed(&st, why), -EPERM);
	assert_string_equal(why, "is writable by its group or others (mode 0664)");
	st = st_of(S_IFREG | 0646, 0, 1);
	assert_int_equal(cfs_store_exposed(&st, why), -EPERM);
	assert_string_equal(why, "is writable by its group or others (mode 0646)");
	/* The first rule broken is named. */
	st = st_of(S_IFREG | 0666, 1000, 3);
	assert_int_equal(cfs_store_exposed(&st, why), -EPERM);
	assert_string_equal(why, "has 3 hard links");
	/* A directory's link count is its subdirectories: not a rule. */
	st = st_of(S_IFDIR | 0755, 0, 40);
	assert_int_equal(cfs_store_exposed(&st, why), 0);
	st = st_of(S_IFDIR | 01777, 0, 2);
	assert_int_equal(cfs_store_exposed(&st, why), -EPERM);
	assert_string_equal(why, "is writable by its group or others (mode 1777)");
}


static void path_of(char *out, size_t size, const char *rel)
{
	snprintf(out, size, "%s/%s", dir, rel);
}

static int setup(void **state)
{
	(void)state;
	return scratch_make("exposure");
}

/* A file of size bytes of c, opened for reading; its path in p. */
static int make_file(const char *rel, char c, size_t size, char *p, size_t psize)
{
	char buf[4096];
	int fd;

	path_of(p, psize, rel);
	memset(buf, c, sizeof(buf));
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	for (size_t done = 0; done < size; done += sizeof(buf))
		assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	close(fd);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static void test_refuse_line(void **state)
{
	char p[512], link_p[520];
	const char *log;
	int fd, r;

	(void)state;
	fd = make_file("file", 'a', 4096, p, sizeof(p));
	if (geteuid() != 0) {
		/* The file is this user's: refused for its owner. */
		capture_start();
		assert_int_equal(cfs_store_refuse_exposed(fd, "the image", "NAME"), -EPERM);
		capture_end();
		close(fd);
		skip();
	}
	assert_int_equal(cfs_store_refuse_exposed(fd, "the image", "NAME"), 0);
	snprintf(link_p, sizeof(link_p), "%s.link", p);
	assert_int_equal(link(p, link_p), 0);
	capture_start();
	r = cfs_store_refuse_exposed(fd, "the image", "NAME");
	log = capture_end();
	assert_int_equal(r, -EPERM);
	assert_int_equal(count_lines(log), 1);
	assert_contains(log, "refusing the image NAME: it has 2 hard links, so someone other than "
			"root could change it after the boot checked it");
	close(fd);
	unlink(link_p);
}

static void test_sealed_copy(void **state)
{
	struct pivot_digest want = { .alg = CFS_HASH_SHA256 }, other = { .alg = CFS_HASH_SHA256 };
	enum pivot_image_check how;
	char p[512], q[520], proc[64], byte;
	int fd, orig, writer, seals;
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();         /* the image must be root's */
	fd = make_file("image", 'g', 3 * 4096, p, sizeof(p));
	assert_int_equal(cfs_verity_digest_fd(CFS_HASH_SHA256, fd, 1, want.bytes), 0);
	close(make_file("other", 'e', 3 * 4096, q, sizeof(q)));
	orig = fd;
	assert_int_equal(pivot_check_image(&fd, "IMAGE", &want, PIVOT_IMAGE_SEALED, &how), 0);
	assert_int_equal(how, PIVOT_IMAGE_COMPUTED);
	assert_int_not_equal(fd, -1);
	/* The file's fd was closed; the new one is a memfd, sealed for good. */
	assert_int_equal(fcntl(orig, F_GETFD), -1);
	seals = fcntl(fd, F_GET_SEALS);
	assert_true(seals >= 0);
	assert_int_equal(seals & (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
			 F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 3 * 4096);
	/* Writes through another open of it fail; so do shrinking and unsealing. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	writer = open(proc, O_RDWR | O_CLOEXEC);
	assert_true(writer >= 0);
	assert_int_equal(pwrite(writer, "x", 1, 0), -1);
	assert_int_equal(errno, EPERM);
	close(writer);
	assert_int_equal(ftruncate(fd, 0), -1);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, 0), -1);

	/* Rewriting the file (same inode) leaves the copy as checked. */
	writer = open(p, O_WRONLY | O_CLOEXEC);
	assert_true(writer >= 0);
	assert_int_equal(pwrite(writer, "e", 1, 4096), 1);
	close(writer);
	assert_int_equal(pread(fd, &byte, 1, 4096), 1);
	assert_int_equal(byte, 'g');
	close(fd);

	/* The digest compared is the copy's: another content is refused. */
	fd = open(q, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	capture_start();
	assert_int_equal(pivot_check_image(&fd, "IMAGE", &want, PIVOT_IMAGE_SEALED, &how), -EBADMSG);
	assert_contains(capture_end(), "refusing the image IMAGE: its fs-verity digest is sha256:");
	close(fd);

	/* insecure-dev computes on the file and keeps its fd. */
	fd = make_file("dev", 'd', 4096, q, sizeof(q));
	assert_int_equal(cfs_verity_digest_fd(CFS_HASH_SHA256, fd, 1, other.bytes), 0);
	orig = fd;
	assert_int_equal(pivot_check_image(&fd, "IMAGE", &other, PIVOT_IMAGE_AS_IS, &how), 0);
	assert_int_equal(fd, orig);
	assert_int_equal(fcntl(fd, F_GET_SEALS), -1);
	close(fd);

	/* A hard-linked image is refused before anything is copied. */
	snprintf(q, sizeof(q), "%s.link", p);
	assert_int_equal(link(p, q), 0);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	orig = fd;
	capture_start();
	assert_int_equal(pivot_check_image(&fd, "IMAGE", &want, PIVOT_IMAGE_SEALED, &how), -EPERM);
	assert_contains(capture_end(), "refusing the image IMAGE: it has 2 hard links");
	assert_int_equal(fd, orig);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_refuse_line),
		cmocka_unit_test(test_sealed_copy),
	};

	return cmocka_run_group_tests(tests, setup, scratch_teardown);
}
