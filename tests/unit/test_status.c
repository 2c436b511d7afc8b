// SPDX-License-Identifier: MIT
/* The status file: JSON text, string escaping, atomic replacement. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "pivot/boot/errors.h"
#include "lib/base/json_write.h"
#include "pivot/boot/json.h"
#include "pivot/boot/status.h"
#include "capture.h"
#include "lib/base/util.h"
#include "lib/base/read_file.h"

#define HEX_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char *format(const struct pivot_status *s)
{
	char *text;
	size_t len;

	assert_int_equal(pivot_status_format(s, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	return text;
}

static char *escaped(const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	cfs_json_write_string(f, s);
	fclose(f);
	return text;
}

static void assert_escapes(const char *in, const char *want)
{
	char *got = escaped(in);

	assert_string_equal(got, want);
	free(got);
}

static void test_escaping(void **state)
{
	(void)state;
	assert_escapes("", "\"\"");
	assert_escapes("plain /path:1", "\"plain /path:1\"");
	assert_escapes("a\"b\\c/", "\"a\\\"b\\\\c/\"");
	assert_escapes("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	assert_escapes("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	/* Valid UTF-8 passes through: 2, 3 and 4 byte sequences, and the
	 * largest code point. */
	assert_escapes("caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e \xf4\x8f\xbf\xbf",
		       "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e \xf4\x8f\xbf\xbf\"");
	/* Every byte outside a valid sequence is escaped on its own. */
	assert_escapes("\xff", "\"\\u00ff\"");
	assert_escapes("\xc3" "a", "\"\\u00c3a\"");                       /* cut short */
	assert_escapes("\xe2\x82", "\"\\u00e2\\u0082\"");                 /* cut by the end */
	assert_escapes("\xc0\xaf", "\"\\u00c0\\u00af\"");                 /* overlong '/' */
	assert_escapes("\xe0\x80\xaf", "\"\\u00e0\\u0080\\u00af\"");      /* overlong */
	assert_escapes("\xf0\x80\x80\xaf", "\"\\u00f0\\u0080\\u0080\\u00af\""); /* overlong */
	assert_escapes("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");      /* a surrogate */
	assert_escapes("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\""); /* > U+10FFFF */
	assert_escapes("\xf8\x88\x80\x80\x80", "\"\\u00f8\\u0088\\u0080\\u0080\\u0080\"");
	assert_escapes("\x80" "x", "\"\\u0080x\"");                       /* lone continuation */
}

static void test_minimal(void **state)
{
	struct pivot_status s = { 0 };
	char *text;

	(void)state;
	text = format(&s);
	assert_string_equal(text, "{\n  \"result\": \"booted\"\n}\n");
	free(text);
}

static void fill_booted(struct pivot_status *s)
{
	*s = (struct pivot_status){ 0 };
	s->digest.alg = CFS_HASH_SHA256;
	for (int i = 0; i < 32; i++)
		s->digest.bytes[i] = (uint8_t)i;
	s->have_verity = true;
	s->verity = PIVOT_VERITY_REQUIRE;
	assert_int_equal(pivot_status_add_kernel_path(s, "erofs:file"), 0);
	assert_int_equal(pivot_status_add_kernel_path(s, "overlay:lowerdir+"), 0);
	assert_int_equal(pivot_status_add_phase(s, "cmdline", 12), 0);
	assert_int_equal(pivot_status_add_phase(s, "signature", 1500), 0);
	s->signer = "CN=Example OS release";
	s->fingerprint = "sha256:" HEX_A;
	s->have_version = true;
	s->version = UINT64_MAX;
	s->tpm.checked = true;
	s->tpm.present = true;
	s->tpm.measured = true;
	s->tpm.pcr = 15;
	assert_int_equal(pivot_status_add_tpm_bank(&s->tpm, "sha256", HEX_A), 0);
	assert_int_equal(pivot_status_add_tpm_bank(&s->tpm, "sha1", "00ff"), 0);
	s->tpm.logged = true;
	s->tpm.have_floor = true;
	s->tpm.floor = 7;
}

