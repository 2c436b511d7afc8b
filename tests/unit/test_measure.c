// SPDX-License-Identifier: MIT
/*
 * cfs-pivot's measurement: the measured words, the policy without a TPM,
 * and, against a software TPM, the extension, the log, the status, the
 * anti-rollback floor and the failures.
 *
 * The TPM cases run when tests/host/tpm.sh (or bench/tpm.sh) provides
 * swtpm, and are left out otherwise:
 *   CFS_TEST_TPM        a healthy TPM (tpm-device syntax)
 *   CFS_TEST_TPM_DYING  the same TPM behind a connection that dies at its
 *                       second PCR_Extend (optional)
 *   CFS_TEST_OUT        where the measurement's log and status are left for
 *                       the script to replay and cross-check (optional)
 * They run in order against one TPM: PCR 15 receives only the logged
 * measurement, so that the script's replay of that log must match.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "lib/base/hex.h"
#include "pivot/verify/measure.h"
#include "lib/tpm/measure_log.h"
#include "capture.h"
#include "scratch.h"
#include "lib/base/util.h"
#include "lib/tpm/tpm_floor.h"

/* Each group of tests gets a directory of its own. */
static int setup(void **state)
{
	(void)state;
	return scratch_make("cfsboot-measure");
}

static char *path_of(const char *name)
{
	char *p = scratch_path(name);

	assert_non_null(p);
	return p;
}

static struct pivot_measurement sample(void)
{
	struct pivot_measurement m = {
		.digest = { .alg = CFS_HASH_SHA256 },
		.have_signer = true,
		.version = 12,
		.verity = PIVOT_VERITY_REQUIRE,
		.etc = PIVOT_ETC_TRANSIENT,
		.var = PIVOT_VAR_BIND,
		.n_keep = 2,
	};

	for (int i = 0; i < 32; i++) {
		m.digest.bytes[i] = (uint8_t)i;
		m.fingerprint[i] = (uint8_t)(0xff - i);
	}
	return m;
}

#define SAMPLE_IMAGE  "composefs-image:sha256:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define SAMPLE_SIGNER "composefs-signer:fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0:12"

static void test_words(void **state)
{
	struct pivot_measurement m = sample();
	char w[PIVOT_WORD_MAX];

	(void)state;
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_IMAGE, w), 0);
	assert_string_equal(w, SAMPLE_IMAGE);
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_SIGNER, w), 0);
	assert_string_equal(w, SAMPLE_SIGNER);
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_VERITY, w), 0);
	assert_string_equal(w, "composefs-verity:require");

	m.verity = PIVOT_VERITY_BOOT_CHECK;
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_VERITY, w), 0);
	assert_string_equal(w, "composefs-verity:boot-check");
	m.verity = PIVOT_VERITY_INSECURE_DEV;
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_VERITY, w), 0);
	assert_string_equal(w, "composefs-verity:insecure-dev");

	m.have_signer = false;
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_SIGNER, w), 0);
	assert_string_equal(w, "composefs-signer:none");
	m.have_signer = true;
	m.version = UINT64_MAX;
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_SIGNER, w), 0);
	assert_non_null(strstr(w, ":18446744073709551615"));

	/* The longest word: a sha512 image. */
	m.digest.alg = CFS_HASH_SHA512;
	memset(m.digest.bytes, 0xab, sizeof(m.digest.bytes));
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_IMAGE, w), 0);
	assert_int_equal(strlen(w), strlen("composefs-image:sha512:") + 128);
	assert_true(strlen(w) < PIVOT_WORD_MAX);

	m.digest.alg = 0;
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_IMAGE, w), -EINVAL);

	/* The state modes: keep counts only under etc = transient. */
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_STATE, w), 0);
	assert_string_equal(w, "composefs-state:etc=transient,keep=2;var=bind");
	m.n_keep = 0;
	m.var = PIVOT_VAR_NONE;
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_STATE, w), 0);
	assert_string_equal(w, "composefs-state:etc=transient,keep=0;var=none");
	m.etc = PIVOT_ETC_OVERLAY;
	m.n_keep = 2;
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_STATE, w), 0);
	assert_string_equal(w, "composefs-state:etc=overlay;var=none");
	m.etc = PIVOT_ETC_BIND;
	m.var = PIVOT_VAR_BIND;
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_STATE, w), 0);
	assert_string_equal(w, "composefs-state:etc=bind;var=bind");
	m.etc = PIVOT_ETC_NONE;
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_STATE, w), 0);
	assert_string_equal(w, "composefs-state:etc=none;var=bind");
	m.etc = _PIVOT_ETC_MAX;
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_STATE, w), -EINVAL);

	assert_string_equal(pivot_event_type(PIVOT_EVENT_IMAGE), "composefs-image");
	assert_string_equal(pivot_event_type(PIVOT_EVENT_SIGNER), "composefs-signer");
	assert_string_equal(pivot_event_type(PIVOT_EVENT_VERITY), "composefs-verity");
	assert_string_equal(pivot_event_type(PIVOT_EVENT_STATE), "composefs-state");
	assert_string_equal(pivot_event_type(PIVOT_EVENT_INIT), "composefs-init");
}

