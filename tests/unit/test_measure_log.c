// SPDX-License-Identifier: MIT
/*
 * systemd's measurement log: the writer's locking and sticky-bit protocol
 * on real files, the record format read back, and the reader's refusal of
 * every kind of malformed record.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include "lib/tpm/measure_log.h"
#include "capture.h"
#include "scratch.h"
#include "lib/base/util.h"
#include "lib/base/read_file.h"

#define HEX20 "00112233445566778899aabbccddeeff00112233"
#define HEX32 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static int setup(void **state)
{
	(void)state;
	return scratch_make("cfsboot-measure-log");
}

static char *path_of(const char *name)
{
	char *p = scratch_path(name);

	assert_non_null(p);
	return p;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static struct cfs_tpm_digests two_banks(const char *word)
{
	/* Zeroed, so that no byte is left as the stack had it (the
	 * comparisons read each digest up to its own size). */
	struct cfs_tpm_digests d = { 0 };
	static const uint16_t banks[] = { 0x0004, 0x000b };   /* sha1, sha256 */

	assert_int_equal(cfs_tpm_hash_banks(banks, 2, word, strlen(word), &d), 0);
	return d;
}

/* Digests compared by what they hold: the bank, the length, and that many
 * bytes.  The bytes of a struct past a shorter digest (SHA-1's 20 of 64)
 * are never written, so comparing whole structs compares stack garbage. */
static void assert_digests_equal(const struct cfs_tpm_digests *got,
				 const struct cfs_tpm_digests *want)
{
	assert_int_equal(got->n, want->n);
	for (size_t i = 0; i < want->n; i++) {
		assert_int_equal(got->d[i].alg, want->d[i].alg);
		assert_int_equal(got->d[i].size, want->d[i].size);
		assert_memory_equal(got->d[i].bytes, want->d[i].bytes, want->d[i].size);
	}
}

