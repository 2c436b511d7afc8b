// SPDX-License-Identifier: MIT
/* PID-1 mode's pure parts: what root= names and the modules list. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "pivot/pid1/modlist.h"
#include "pivot/pid1/rootspec.h"
#include "capture.h"

static void assert_spec(const char *word, enum pid1_root_kind kind, const char *value)
{
	struct pid1_rootspec s;

	assert_int_equal(pid1_rootspec_parse(word, &s), 0);
	assert_int_equal(s.kind, kind);
	assert_string_equal(s.value, value);
	assert_ptr_equal(s.word, word);
}

static void test_rootspec_forms(void **state)
{
	(void)state;
	assert_spec("/dev/vda2", PID1_ROOT_PATH, "/dev/vda2");
	assert_spec("/dev/mapper/root", PID1_ROOT_PATH, "/dev/mapper/root");
	assert_spec("UUID=2b4c-11", PID1_ROOT_UUID, "2b4c-11");
	assert_spec("LABEL=root fs", PID1_ROOT_LABEL, "root fs");
	assert_spec("LABEL==x", PID1_ROOT_LABEL, "=x");
	assert_spec("PARTUUID=0a1b2c3d-02", PID1_ROOT_PARTUUID, "0a1b2c3d-02");
	assert_spec("PARTLABEL=system-a", PID1_ROOT_PARTLABEL, "system-a");
}

/* Each refusal is one line quoting the word. */
static void assert_refused(const char *word, const char *says)
{
	struct pid1_rootspec s;
	const char *log;
	int r;

	capture_start();
	r = pid1_rootspec_parse(word, &s);
	log = capture_end();
	assert_int_equal(r, -EINVAL);
	assert_int_equal(count_lines(log), 1);
	assert_contains(log, says);
}

static void test_rootspec_refused(void **state)
{
	(void)state;
	assert_refused(NULL, "root= is empty");
	assert_refused("", "root= is empty");
	assert_refused("/dev/", "not a form");
	assert_refused("/dev/disk/by-uuid/2b4c-11", "no udev makes /dev/disk links");
	assert_refused("vda2", "root=vda2 is not a form");
	assert_refused("fd00", "root=fd00 is not a form");
	assert_refused("253:0", "root=253:0 is not a form");
	assert_refused("uuid=abc", "root=uuid=abc is not a form");   /* tags are upper case */
	assert_refused("UUID=", "root=UUID= names nothing");
	assert_refused("PARTLABEL=", "root=PARTLABEL= names nothing");
	assert_refused("PARTUUID=0a1b2c3d-02/PARTNROFF=1", "PARTNROFF= is not supported");
}

static void test_rootspec_match(void **state)
{
	struct pid1_rootspec s;

	(void)state;
	assert_int_equal(pid1_rootspec_parse("UUID=ABCD-1234", &s), 0);
	assert_true(pid1_rootspec_match(&s, "abcd-1234", NULL, NULL, NULL));
	assert_true(pid1_rootspec_match(&s, "ABCD-1234", "x", NULL, NULL));
	assert_false(pid1_rootspec_match(&s, "abcd-12345", NULL, NULL, NULL));
	assert_false(pid1_rootspec_match(&s, NULL, "ABCD-1234", "ABCD-1234", "ABCD-1234"));

	assert_int_equal(pid1_rootspec_parse("LABEL=Root", &s), 0);
	assert_true(pid1_rootspec_match(&s, NULL, "Root", NULL, NULL));
	assert_false(pid1_rootspec_match(&s, NULL, "root", NULL, NULL));
	assert_false(pid1_rootspec_match(&s, "Root", NULL, NULL, "Root"));

	assert_int_equal(pid1_rootspec_parse("PARTUUID=6F1C9E2A-77", &s), 0);
	assert_true(pid1_rootspec_match(&s, NULL, NULL, "6f1c9e2a-77", NULL));
	assert_false(pid1_rootspec_match(&s, "6f1c9e2a-77", NULL, NULL, NULL));

	assert_int_equal(pid1_rootspec_parse("PARTLABEL=system-a", &s), 0);
	assert_true(pid1_rootspec_match(&s, NULL, NULL, NULL, "system-a"));
	assert_false(pid1_rootspec_match(&s, NULL, NULL, NULL, "SYSTEM-A"));
	assert_false(pid1_rootspec_match(&s, NULL, "system-a", NULL, NULL));

	/* A path is found by its node, never by probing. */
	assert_int_equal(pid1_rootspec_parse("/dev/vda2", &s), 0);
	assert_false(pid1_rootspec_match(&s, "/dev/vda2", "/dev/vda2", "/dev/vda2", "/dev/vda2"));
}

static int modlist(struct pid1_modlist *l, const char *text)
{
	return pid1_modlist_parse(l, "modules", text, strlen(text));
}

static void test_modlist(void **state)
{
	struct pid1_modlist l;

	(void)state;
	assert_int_equal(modlist(&l, "virtio_blk\n  ext4 \t\n\n# storage\nfs-erofs\r\noverlay"), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.names[0], "virtio_blk");
	assert_string_equal(l.names[1], "ext4");
	assert_string_equal(l.names[2], "fs-erofs");
	assert_string_equal(l.names[3], "overlay");
	pid1_modlist_done(&l);
	assert_null(l.names);

	assert_int_equal(modlist(&l, ""), 0);
	assert_int_equal(l.n, 0);
	pid1_modlist_done(&l);
	assert_int_equal(modlist(&l, "# nothing\n\n   \n"), 0);
	assert_int_equal(l.n, 0);
	pid1_modlist_done(&l);

	/* 55 characters are the kernel's most. */
	assert_int_equal(modlist(&l, "a234567890123456789012345678901234567890123456789012345\n"), 0);
	assert_int_equal(l.n, 1);
	pid1_modlist_done(&l);
}

static void assert_list_refused(const char *text, size_t len, const char *says)
{
	struct pid1_modlist l;
	const char *log;
	int r;

	capture_start();
	r = pid1_modlist_parse(&l, "modules", text, len);
	log = capture_end();
	pid1_modlist_done(&l);
	assert_int_equal(r, -EINVAL);
	assert_int_equal(count_lines(log), 1);
	assert_contains(log, says);
}

static void test_modlist_refused(void **state)
{
	(void)state;
	assert_list_refused("ext4\nvirtio_blk max_segments=8\n", 31,
			    "modules:2: 'virtio_blk max_segments=8' is not a module name");
	assert_list_refused("ext4 # root\n", 12, "modules:1: 'ext4 # root'");
	assert_list_refused("\n\n../../evil\n", 13, "modules:3: '../../evil'");
	assert_list_refused("pci:v00008086d*\n", 16, "modules:1:");
	assert_list_refused("ext4\0x\n", 7, "modules:1:");
	assert_list_refused("a2345678901234567890123456789012345678901234567890123456", 56,
			    "longer than the kernel's 55 characters");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rootspec_forms),
		cmocka_unit_test(test_rootspec_refused),
		cmocka_unit_test(test_rootspec_match),
		cmocka_unit_test(test_modlist),
		cmocka_unit_test(test_modlist_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