/* A non-default init has a word of its own; the longest init the policy
 * takes fits. */
static void test_init_word(void **state)
{
	struct pivot_measurement m = sample();
	char w[PIVOT_WORD_MAX], path[PIVOT_POLICY_VALUE_SIZE];

	(void)state;
	assert_null(m.init);
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_INIT, w), -EINVAL);
	m.init = "/usr/lib/systemd/systemd";
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_INIT, w), 0);
	assert_string_equal(w, "composefs-init:/usr/lib/systemd/systemd");
	path[0] = '/';
	memset(path + 1, 'i', sizeof(path) - 2);
	path[sizeof(path) - 1] = '\0';
	m.init = path;
	assert_int_equal(pivot_measure_word(&m, PIVOT_EVENT_INIT, w), 0);
	assert_int_equal(strlen(w), strlen("composefs-init:") + PIVOT_POLICY_LINE_MAX);
}

static struct pivot_policy policy(enum pivot_tpm tpm, const char *device)
{
	struct pivot_policy p;

	pivot_policy_defaults(&p);
	p.tpm = tpm;
	snprintf(p.tpm_device, sizeof(p.tpm_device), "%s", device);
	return p;
}

static void test_policy_off(void **state)
{
	struct pivot_policy p = policy(PIVOT_TPM_OFF, "/dev/tpmrm0");
	struct pivot_status st = { 0 };
	struct pivot_measurement m = sample();
	struct cfs_tpm *tpm;
	uint64_t floor = 99;

	(void)state;
	assert_int_equal(pivot_tpm_open(&p, &st.tpm, &tpm), 0);
	assert_null(tpm);
	assert_false(st.tpm.checked);
	assert_int_equal(pivot_rollback_floor(&p, tpm, &st.tpm, &floor), PIVOT_FLOOR_NO_TPM);
	assert_int_equal(floor, 0);
	assert_int_equal(pivot_measure(&p, tpm, &m, NULL, &st.tpm), 0);
	assert_false(st.tpm.measured);
}

/* No device at the path: absent, which if-present allows, unless the
 * floor is required. */
static void test_absent(void **state)
{
	_cleanup_free_ char *none = path_of("no-tpm");
	struct pivot_policy p = policy(PIVOT_TPM_IF_PRESENT, none);
	struct pivot_status st = { 0 };
	struct pivot_measurement m = sample();
	struct cfs_tpm *tpm;
	const char *log;
	uint64_t floor;

	(void)state;
	p.tpm_wait = 0;
	capture_start();
	assert_int_equal(pivot_tpm_open(&p, &st.tpm, &tpm), 0);
	log = capture_end();
	assert_null(tpm);
	assert_true(st.tpm.checked);
	assert_false(st.tpm.present);
	assert_contains(log, "no TPM found (tpm-device = ");
	assert_contains(log, ", waited 0.00 s, tpm-wait = 0): booting without measuring the image, "
			     "as tpm = if-present allows");
	assert_int_equal(count_lines(log), 1);
	assert_int_equal(pivot_rollback_floor(&p, tpm, &st.tpm, &floor), PIVOT_FLOOR_NO_TPM);
	assert_int_equal(pivot_measure(&p, tpm, &m, NULL, &st.tpm), 0);
	assert_false(st.tpm.measured);

	p.floor = PIVOT_FLOOR_NEED_REQUIRED;
	st = (struct pivot_status){ 0 };
	capture_start();
	assert_int_equal(pivot_tpm_open(&p, &st.tpm, &tpm), -ENODEV);
	log = capture_end();
	assert_null(tpm);
	assert_contains(log, "tpm-wait = 0), and floor = required says this device's anti-rollback "
			     "floor is in it: refusing to boot");
	assert_contains(log, "cfsboot tpm commit-version");
	assert_int_equal(count_lines(log), 1);

	p.floor = PIVOT_FLOOR_NEED_IF_PRESENT;
	p.tpm = PIVOT_TPM_REQUIRED;
	st = (struct pivot_status){ 0 };
	capture_start();
	assert_int_equal(pivot_tpm_open(&p, &st.tpm, &tpm), -ENODEV);
	log = capture_end();
	assert_null(tpm);
	assert_contains(log, "the policy requires one (tpm = required): refusing to boot an "
			     "unmeasured image");
	assert_int_equal(count_lines(log), 1);
}