static void test_write_protocol(void **state)
{
	_cleanup_free_ char *path = path_of("run/log/systemd/tpm2-measure.log");
	struct cfs_tpm_digests a = two_banks("first"), b = two_banks("sec\"ond\\");
	struct cfs_measure_records recs;
	struct cfs_measure_log *l;
	_cleanup_close_ int other = -1, lock_fd = -1;
	bool incomplete;

	(void)state;
	assert_int_equal(cfs_measure_log_open(path, &l), 0);
	/* While open: marked as being written, and locked against others. */
	assert_int_equal(mode_of(path), 01600);
	other = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(other >= 0);
	assert_int_equal(flock(other, LOCK_SH | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	assert_int_equal(cfs_measure_log_append(l, 15, &a, "first", "composefs-image"), 0);
	assert_int_equal(cfs_measure_log_append(l, 9, &b, "sec\"ond\\", "x"), 0);
	cfs_measure_log_close(l, true);
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(flock(other, LOCK_SH | LOCK_NB), 0);
	assert_int_equal(flock(other, LOCK_UN), 0);

	assert_int_equal(cfs_measure_log_load(path, &recs, &incomplete, &lock_fd), 0);
	assert_false(incomplete);
	assert_int_equal(recs.n, 2);
	assert_int_equal(recs.r[0].pcr, 15);
	assert_string_equal(recs.r[0].string, "first");
	assert_digests_equal(&recs.r[0].digests, &a);
	assert_int_equal(recs.r[1].pcr, 9);
	assert_string_equal(recs.r[1].string, "sec\"ond\\");
	assert_digests_equal(&recs.r[1].digests, &b);
	cfs_measure_records_free(&recs);
	/* The reader's shared lock is handed over: writers wait for it. */
	assert_int_equal(flock(other, LOCK_EX | LOCK_NB), -1);
}

/* The record text itself, as systemd writes it. */
static void test_record_text(void **state)
{
	_cleanup_free_ char *path = path_of("text.log");
	_cleanup_free_ uint8_t *text = NULL;
	struct cfs_tpm_digests d = two_banks("composefs-verity:require");
	struct cfs_measure_log *l;
	size_t len;
	char *s;

	(void)state;
	assert_int_equal(cfs_measure_log_open(path, &l), 0);
	assert_int_equal(cfs_measure_log_append(l, 15, &d, "composefs-verity:require",
						"composefs-verity"), 0);
	cfs_measure_log_close(l, true);
	assert_int_equal(cfs_read_file(path, 4096, &text, &len), 0);
	s = (char *)text;
	assert_int_equal(s[0], 0x1e);
	assert_int_equal(s[len - 1], '\n');
	assert_int_equal(strchr(s, '\n') - s, (long)len - 1);
	assert_non_null(strstr(s, "\x1e{\"pcr\":15,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":\""));
	assert_non_null(strstr(s, "},{\"hashAlg\":\"sha256\",\"digest\":\""));
	assert_non_null(strstr(s, "],\"content_type\":\"systemd\",\"content\":{\"string\":"
				  "\"composefs-verity:require\","));
	assert_non_null(strstr(s, ",\"timestamp\":"));
	assert_non_null(strstr(s, ",\"eventType\":\"composefs-verity\"}}\n"));
	/* The kernel's boot ID, without dashes, when /proc has one. */
	if (access("/proc/sys/kernel/random/boot_id", R_OK) == 0) {
		char *b = strstr(s, "\"bootId\":\"");

		assert_non_null(b);
		assert_int_equal(strspn(b + 10, "0123456789abcdef"), 32);
		assert_int_equal(b[42], '"');
	}
}

/* A writer that cannot vouch for its extensions leaves the mark. */
static void test_inconsistent_close(void **state)
{
	_cleanup_free_ char *path = path_of("broken.log");
	struct cfs_tpm_digests d = two_banks("w");
	struct cfs_measure_records recs;
	struct cfs_measure_log *l;
	_cleanup_close_ int lock_fd = -1;
	bool incomplete;

	(void)state;
	assert_int_equal(cfs_measure_log_open(path, &l), 0);
	assert_int_equal(cfs_measure_log_append(l, 15, &d, "w", "t"), 0);
	cfs_measure_log_close(l, false);
	assert_int_equal(mode_of(path), 01600);
	assert_int_equal(cfs_measure_log_load(path, &recs, &incomplete, &lock_fd), 0);
	assert_true(incomplete);
	assert_int_equal(recs.n, 1);
	cfs_measure_records_free(&recs);
}

/* A sticky bit found set: an earlier writer died.  Nothing is appended
 * and the mark stays. */
static void test_stale_sticky(void **state)
{
	_cleanup_free_ char *path = path_of("stale.log");
	struct cfs_measure_log *l = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	const char *log;

	(void)state;
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x1e{}", 3), 3);
	assert_int_equal(fchmod(fd, 01600), 0);
	capture_start();
	assert_int_equal(cfs_measure_log_open(path, &l), -ESTALE);
	log = capture_end();
	assert_null(l);
	assert_contains(log, "is marked incomplete (sticky bit set)");
	assert_int_equal(count_lines(log), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(st.st_mode & 07777, 01600);
}

static void test_not_a_file(void **state)
{
	_cleanup_free_ char *target = path_of("target"), *link = path_of("link.log");
	_cleanup_free_ char *subdir = path_of("subdir.log");
	struct cfs_measure_log *l = NULL;
	const char *log;

	(void)state;
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(mkdir(subdir, 0755), 0);
	capture_start();
	assert_int_equal(cfs_measure_log_open(link, &l), -ELOOP);
	assert_int_equal(cfs_measure_log_open(subdir, &l), -EISDIR);
	log = capture_end();
	assert_null(l);
	assert_int_equal(count_lines(log), 2);
	assert_int_equal(access(target, F_OK), -1);
}

/* A lock that is never released ends the wait, with a message, once the
 * bound has passed and not before.  The upper bound leaves a stall of the
 * whole bound after the deadline: the wait ends on the monotonic clock,
 * so only a machine that does not run us for seconds exceeds it. */
static void test_lock_bounded(void **state)
{
	_cleanup_free_ char *path = path_of("held.log");
	struct cfs_measure_log *l = NULL;
	_cleanup_close_ int fd = -1;
	struct timespec a, b;
	const char *log;
	long ms;

	(void)state;
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	capture_start();
	assert_int_equal(cfs_measure_log_open(path, &l), -ETIMEDOUT);
	log = capture_end();
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_in_range(ms, CFS_MEASURE_LOG_LOCK_MSEC, 2 * CFS_MEASURE_LOG_LOCK_MSEC);
	assert_contains(log, "stayed locked by another process");
	assert_int_equal(mode_of(path), 0600);
}

static void *unlock_later(void *arg)
{
	usleep(200 * 1000);
	flock(*(int *)arg, LOCK_UN);
	return NULL;
}

/* A lock released during the wait is taken: the writer waits, it does not
 * give up at the first refusal. */
static void test_lock_waits(void **state)
{
	_cleanup_free_ char *path = path_of("busy.log");
	struct cfs_measure_log *l = NULL;
	_cleanup_close_ int fd = -1;
	pthread_t t;

	(void)state;
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(pthread_create(&t, NULL, unlock_later, &fd), 0);
	assert_int_equal(cfs_measure_log_open(path, &l), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_non_null(l);
	cfs_measure_log_close(l, true);
	assert_int_equal(mode_of(path), 0600);
}

/* Records other programs write: other content types, banks we do not
 * know, escapes, and a trailing record without its newline. */
static void test_parse_foreign(void **state)
{
	static const char text[] =
		"\x1e{\"pcr\":11,\"digests\":[{\"hashAlg\":\"sm3_256\",\"digest\":\"00\"},"
		"{\"hashAlg\":\"sha256\",\"digest\":\"" HEX32 "\"}],"
		"\"content_type\":\"systemd\",\"content\":{\"string\":\"enter-initrd\","
		"\"bootId\":\"x\",\"timestamp\":1,\"eventType\":\"phase\"}}\n"
		"\x1e { \"content_type\" : \"other\", \"pcr\" : 0 , \"digests\" : [ "
		"{ \"digest\" : \"" HEX20 "\", \"hashAlg\" : \"sha1\" } ] }\r\n"
		"\x1e{\"pcr\":15,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":\"" HEX20 "\"}],"
		"\"content_type\":\"systemd\",\"content\":{\"string\":\"\\u00e9\\t\"}}";
	struct cfs_measure_records recs;

	(void)state;
	assert_int_equal(cfs_measure_log_parse("t", text, sizeof(text) - 1, &recs), 0);
	assert_int_equal(recs.n, 3);
	assert_int_equal(recs.r[0].pcr, 11);
	assert_int_equal(recs.r[0].digests.n, 1);
	assert_int_equal(recs.r[0].digests.d[0].alg, 0x000b);
	assert_int_equal(recs.r[0].digests.d[0].bytes[31], 0xff);
	assert_string_equal(recs.r[0].string, "enter-initrd");
	assert_int_equal(recs.r[1].pcr, 0);
	assert_null(recs.r[1].string);
	assert_int_equal(recs.r[1].digests.d[0].size, 20);
	assert_string_equal(recs.r[2].string, "\xc3\xa9\t");
	cfs_measure_records_free(&recs);

	assert_int_equal(cfs_measure_log_parse("t", "", 0, &recs), 0);
	assert_int_equal(recs.n, 0);
}

static void test_parse_refusals(void **state)
{
#define R "\x1e"
#define GOOD "{\"pcr\":15,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":\"" HEX20 "\"}]}\n"
	static const struct {
		const char *text, *message;
	} bad[] = {
		{ "{}", "t: does not start with a record separator" },
		{ R, "record 1: empty" },
		{ R GOOD R " \n", "record 2: empty" },
		{ R "[15]", "record 1: not a JSON object" },
		{ R "{\"pcr\":15,", "record 1: not JSON: expected a member name at byte 10" },
		{ R "{}", "record 1: no \"pcr\"" },
		{ R "{\"pcr\":\"15\"}", "record 1: \"pcr\" has the wrong type" },
		{ R "{\"pcr\":24,\"digests\":[]}", "record 1: \"pcr\" is not a PCR number from 0 to 23" },
		{ R "{\"pcr\":-1,\"digests\":[]}", "record 1: \"pcr\" is not a PCR number" },
		{ R "{\"pcr\":1.0,\"digests\":[]}", "record 1: \"pcr\" is not a PCR number" },
		{ R "{\"pcr\":1,\"pcr\":2,\"digests\":[]}", "record 1: \"pcr\" appears twice" },
		{ R "{\"pcr\":1}", "record 1: no \"digests\"" },
		{ R "{\"pcr\":1,\"digests\":{}}", "record 1: \"digests\" has the wrong type" },
		{ R "{\"pcr\":1,\"digests\":[]}", "record 1: no digest of a known bank" },
		{ R "{\"pcr\":1,\"digests\":[{\"hashAlg\":\"md5\",\"digest\":\"00\"}]}",
		  "record 1: no digest of a known bank" },
		{ R "{\"pcr\":1,\"digests\":[1]}", "record 1: a digest is not an object" },
		{ R "{\"pcr\":1,\"digests\":[{\"hashAlg\":\"sha1\"}]}",
		  "record 1: a digest lacks \"hashAlg\" or \"digest\"" },
		{ R "{\"pcr\":1,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":\"0011\"}]}",
		  "record 1: the sha1 digest is not 20 hex bytes" },
		{ R "{\"pcr\":1,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":\"" HEX20 "00\"}]}",
		  "record 1: the sha1 digest is not 20 hex bytes" },
		{ R "{\"pcr\":1,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":\""
		    "zz112233445566778899aabbccddeeff00112233\"}]}",
		  "record 1: the sha1 digest is not 20 hex bytes" },
		{ R "{\"pcr\":1,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":\"" HEX20 "\"},"
		    "{\"hashAlg\":\"sha1\",\"digest\":\"" HEX20 "\"}]}", "record 1: two sha1 digests" },
		{ R "{\"pcr\":1,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":\"" HEX20 "\"}],"
		    "\"content_type\":\"systemd\"}", "record 1: content_type \"systemd\" without \"content\"" },
		{ R "{\"pcr\":1,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":\"" HEX20 "\"}],"
		    "\"content_type\":\"systemd\",\"content\":{\"string\":\"a\\u0000b\"}}",
		  "record 1: content.string holds a NUL" },
		{ R "{\"pcr\":1,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":\"" HEX20 "\"}],"
		    "\"content_type\":\"systemd\",\"content\":{\"string\":7}}",
		  "record 1: \"string\" has the wrong type" },
		{ R GOOD R GOOD R "{\"pcr\":1,\"digests\":7}", "record 3: \"digests\" has the wrong type" },
	};
#undef R
#undef GOOD
	struct cfs_measure_records recs;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *log;
		int r;

		capture_start();
		r = cfs_measure_log_parse("t", bad[i].text, strlen(bad[i].text), &recs);
		log = capture_end();
		if (r != -EBADMSG || !strstr(log, bad[i].message) || count_lines(log) != 1)
			fail_msg("case %zu: %d, \"%s\" (wanted \"%s\")", i, r, log, bad[i].message);
		assert_int_equal(recs.n, 0);
		assert_null(recs.r);
	}
}

static void test_parse_limits(void **state)
{
	static const char head[] = "\x1e{\"pcr\":1,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":\""
				   HEX20 "\"}],\"content_type\":\"systemd\",\"content\":{\"string\":\"";
	size_t n = CFS_MEASURE_LOG_STRING_MAX + 1;
	_cleanup_free_ char *text = malloc(sizeof(head) + n + 8);
	struct cfs_measure_records recs;
	const char *log;

	(void)state;
	assert_non_null(text);
	strcpy(text, head);
	memset(text + sizeof(head) - 1, 'a', n - 1);
	strcpy(text + sizeof(head) - 1 + n - 1, "\"}}");
	assert_int_equal(cfs_measure_log_parse("t", text, strlen(text), &recs), 0);
	assert_int_equal(strlen(recs.r[0].string), CFS_MEASURE_LOG_STRING_MAX);
	cfs_measure_records_free(&recs);

	memset(text + sizeof(head) - 1, 'a', n);
	strcpy(text + sizeof(head) - 1 + n, "\"}}");
	capture_start();
	assert_int_equal(cfs_measure_log_parse("t", text, strlen(text), &recs), -EBADMSG);
	log = capture_end();
	assert_contains(log, "content.string is longer than 4096 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_protocol),
		cmocka_unit_test(test_record_text),
		cmocka_unit_test(test_inconsistent_close),
		cmocka_unit_test(test_stale_sticky),
		cmocka_unit_test(test_not_a_file),
		cmocka_unit_test(test_lock_bounded),
		cmocka_unit_test(test_lock_waits),
		cmocka_unit_test(test_parse_foreign),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_parse_limits),
	};

	return cmocka_run_group_tests(tests, setup, scratch_teardown);
}