static void test_booted(void **state)
{
	struct pivot_status s;
	char *text;

	(void)state;
	fill_booted(&s);
	text = format(&s);
	assert_string_equal(text,
		"{\n"
		"  \"result\": \"booted\",\n"
		"  \"digest\": {\n"
		"    \"alg\": \"sha256\",\n"
		"    \"value\": \"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"\n"
		"  },\n"
		"  \"verity\": \"require\",\n"
		"  \"kernel_paths\": [\n"
		"    \"erofs:file\",\n"
		"    \"overlay:lowerdir+\"\n"
		"  ],\n"
		"  \"phases\": [\n"
		"    {\n"
		"      \"name\": \"cmdline\",\n"
		"      \"usec\": 12\n"
		"    },\n"
		"    {\n"
		"      \"name\": \"signature\",\n"
		"      \"usec\": 1500\n"
		"    }\n"
		"  ],\n"
		"  \"signer\": \"CN=Example OS release\",\n"
		"  \"fingerprint\": \"sha256:" HEX_A "\",\n"
		"  \"version\": 18446744073709551615,\n"
		"  \"tpm\": {\n"
		"    \"present\": true,\n"
		"    \"pcr\": 15,\n"
		"    \"banks\": [\n"
		"      {\n"
		"        \"alg\": \"sha256\",\n"
		"        \"value\": \"" HEX_A "\"\n"
		"      },\n"
		"      {\n"
		"        \"alg\": \"sha1\",\n"
		"        \"value\": \"00ff\"\n"
		"      }\n"
		"    ],\n"
		"    \"logged\": true,\n"
		"    \"floor\": 7\n"
		"  }\n"
		"}\n");
	free(text);
}

static void test_refused(void **state)
{
	struct pivot_status s = { 0 };
	char *text;

	(void)state;
	s.error = PIVOT_EXIT_DIGEST;
	s.message = "images/abc has digest def, not abc";
	s.digest.alg = CFS_HASH_SHA512;
	s.have_verity = true;
	s.verity = PIVOT_VERITY_INSECURE_DEV;
	s.tpm.checked = true;     /* looked, found none: no pcr, no banks */
	text = format(&s);
	assert_contains(text, "\"result\": \"refused\"");
	assert_contains(text, "\"alg\": \"sha512\"");
	assert_contains(text, "\"verity\": \"INSECURE\"");
	assert_contains(text, "  \"tpm\": {\n    \"present\": false\n  },\n");
	assert_contains(text, "  \"error\": {\n    \"class\": \"digest\",\n"
			      "    \"message\": \"images/abc has digest def, not abc\"\n  }\n}\n");
	assert_null(strstr(text, "signer"));
	assert_null(strstr(text, "pcr"));
	free(text);

	s = (struct pivot_status){ .error = PIVOT_EXIT_SWITCH_ROOT };
	text = format(&s);
	assert_string_equal(text, "{\n  \"result\": \"refused\",\n"
				  "  \"error\": {\n    \"class\": \"switch-root\"\n  }\n}\n");
	free(text);

	s.have_verity = true;
	s.verity = PIVOT_VERITY_BOOT_CHECK;
	text = format(&s);
	assert_contains(text, "\"verity\": \"boot-check\"");
	free(text);
}

static void test_bad_class(void **state)
{
	struct pivot_status s = { .error = 99 };
	const char *log;
	char *text = NULL;
	size_t len;
	int r;

	(void)state;
	capture_start();
	r = pivot_status_format(&s, &text, &len);
	log = capture_end();
	assert_int_equal(r, -EINVAL);
	assert_null(text);
	assert_contains(log, "99 is not a failure class");
}

static void test_list_limits(void **state)
{
	struct pivot_status s = { 0 };
	const char *log;
	int r;

	(void)state;
	for (int i = 0; i < PIVOT_STATUS_MAX_PATHS; i++)
		assert_int_equal(pivot_status_add_kernel_path(&s, "p"), 0);
	for (int i = 0; i < PIVOT_STATUS_MAX_PHASES; i++)
		assert_int_equal(pivot_status_add_phase(&s, "p", 1), 0);
	for (int i = 0; i < PIVOT_STATUS_MAX_BANKS; i++)
		assert_int_equal(pivot_status_add_tpm_bank(&s.tpm, "a", "v"), 0);
	capture_start();
	r = pivot_status_add_kernel_path(&s, "p");
	assert_int_equal(r, -E2BIG);
	assert_int_equal(pivot_status_add_phase(&s, "p", 1), -E2BIG);
	assert_int_equal(pivot_status_add_tpm_bank(&s.tpm, "a", "v"), -E2BIG);
	log = capture_end();
	assert_int_equal(count_lines(log), 3);
	assert_int_equal(s.n_kernel_paths, PIVOT_STATUS_MAX_PATHS);
}

