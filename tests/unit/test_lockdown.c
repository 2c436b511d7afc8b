// SPDX-License-Identifier: MIT
/* image = required: no image named, and the initramfs's bypass words. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "pivot/boot/cmdline.h"
#include "pivot/boot/errors.h"
#include "pivot/boot/lockdown.h"
#include "pivot/boot/policy.h"
#include "capture.h"

#define HEX_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void policy(struct pivot_policy *p, enum pivot_image image)
{
	pivot_policy_defaults(p);
	p->image = image;
}

/* The decision for a command line that names no image, in every mode. */
static void test_no_image(void **state)
{
	struct pivot_policy p;
	const char *log;

	(void)state;
	policy(&p, PIVOT_IMAGE_OPTIONAL);
	capture_start();
	assert_int_equal(pivot_lockdown_no_image(&p, false), 0);
	log = capture_end();
	assert_contains(log, "nothing to do, the physical root boots as it is");
	assert_null(strstr(log, "refus"));

	for (int pid1 = 0; pid1 <= 1; pid1++) {
		policy(&p, PIVOT_IMAGE_REQUIRED);
		capture_start();
		assert_int_equal(pivot_lockdown_no_image(&p, pid1), -EPERM);
		log = capture_end();
		assert_int_equal(count_lines(log), 1);
		assert_contains(log, "the kernel command line names no image (composefs.digest=), and "
			       "the policy requires one (image = required)");
		assert_contains(log, "(add composefs.digest=<digest> to the boot entry)");
	}

	/* As PID 1 there is no physical root to hand on to: refused anyway. */
	policy(&p, PIVOT_IMAGE_OPTIONAL);
	capture_start();
	assert_int_equal(pivot_lockdown_no_image(&p, true), -EPERM);
	log = capture_end();
	assert_int_equal(count_lines(log), 1);
	assert_contains(log, "and this initramfs boots nothing else");
}

/* pivot_lockdown_words() on text under policy image; returns what was
 * logged, and the result in *r. */
static const char *words(enum pivot_image image, const char *text, int *r)
{
	struct pivot_policy p;
	struct pivot_cmdline c;
	const char *log;

	policy(&p, image);
	capture_start();
	assert_true(pivot_cmdline_parse(&c, text) >= 0);
	*r = pivot_lockdown_words(&p, &c, text);
	log = capture_end();
	pivot_cmdline_done(&c);
	return log;
}

static void assert_allowed(const char *text)
{
	int r;
	const char *log = words(PIVOT_IMAGE_REQUIRED, text, &r);

	if (r != 0)
		fail_msg("\"%s\" was refused: %s", text, log);
	assert_string_equal(log, "");
}

/* text is refused under image = required, naming shown; and allowed
 * under image = optional. */
static void assert_forbidden(const char *text, const char *shown, const char *why)
{
	char want[512];
	const char *log;
	int r;

	log = words(PIVOT_IMAGE_REQUIRED, text, &r);
	if (r != -EPERM)
		fail_msg("\"%s\" was not refused (result %d)", text, r);
	assert_int_equal(count_lines(log), 1);
	snprintf(want, sizeof(want), "refusing \"%s\" on the kernel command line: it %s, which the "
		 "policy forbids when it requires an image (image = required; remove the word from "
		 "the boot entry)", shown, why);
	assert_contains(log, want);

	log = words(PIVOT_IMAGE_OPTIONAL, text, &r);
	if (r != 0)
		fail_msg("\"%s\" was refused under image = optional: %s", text, log);
}

#define BREAK "stops the boot with a shell at one of dracut's break points"
#define SHELL "gives a shell when a step of the boot fails"
#define INIT "starts another program than /sbin/init as init"

