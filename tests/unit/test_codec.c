// SPDX-License-Identifier: MIT
/* The rules the image reader and writer share (lib/image/codec.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "lib/image/codec.h"
#include "lib/image/format.h"

static void test_file_types(void **state)
{
	(void)state;
	assert_int_equal(cfs_file_type(S_IFREG | 0644), EROFS_FT_REG_FILE);
	assert_int_equal(cfs_file_type(S_IFDIR | 0755), EROFS_FT_DIR);
	assert_int_equal(cfs_file_type(S_IFCHR), EROFS_FT_CHRDEV);
	assert_int_equal(cfs_file_type(S_IFBLK), EROFS_FT_BLKDEV);
	assert_int_equal(cfs_file_type(S_IFIFO), EROFS_FT_FIFO);
	assert_int_equal(cfs_file_type(S_IFSOCK), EROFS_FT_SOCK);
	assert_int_equal(cfs_file_type(S_IFLNK | 0777), EROFS_FT_SYMLINK);
	assert_int_equal(cfs_file_type(0), EROFS_FT_UNKNOWN);
	assert_int_equal(cfs_file_type(0170000), EROFS_FT_UNKNOWN);
}

/* What the writer stores, the reader turns back into the same name. */
static void assert_round_trip(const char *key, uint8_t want_index, size_t want_suffix)
{
	size_t suffix_len;
	uint8_t index = cfs_xattr_index_of(key, strlen(key), &suffix_len);
	char back[512];

	assert_int_equal(index, want_index);
	assert_int_equal(suffix_len, want_suffix);
	snprintf(back, sizeof(back), "%s%s", cfs_xattr_prefix(index), key + strlen(key) - suffix_len);
	assert_string_equal(back, key);
}

static void test_xattr_prefixes(void **state)
{
	(void)state;
	assert_round_trip("user.a", EROFS_XATTR_INDEX_USER, 1);
	assert_round_trip("trusted.overlay.redirect", EROFS_XATTR_INDEX_TRUSTED, 16);
	assert_round_trip("security.selinux", EROFS_XATTR_INDEX_SECURITY, 7);
	assert_round_trip("system.posix_acl_access", EROFS_XATTR_INDEX_POSIX_ACL_ACCESS, 0);
	assert_round_trip("system.posix_acl_default", EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT, 0);
	assert_round_trip("user.", EROFS_XATTR_INDEX_USER, 0);
	/* No prefix: the whole name under index 0. */
	assert_round_trip("system.other", EROFS_XATTR_INDEX_NONE, 12);
	assert_round_trip("use", EROFS_XATTR_INDEX_NONE, 3);
	/* lustre. is read (index 5) but never written. */
	assert_round_trip("lustre.lov", EROFS_XATTR_INDEX_NONE, 10);
	assert_string_equal(cfs_xattr_prefix(5), "lustre.");
	assert_string_equal(cfs_xattr_prefix(EROFS_XATTR_INDEX_NONE), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_types),
		cmocka_unit_test(test_xattr_prefixes),
	};
	return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