/* Creates path after delay_usec, from a child process. */
static pid_t create_later(const char *path, unsigned int delay_usec)
{
	char delay[32];
	pid_t pid;

	snprintf(delay, sizeof(delay), "%u.%06u", delay_usec / 1000000, delay_usec % 1000000);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A program of its own rather than this one's copy: memcheck
		 * checks a forked child as it exits, and would count this
		 * process's memory as the child's leaks. */
		execl("/bin/sh", "sh", "-c", "sleep \"$1\" && : > \"$2\"", "sh", delay, path,
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The wait for a TPM whose driver probes late: bounded, and over as soon
 * as the node is there. */
static void test_wait(void **state)
{
	_cleanup_free_ char *late = path_of("late-tpm"), *later = path_of("later-tpm");
	_cleanup_free_ char *none = path_of("never-tpm"), *sock = NULL;
	struct pivot_policy p = policy(PIVOT_TPM_IF_PRESENT, later);
	struct pivot_status st = { 0 };
	struct cfs_tpm *tpm;
	uint64_t waited;
	const char *log;
	pid_t pid;

	(void)state;
	assert_int_equal(cfs_tpm_wait(none, 200000, &waited), -ENODEV);
	assert_true(waited >= 200000 && waited < 2000000);
	assert_int_equal(cfs_tpm_wait(none, 0, &waited), -ENODEV);
	assert_true(waited == 0);

	pid = create_later(late, 300000);
	assert_int_equal(cfs_tpm_wait(late, 10000000, &waited), 0);
	assert_true(waited >= 250000 && waited < 10000000);
	reap(pid);
	assert_int_equal(cfs_tpm_wait(late, 0, &waited), 0);
	assert_true(waited == 0);

	/* A socket of swtpm:path= is waited for as a device node is; one that
	 * is not there is no TPM, not a failing one. */
	assert_true(asprintf(&sock, "swtpm:path=%s", none) > 0);
	assert_int_equal(cfs_tpm_wait(sock, 100000, &waited), -ENODEV);
	assert_true(waited >= 100000);
	assert_int_equal(cfs_tpm_open(sock, &tpm), -ENODEV);
	/* swtpm over TCP has nothing to wait for. */
	assert_int_equal(cfs_tpm_wait("swtpm:host=127.0.0.1,port=9", 1000000, &waited), 0);
	assert_true(waited == 0);

	/* pivot_tpm_open() waits, then opens what appeared: here not a TPM. */
	p.tpm_wait = 10;
	pid = create_later(later, 300000);
	capture_start();
	assert_int_equal(pivot_tpm_open(&p, &st.tpm, &tpm), -ENOTTY);
	log = capture_end();
	reap(pid);
	assert_contains(log, "is not a character device, so not a TPM");
	assert_true(st.tpm.present);
}

/* Something is there but is no TPM: a failure, under either policy. */
static void test_not_a_tpm(void **state)
{
	_cleanup_free_ char *file = path_of("not-a-tpm");
	struct pivot_status st = { 0 };
	struct cfs_tpm *tpm;
	const char *log;
	int fd;

	(void)state;
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	for (int pol = PIVOT_TPM_IF_PRESENT; pol <= PIVOT_TPM_REQUIRED; pol++) {
		struct pivot_policy p = policy(pol, file);

		capture_start();
		assert_int_equal(pivot_tpm_open(&p, &st.tpm, &tpm), -ENOTTY);
		log = capture_end();
		assert_null(tpm);
		assert_true(st.tpm.checked && st.tpm.present);
		assert_contains(log, "is not a character device, so not a TPM");
		assert_int_equal(count_lines(log), 1);
	}
}

/* --- against a software TPM ----------------------------------------- */

static const char *tpm_device(void)
{
	return getenv("CFS_TEST_TPM");
}

static const EVP_MD *md_of(uint16_t alg)
{
	return alg == 0x0004 ? EVP_sha1() : alg == 0x000b ? EVP_sha256() :
	       alg == 0x000c ? EVP_sha384() : EVP_sha512();
}

/* What the PCR must hold after the four words, from its value before,
 * computed with OpenSSL here. */
static void expected_after(const struct cfs_tpm_digests *before, const char *const words[4],
			   struct cfs_tpm_digests *out)
{
	*out = *before;
	for (size_t b = 0; b < out->n; b++) {
		const EVP_MD *md = md_of(out->d[b].alg);

		for (int e = 0; e < 4; e++) {
			uint8_t d[64];
			EVP_MD_CTX *ctx = EVP_MD_CTX_new();

			assert_int_equal(EVP_Digest(words[e], strlen(words[e]), d, NULL, md, NULL), 1);
			assert_int_equal(EVP_DigestInit_ex(ctx, md, NULL), 1);
			assert_int_equal(EVP_DigestUpdate(ctx, out->d[b].bytes, out->d[b].size), 1);
			assert_int_equal(EVP_DigestUpdate(ctx, d, out->d[b].size), 1);
			assert_int_equal(EVP_DigestFinal_ex(ctx, out->d[b].bytes, NULL), 1);
			EVP_MD_CTX_free(ctx);
		}
	}
}

static void read_pcr(const char *device, unsigned int pcr, struct cfs_tpm_digests *out)
{
	struct cfs_tpm *t;

	assert_int_equal(cfs_tpm_open(device, &t), 0);
	assert_int_equal(cfs_tpm_pcr_read(t, pcr, out), 0);
	cfs_tpm_close(t);
}

/* The floor first, so that the measurement below sees a provisioned TPM,
 * as a real boot does. */
static void test_swtpm_floor(void **state)
{
	struct pivot_policy p = policy(PIVOT_TPM_IF_PRESENT, tpm_device());
	struct pivot_status st = { 0 };
	struct cfs_tpm *tpm;
	uint64_t floor, before;
	const char *log;

	(void)state;
	assert_int_equal(pivot_tpm_open(&p, &st.tpm, &tpm), 0);
	assert_non_null(tpm);
	assert_true(st.tpm.present);

	capture_start();
	assert_int_equal(pivot_rollback_floor(&p, tpm, &st.tpm, &floor), PIVOT_FLOOR_NO_INDEX);
	log = capture_end();
	assert_contains(log, "has no anti-rollback counter at 0x180cf5b: only min-version = 0 "
			     "guards against rollback");
	assert_false(st.tpm.have_floor);

	p.tpm = PIVOT_TPM_REQUIRED;
	capture_start();
	assert_int_equal(pivot_rollback_floor(&p, tpm, &st.tpm, &floor), -ENOENT);
	log = capture_end();
	assert_contains(log, "with tpm = required it must be there, so that deleting or replacing "
			     "it cannot lift the floor: refusing to boot");
	assert_int_equal(count_lines(log), 1);

	/* floor = required refuses it under if-present as well. */
	p.tpm = PIVOT_TPM_IF_PRESENT;
	p.floor = PIVOT_FLOOR_NEED_REQUIRED;
	capture_start();
	assert_int_equal(pivot_rollback_floor(&p, tpm, &st.tpm, &floor), -ENOENT);
	log = capture_end();
	assert_contains(log, "has no anti-rollback counter at 0x180cf5b; with floor = required it "
			     "must be there");
	assert_int_equal(count_lines(log), 1);

	assert_int_equal(cfs_tpm_floor_raise(tpm, 4, &before), 0);
	assert_int_equal(before, 0);
	assert_int_equal(pivot_rollback_floor(&p, tpm, &st.tpm, &floor), PIVOT_FLOOR_READ);
	assert_int_equal(floor, 4);
	assert_true(st.tpm.have_floor);
	assert_int_equal(st.tpm.floor, 4);
	cfs_tpm_close(tpm);
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* One boot's TPM work, timed: open, floor, measure, close. */
static void test_swtpm_measure(void **state)
{
	const char *device = tpm_device(), *out = getenv("CFS_TEST_OUT");
	static const char *const words[4] = { SAMPLE_IMAGE, SAMPLE_SIGNER,
					      "composefs-verity:require",
					      "composefs-state:etc=transient,keep=2;var=bind" };
	struct pivot_policy p = policy(PIVOT_TPM_REQUIRED, device);
	struct pivot_measurement m = sample();
	struct pivot_status st = { 0 };
	struct cfs_tpm_digests before, want, now;
	struct cfs_measure_records recs;
	struct cfs_tpm_stats stats;
	_cleanup_free_ char *log_path = NULL, *status_path = NULL;
	_cleanup_close_ int lock_fd = -1;
	struct cfs_tpm *tpm;
	uint64_t floor, start, total;
	bool incomplete;
	char hex[CFS_TPM_HEX_MAX];

	(void)state;
	if (out && *out) {
		assert_true(asprintf(&log_path, "%s/tpm2-measure.log", out) > 0);
		assert_true(asprintf(&status_path, "%s/status.json", out) > 0);
	} else {
		log_path = path_of("run/log/systemd/tpm2-measure.log");
		status_path = path_of("status.json");
	}
	read_pcr(device, 15, &before);

	start = now_usec();
	assert_int_equal(pivot_tpm_open(&p, &st.tpm, &tpm), 0);
	assert_int_equal(pivot_rollback_floor(&p, tpm, &st.tpm, &floor), PIVOT_FLOOR_READ);
	assert_int_equal(pivot_measure(&p, tpm, &m, log_path, &st.tpm), 0);
	cfs_tpm_get_stats(tpm, &stats);
	cfs_tpm_close(tpm);
	total = now_usec() - start;
	/* Startup, NV_ReadPublic, NV_Read, GetCapability, 4 PCR_Extend,
	 * PCR_Read: a change here changes every boot's cost. */
	assert_int_equal(stats.commands, 9);
	print_message("# one boot: %u TPM commands, %llu us waiting for the TPM, %llu us in all, "
		      "%llu us of it in cfsboot\n", stats.commands, (unsigned long long)stats.usec,
		      (unsigned long long)total, (unsigned long long)(total - stats.usec));

	/* The status holds the values the TPM now has, and they are the
	 * four words extended into the old ones. */
	expected_after(&before, words, &want);
	read_pcr(device, 15, &now);
	assert_true(st.tpm.measured && st.tpm.logged);
	assert_int_equal(st.tpm.pcr, 15);
	assert_int_equal(st.tpm.n_banks, now.n);
	assert_true(now.n >= 2);
	for (size_t b = 0; b < now.n; b++) {
		assert_memory_equal(now.d[b].bytes, want.d[b].bytes, want.d[b].size);
		cfs_hex_encode(now.d[b].bytes, now.d[b].size, hex);
		assert_string_equal(st.tpm.banks[b].alg, cfs_tpm_alg_name(now.d[b].alg));
		assert_string_equal(st.tpm.banks[b].value, hex);
	}

	/* The log holds the four records, not marked incomplete. */
	assert_int_equal(cfs_measure_log_load(log_path, &recs, &incomplete, &lock_fd), 0);
	assert_false(incomplete);
	assert_int_equal(recs.n, 4);
	for (int e = 0; e < 4; e++) {
		assert_int_equal(recs.r[e].pcr, 15);
		assert_string_equal(recs.r[e].string, words[e]);
		assert_int_equal(recs.r[e].digests.n, now.n);
	}
	cfs_measure_records_free(&recs);
	assert_int_equal(pivot_status_write(&st, status_path), 0);
}

/* A log an earlier writer left marked: measured all the same, not logged,
 * the mark kept.  PCR 16, so that PCR 15's log stays whole. */
static void test_swtpm_stale_log(void **state)
{
	struct pivot_policy p = policy(PIVOT_TPM_REQUIRED, tpm_device());
	_cleanup_free_ char *path = path_of("stale.log");
	struct pivot_measurement m = sample();
	struct pivot_status st = { 0 };
	struct cfs_tpm_digests before, after;
	struct cfs_tpm *tpm;
	struct stat sb;
	const char *log;
	int fd;

	(void)state;
	p.pcr = 16;
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 01600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x1e", 1), 1);
	assert_int_equal(fchmod(fd, 01600), 0);
	close(fd);
	read_pcr(p.tpm_device, 16, &before);

	assert_int_equal(pivot_tpm_open(&p, &st.tpm, &tpm), 0);
	capture_start();
	assert_int_equal(pivot_measure(&p, tpm, &m, path, &st.tpm), 0);
	log = capture_end();
	cfs_tpm_close(tpm);
	assert_contains(log, "is marked incomplete (sticky bit set)");
	assert_true(st.tpm.measured);
	assert_false(st.tpm.logged);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 1);
	assert_int_equal(sb.st_mode & 07777, 01600);
	read_pcr(p.tpm_device, 16, &after);
	assert_memory_not_equal(before.d[0].bytes, after.d[0].bytes, after.d[0].size);
}

/* The TPM refuses the extension (PCR 17 is not extendable from locality
 * 0): nothing changed, so the log stays consistent, and the boot stops. */
static void test_swtpm_refused(void **state)
{
	struct pivot_policy p = policy(PIVOT_TPM_IF_PRESENT, tpm_device());
	_cleanup_free_ char *path = path_of("refused.log");
	struct pivot_measurement m = sample();
	struct pivot_status st = { 0 };
	struct cfs_tpm *tpm;
	struct stat sb;
	const char *log;

	(void)state;
	p.pcr = 17;
	assert_int_equal(pivot_tpm_open(&p, &st.tpm, &tpm), 0);
	capture_start();
	assert_int_equal(pivot_measure(&p, tpm, &m, path, &st.tpm), -EREMOTEIO);
	log = capture_end();
	cfs_tpm_close(tpm);
	assert_contains(log, "extending PCR 17: the TPM ");
	assert_contains(log, " refused: ");
	assert_int_equal(count_lines(log), 1);
	assert_false(st.tpm.measured);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
}

/* The TPM goes away during the second extension: its outcome is unknown,
 * so the log keeps the mark after the first record, and the boot stops. */
static void test_swtpm_dies(void **state)
{
	const char *device = getenv("CFS_TEST_TPM_DYING");
	struct pivot_policy p = policy(PIVOT_TPM_IF_PRESENT, device);
	_cleanup_free_ char *path = path_of("dying.log");
	struct pivot_measurement m = sample();
	struct pivot_status st = { 0 };
	struct cfs_measure_records recs;
	_cleanup_close_ int lock_fd = -1;
	struct cfs_tpm *tpm;
	bool incomplete;
	const char *log;

	(void)state;
	p.pcr = 23;
	assert_int_equal(pivot_tpm_open(&p, &st.tpm, &tpm), 0);
	capture_start();
	assert_int_equal(pivot_measure(&p, tpm, &m, path, &st.tpm), -EIO);
	log = capture_end();
	cfs_tpm_close(tpm);
	assert_contains(log, "extending PCR 23: no valid answer from the TPM ");
	assert_int_equal(count_lines(log), 1);
	assert_false(st.tpm.measured);
	assert_int_equal(cfs_measure_log_load(path, &recs, &incomplete, &lock_fd), 0);
	assert_true(incomplete);
	assert_int_equal(recs.n, 1);
	assert_string_equal(recs.r[0].string, SAMPLE_IMAGE);
	cfs_measure_records_free(&recs);
}

static bool env_set(const char *name)
{
	const char *v = getenv(name);

	return v && *v;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_init_word),
		cmocka_unit_test(test_policy_off),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_not_a_tpm),
		cmocka_unit_test(test_wait),
	};
	const struct CMUnitTest tpm_tests[] = {
		cmocka_unit_test(test_swtpm_floor),
		cmocka_unit_test(test_swtpm_measure),
		cmocka_unit_test(test_swtpm_stale_log),
		cmocka_unit_test(test_swtpm_refused),
		cmocka_unit_test(test_swtpm_dies),      /* last: needs CFS_TEST_TPM_DYING */
	};
	size_t n_tpm = ARRAY_SIZE(tpm_tests) - !env_set("CFS_TEST_TPM_DYING");
	int r;

	/* Before any other OpenSSL use, as cfs-pivot does. */
	if (cfs_sig_init(false) < 0)
		return 1;
	r = cmocka_run_group_tests(tests, setup, scratch_teardown);
	if (!env_set("CFS_TEST_TPM")) {
		printf("# the TPM cases need CFS_TEST_TPM; tests/host/tpm.sh runs them\n");
		return r;
	}
	return r | _cmocka_run_group_tests("swtpm", tpm_tests, n_tpm, setup, scratch_teardown);
}