static void test_bypass_words(void **state)
{
	(void)state;
	assert_forbidden("ro rd.break", "rd.break", BREAK);
	assert_forbidden("rd.break=pre-pivot root=/dev/vda", "rd.break=pre-pivot", BREAK);
	assert_forbidden("rd.break=cmdline", "rd.break=cmdline", BREAK);
	assert_forbidden("rdbreak=pre-mount", "rdbreak=pre-mount", BREAK);
	assert_forbidden("rd.shell", "rd.shell", SHELL);
	assert_forbidden("rd.shell=1", "rd.shell=1", SHELL);
	assert_forbidden("rd.shell=yes", "rd.shell=yes", SHELL);
	/* dracut reads "false" and "n" as true: only 0, no and off are off. */
	assert_forbidden("rd.shell=false", "rd.shell=false", SHELL);
	assert_forbidden("rd.shell=", "rd.shell=", SHELL);
	assert_forbidden("rdshell", "rdshell", SHELL);
	assert_forbidden("rd.cmdline=ask", "rd.cmdline=ask",
			 "reads more words from the console, which nothing checks");
	assert_forbidden("rd.systemd.unit=emergency.target", "rd.systemd.unit=emergency.target",
			 "starts another target than the boot that runs cfs-pivot");
	assert_forbidden("rd.systemd.mask=cfsboot-pivot.service", "rd.systemd.mask=cfsboot-pivot.service",
			 "masks units, such as the one that runs cfs-pivot");
	assert_forbidden("rd.systemd.wants=debug-shell.service", "rd.systemd.wants=debug-shell.service",
			 "starts units of its choice, such as a shell");
	assert_forbidden("rd.systemd.run=/bin/sh", "rd.systemd.run=/bin/sh", "runs a command of its choice");
	assert_forbidden("rd.systemd.debug_shell", "rd.systemd.debug_shell",
			 "gives a root shell on a virtual console");
	assert_forbidden("rd.systemd.debug-shell=tty1", "rd.systemd.debug-shell=tty1",
			 "gives a root shell on a virtual console");
	assert_forbidden("systemd.confirm_spawn=/dev/ttyS0", "systemd.confirm_spawn=/dev/ttyS0",
			 "lets the console skip cfs-pivot or start a shell");
	assert_forbidden("systemd.crash_shell", "systemd.crash_shell",
			 "gives a root shell should systemd crash");
	assert_forbidden("rd.emergency", "rd.emergency", "starts the emergency target instead of the boot");
	assert_forbidden("rd.rescue", "rd.rescue", "starts the rescue target instead of the boot");
	assert_forbidden("init=/sysroot/evil", "init=/sysroot/evil", INIT);
	assert_forbidden("init=/sbin/init init=/bin/sh", "init=/bin/sh", INIT);
	assert_forbidden("init", "init", INIT);
	assert_forbidden("real_init=/bin/sh", "real_init=/bin/sh", INIT);
	assert_forbidden("rd.distroinit=/bin/sh", "rd.distroinit=/bin/sh", INIT);
	/* systemd reads '-' and '_' alike. */
	assert_forbidden("rd.systemd.debug-shell", "rd.systemd.debug-shell",
			 "gives a root shell on a virtual console");
	assert_forbidden("real-init=/x", "real-init=/x", INIT);
}

/* What the initramfs does not act on, or cannot be used around cfs-pivot. */
static void test_allowed_words(void **state)
{
	(void)state;
	assert_allowed("");
	assert_allowed("root=/dev/vda rootfstype=ext4 rw composefs.digest=" HEX_A " console=ttyS0 quiet");
	assert_allowed("init=/sbin/init");
	assert_allowed("rd.shell=0 rd.shell=no rd.shell=off rd.systemd.debug_shell=0");
	assert_allowed("systemd.confirm_spawn=no systemd.crash_shell=off");
	/* A value: dracut's action on emergencies, not the emergency target. */
	assert_allowed("rd.emergency=poweroff rd.emergency=reboot");
	/* The booted system's words (docs/threat-model.md): not the initramfs's. */
	assert_allowed("systemd.unit=multi-user.target emergency single 1");
	assert_allowed("rd.breakfast rd.shellx xrd.break myinit=/bin/sh");
	assert_allowed("rd.debug rd.udev.log_level=debug rd.retry=10 rd.timeout=30");
}