/* Bank values are copied, so one longer than a SHA-512 digest is refused
 * rather than cut. */
static void test_bank_value_copied(void **state)
{
	struct pivot_status s = { 0 };
	char value[PIVOT_STATUS_BANK_HEX_MAX + 1];
	const char *log;

	(void)state;
	memset(value, 'a', sizeof(value) - 2);
	value[sizeof(value) - 2] = '\0';
	assert_int_equal(pivot_status_add_tpm_bank(&s.tpm, "sha512", value), 0);
	value[0] = 'b';
	assert_int_equal(s.tpm.banks[0].value[0], 'a');
	value[sizeof(value) - 2] = 'a';
	value[sizeof(value) - 1] = '\0';
	capture_start();
	assert_int_equal(pivot_status_add_tpm_bank(&s.tpm, "sha512", value), -EINVAL);
	log = capture_end();
	assert_contains(log, "a sha512 PCR value of 129 digits");
	assert_int_equal(s.tpm.n_banks, 1);
}

/* Runs python3's JSON parser on path and returns what the script printed:
 * fields re-encoded with ensure_ascii, so the comparison is exact. */
static char *python_decode(const char *path)
{
	static const char script[] =
		"import json, sys\n"
		"d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
		"print(json.dumps([d['signer'], d['error']['message'], d['version']]))\n";
	char cmd[512], *out = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *p;

	setenv("CFS_TEST_SCRIPT", script, 1);
	snprintf(cmd, sizeof(cmd), "python3 -c \"$CFS_TEST_SCRIPT\" '%s' 2>&1", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = getline(&out, &cap, p);
	assert_int_equal(pclose(p), 0);
	assert_true(n > 0);
	return out;
}

static void test_python_parses(void **state)
{
	char dir[] = "/tmp/test_status.XXXXXX", path[64];
	struct pivot_status s;
	char *decoded;

	(void)state;
	if (system("python3 -c 'import json' >/dev/null 2>&1") != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/status.json", dir);

	fill_booted(&s);
	s.error = PIVOT_EXIT_SIGNATURE;
	s.signer = "O=\"Q\\uote\"\n\x01\t caf\xc3\xa9 \xff\xed\xa0\x80 \xf0\x9f\x94\x91";
	s.message = "line\r\nbreak \x7f end";
	assert_int_equal(pivot_status_write(&s, path), 0);

	decoded = python_decode(path);
	assert_string_equal(decoded,
		"[\"O=\\\"Q\\\\uote\\\"\\n\\u0001\\t caf\\u00e9 \\u00ff\\u00ed\\u00a0\\u0080 "
		"\\ud83d\\udd11\", \"line\\r\\nbreak \\u007f end\", 18446744073709551615]\n");
	free(decoded);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* Names in dir other than . and .., joined by spaces. */
static void list_dir(const char *dir, char *out, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t used = 0;

	assert_non_null(d);
	out[0] = '\0';
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			used += (size_t)snprintf(out + used, size - used, "%s%s", used ? " " : "", e->d_name);
	closedir(d);
}

/* The status file at path holds what s formats to, and its directory in
 * nothing else. */
static void expect_status_file(const char *path, const char *in, const struct pivot_status *s)
{
	_cleanup_free_ char *want = format(s);
	_cleanup_free_ uint8_t *data = NULL;
	char names[256];
	size_t len;

	assert_int_equal(cfs_read_file(path, 1 << 20, &data, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(data, want, len);
	list_dir(in, names, sizeof(names));
	assert_string_equal(names, "status.json");
}

static void test_atomic_write(void **state)
{
	char dir[] = "/tmp/test_status.XXXXXX", run[64], cfs[96], path[128];
	struct pivot_status s = { 0 };
	struct stat st;
	mode_t old_umask;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(run, sizeof(run), "%s/run", dir);
	snprintf(cfs, sizeof(cfs), "%s/cfsboot", run);
	snprintf(path, sizeof(path), "%s/status.json", cfs);
	assert_int_equal(mkdir(run, 0755), 0);

	/* A strict umask must not make the status unreadable. */
	old_umask = umask(077);
	fill_booted(&s);
	assert_int_equal(pivot_status_write(&s, path), 0);
	umask(old_umask);

	assert_int_equal(stat(cfs, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	expect_status_file(path, cfs, &s);

	/* A second write replaces the first whole. */
	s = (struct pivot_status){ .error = PIVOT_EXIT_TPM, .message = "no TPM" };
	assert_int_equal(pivot_status_write(&s, path), 0);
	expect_status_file(path, cfs, &s);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(cfs), 0);
	assert_int_equal(rmdir(run), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* A symbolic link at the final name is replaced, never written through. */
static void test_symlink_replaced(void **state)
{
	char dir[] = "/tmp/test_status.XXXXXX", path[64], victim[64];
	struct pivot_status s = { 0 };
	_cleanup_free_ uint8_t *data = NULL;
	struct stat st;
	size_t len;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/status.json", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	fd = open(victim, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_int_equal(symlink("victim", path), 0);

	assert_int_equal(pivot_status_write(&s, path), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(cfs_read_file(victim, 64, &data, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(data, "keep", 4);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(unlink(victim), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* Failures leave nothing behind: no temporary file, no half file. */
static void test_write_failures(void **state)
{
	char dir[] = "/tmp/test_status.XXXXXX", path[96], names[256];
	struct pivot_status s = { 0 };
	const char *log;
	int r, fd;

	(void)state;
	assert_non_null(mkdtemp(dir));

	/* The parent of the status directory is missing. */
	snprintf(path, sizeof(path), "%s/run/cfsboot/status.json", dir);
	capture_start();
	r = pivot_status_write(&s, path);
	log = capture_end();
	assert_int_equal(r, -ENOENT);
	assert_int_equal(count_lines(log), 1);
	assert_contains(log, "cannot create");

	/* The final name is a directory: rename() fails after the write. */
	snprintf(path, sizeof(path), "%s/status.json", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(names, sizeof(names), "%s/status.json/x", dir);
	fd = open(names, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	capture_start();
	r = pivot_status_write(&s, path);
	log = capture_end();
	assert_true(r == -EISDIR || r == -ENOTEMPTY || r == -EEXIST);
	assert_int_equal(count_lines(log), 1);
	assert_contains(log, "cannot rename");
	list_dir(dir, names, sizeof(names));
	assert_string_equal(names, "status.json");

	/* The "directory" is a file. */
	snprintf(names, sizeof(names), "%s/status.json/x", dir);
	snprintf(path, sizeof(path), "%s/status.json/x/status.json", dir);
	capture_start();
	r = pivot_status_write(&s, path);
	log = capture_end();
	assert_int_equal(r, -ENOTDIR);
	assert_int_equal(count_lines(log), 1);

	assert_int_equal(unlink(names), 0);
	snprintf(path, sizeof(path), "%s/status.json", dir);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_exit_names(void **state)
{
	(void)state;
	assert_string_equal(pivot_exit_name(PIVOT_EXIT_OK), "ok");
	assert_string_equal(pivot_exit_name(PIVOT_EXIT_INTERNAL), "internal");
	assert_string_equal(pivot_exit_name(PIVOT_EXIT_CMDLINE), "cmdline");
	assert_string_equal(pivot_exit_name(PIVOT_EXIT_SWITCH_ROOT), "switch-root");
	assert_string_equal(pivot_exit_name(PIVOT_EXIT_ROOTDEV), "rootdev");
	assert_string_equal(pivot_exit_name(PIVOT_EXIT_NO_IMAGE), "no-image");
	/* Every code up to the last has a name: no gaps in the table. */
	for (int i = 0; i <= PIVOT_EXIT_NO_IMAGE; i++)
		assert_non_null(pivot_exit_name(i));
	assert_null(pivot_exit_name(PIVOT_EXIT_NO_IMAGE + 1));
	assert_null(pivot_exit_name(-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_booted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bad_class),
		cmocka_unit_test(test_list_limits),
		cmocka_unit_test(test_bank_value_copied),
		cmocka_unit_test(test_python_parses),
		cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_symlink_replaced),
		cmocka_unit_test(test_write_failures),
		cmocka_unit_test(test_exit_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