/* Words hidden from one reader must be found for the others. */
static void test_hidden_words(void **state)
{
	(void)state;
	/* Inside another word's quoted value: one word to the kernel and
	 * systemd, several to dracut's shell. */
	assert_forbidden("foo=\"x rd.break=pre-pivot\"", "rd.break=pre-pivot", BREAK);
	/* Quoted as a whole, or in part, or with a backslash: unquoted by
	 * systemd. */
	assert_forbidden("\"rd.break\"", "rd.break", BREAK);
	assert_forbidden("rd.\"systemd\".unit=rescue.target", "rd.systemd.unit=rescue.target",
			 "starts another target than the boot that runs cfs-pivot");
	assert_forbidden("'rd.shell'", "rd.shell", SHELL);
	assert_forbidden("rd.br\\eak", "rd.break", BREAK);
	/* After "--": the kernel hands it to init, dracut still reads it. */
	assert_forbidden("ro -- rd.break", "rd.break", BREAK);
	/* Any blank the kernel splits at. */
	assert_forbidden("ro\trd.break", "rd.break", BREAK);
	assert_forbidden("ro\xa0rd.break", "rd.break", BREAK);
	/* init= as the kernel reads it: quotes group the blank into the value,
	 * which is then not /sbin/init. */
	assert_forbidden("init=\"/sbin/init x\"", "init=/sbin/init x", INIT);
	/* A control byte in a value is shown escaped, not written raw. */
	assert_forbidden("init=/a\x1b[2J", "init=/a\\x1b[2J", INIT);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* --check-cmdline: the exit code of each outcome. */
static void test_check(void **state)
{
	char dir[] = "/tmp/test_lockdown.XXXXXX", cmdline[64], conf[64], missing[64];
	const char *log;
	int r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cmdline, sizeof(cmdline), "%s/cmdline", dir);
	snprintf(conf, sizeof(conf), "%s/pivot.conf", dir);
	snprintf(missing, sizeof(missing), "%s/missing", dir);

	/* tpm = off: a refusal marks the TPM the policy names, and no test
	 * touches the machine's own (tests/host/pivot-measure.sh uses swtpm). */
	write_file(conf, "image = required\ntpm = off\n");
	write_file(cmdline, "root=/dev/vda composefs.digest=" HEX_A " rw\n");
	assert_int_equal(pivot_lockdown_check(cmdline, conf, NULL), PIVOT_EXIT_OK);

	write_file(cmdline, "root=/dev/vda composefs.digest=" HEX_A " rd.break=pre-pivot\n");
	capture_start();
	r = pivot_lockdown_check(cmdline, conf, NULL);
	log = capture_end();
	assert_int_equal(r, PIVOT_EXIT_CMDLINE);
	assert_contains(log, "refusing \"rd.break=pre-pivot\" on the kernel command line");

	write_file(conf, "image = optional\ntpm = off\n");
	assert_int_equal(pivot_lockdown_check(cmdline, conf, NULL), PIVOT_EXIT_OK);

	/* What the boot would refuse is refused here already. */
	write_file(cmdline, "composefs.digest=xyz\n");
	capture_start();
	r = pivot_lockdown_check(cmdline, conf, NULL);
	log = capture_end();
	assert_int_equal(r, PIVOT_EXIT_CMDLINE);
	assert_contains(log, "refusing \"composefs.digest=xyz\"");

	write_file(cmdline, "ro\n");
	write_file(conf, "image = sometimes\n");
	capture_start();
	r = pivot_lockdown_check(cmdline, conf, NULL);
	log = capture_end();
	assert_int_equal(r, PIVOT_EXIT_POLICY);
	assert_contains(log, "pivot.conf:1: image = \"sometimes\" is not a valid value");

	capture_start();
	r = pivot_lockdown_check(missing, conf, NULL);
	log = capture_end();
	assert_int_equal(r, PIVOT_EXIT_CMDLINE);
	assert_contains(log, "cannot open");

	assert_int_equal(unlink(cmdline), 0);
	assert_int_equal(unlink(conf), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_image),
		cmocka_unit_test(test_bypass_words),
		cmocka_unit_test(test_allowed_words),
		cmocka_unit_test(test_hidden_words),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
