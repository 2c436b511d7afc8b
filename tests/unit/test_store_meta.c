// SPDX-License-Identifier: MIT
/* meta.json, composefs-rs's repository metadata: what it writes reads back,
 * what we support is accepted, and every refusal is one line naming why. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/store/meta.h"
#include "capture.h"

/* Parses text; returns the result and leaves the log in captured. */
static int parse(const char *text, struct cfs_store_meta *m)
{
	int r;

	capture_start();
	r = cfs_store_meta_parse(text, strlen(text), "s/meta.json", m);
	capture_end();
	return r;
}

/* One line was logged, and it contains what. */
static void assert_one_line(const char *what)
{
	assert_contains(captured, what);
	assert_int_equal(count_lines(captured), 1);
}

static void test_written_reads_back(void **state)
{
	static const enum cfs_hash_alg algs[] = { CFS_HASH_SHA256, CFS_HASH_SHA512 };
	struct cfs_store_meta m;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		char *text = cfs_store_meta_format(algs[i]);

		assert_non_null(text);
		assert_int_equal(parse(text, &m), 0);
		assert_int_equal(m.version, 1);
		assert_int_equal(m.alg, algs[i]);
		assert_string_equal(m.read_only, "");
		free(text);
	}
}

/* composefs-rs's own file, byte for byte (serde_json's pretty printer). */
static void test_format_is_composefs_rs(void **state)
{
	char *text = cfs_store_meta_format(CFS_HASH_SHA512);

	(void)state;
	assert_string_equal(text,
			    "{\n"
			    "  \"version\": 1,\n"
			    "  \"algorithm\": \"fsverity-sha512-12\",\n"
			    "  \"features\": {\n"
			    "    \"compatible\": [],\n"
			    "    \"read-only-compatible\": [],\n"
			    "    \"incompatible\": []\n"
			    "  }\n"
			    "}\n");
	free(text);
}

static void test_accepted(void **state)
{
	struct cfs_store_meta m;

	(void)state;
	/* features is optional, and so is each list; unknown members and
	 * compatible features are ignored; an older version is fine. */
	assert_int_equal(parse("{\"version\":1,\"algorithm\":\"fsverity-sha256-12\"}", &m), 0);
	assert_int_equal(m.alg, CFS_HASH_SHA256);
	assert_int_equal(parse("{\"algorithm\":\"fsverity-sha512-12\",\"version\":0,"
			       "\"later\":{\"x\":[1]},\"features\":{\"compatible\":[\"new-thing\"]}}",
			       &m), 0);
	assert_int_equal(m.alg, CFS_HASH_SHA512);
	assert_int_equal(m.version, 0);
	assert_int_equal(parse("{\"version\":1,\"algorithm\":\"fsverity-sha256-12\","
			       "\"features\":{\"incompatible\":[]}}", &m), 0);
}

static void test_read_only_feature(void **state)
{
	struct cfs_store_meta m;

	(void)state;
	assert_int_equal(parse("{\"version\":1,\"algorithm\":\"fsverity-sha256-12\","
			       "\"features\":{\"read-only-compatible\":[\"ro-one\",\"ro-two\"]}}", &m), 0);
	assert_string_equal(m.read_only, "ro-one");
	capture_start();
	assert_int_equal(cfs_store_meta_check_writable(&m, "s"), -EROFS);
	capture_end();
	assert_one_line("refusing to write to the store s: its meta.json has the "
			"read-only-compatible feature 'ro-one'");
}

static void test_unsupported(void **state)
{
	static const struct {
		const char *text, *line;
	} bad[] = {
		{ "{\"version\":2,\"algorithm\":\"fsverity-sha256-12\"}",
		  "says repository format version 2, cfsboot knows version 1" },
		{ "{\"version\":1,\"algorithm\":\"fsverity-sha384-12\"}",
		  "names the algorithm 'fsverity-sha384-12'" },
		{ "{\"version\":1,\"algorithm\":\"fsverity-sha256-16\"}",
		  "names the algorithm 'fsverity-sha256-16'" },
		{ "{\"version\":1,\"algorithm\":\"sha256\"}", "names the algorithm 'sha256'" },
		{ "{\"version\":1,\"algorithm\":\"fsverity-sha256-12\","
		  "\"features\":{\"incompatible\":[\"chunked\"]}}",
		  "requires the incompatible feature 'chunked', which cfsboot does not know" },
	};
	struct cfs_store_meta m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].text, &m), -EPROTONOSUPPORT);
		assert_one_line(bad[i].line);
	}
}

static void test_malformed(void **state)
{
	static const struct {
		const char *text, *line;
	} bad[] = {
		{ "", "is not valid JSON" },
		{ "{\"version\":1,", "is not valid JSON" },
		{ "[1]", "not a JSON object" },
		{ "{\"algorithm\":\"fsverity-sha256-12\"}", "\"version\" must be there" },
		{ "{\"version\":-1,\"algorithm\":\"fsverity-sha256-12\"}", "\"version\" must be there" },
		{ "{\"version\":1.5,\"algorithm\":\"fsverity-sha256-12\"}", "\"version\" must be there" },
		{ "{\"version\":\"1\",\"algorithm\":\"fsverity-sha256-12\"}", "\"version\" must be there" },
		{ "{\"version\":1,\"version\":1,\"algorithm\":\"fsverity-sha256-12\"}",
		  "\"version\" must be there, once" },
		{ "{\"version\":1}", "\"algorithm\" must be there" },
		{ "{\"version\":1,\"algorithm\":12}", "\"algorithm\" must be there" },
		{ "{\"version\":1,\"algorithm\":\"fsverity-sha256-12\\u0000\"}",
		  "\"algorithm\" must be there" },
		{ "{\"version\":1,\"algorithm\":\"fsverity-sha256-12\",\"features\":[]}",
		  "\"features\" must be an object" },
		{ "{\"version\":1,\"algorithm\":\"fsverity-sha256-12\",\"features\":"
		  "{\"incompatible\":\"x\"}}", "\"features\" must be an object of lists" },
		{ "{\"version\":1,\"algorithm\":\"fsverity-sha256-12\",\"features\":"
		  "{\"compatible\":[1]}}", "\"features\" must be an object of lists" },
	};
	struct cfs_store_meta m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i].text, &m) != -EBADMSG)
			fail_msg("accepted or misjudged %s", bad[i].text);
		assert_one_line(bad[i].line);
	}
}

/* A feature name too long to show is still refused, shown cut. */
static void test_long_feature(void **state)
{
	char text[512], name[300];
	struct cfs_store_meta m;

	(void)state;
	memset(name, 'f', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(text, sizeof(text), "{\"version\":1,\"algorithm\":\"fsverity-sha256-12\","
		 "\"features\":{\"incompatible\":[\"%s\"]}}", name);
	assert_int_equal(parse(text, &m), -EPROTONOSUPPORT);
	assert_one_line("requires the incompatible feature 'fff");
	assert_contains(captured, "...'");
}

static void test_check_alg(void **state)
{
	struct cfs_store_meta m = { .version = 1, .alg = CFS_HASH_SHA512 }, none = {};

	(void)state;
	assert_int_equal(cfs_store_meta_check_alg(&m, CFS_HASH_SHA512, "s", "x"), 0);
	assert_int_equal(cfs_store_meta_check_alg(&none, CFS_HASH_SHA256, "s", "x"), 0);
	capture_start();
	assert_int_equal(cfs_store_meta_check_alg(&m, CFS_HASH_SHA256, "s", "composefs.digest="),
			 -EPROTONOSUPPORT);
	capture_end();
	assert_one_line("refusing composefs.digest=: a sha256 digest, but s/meta.json says the "
			"store's objects and images are named by sha512 digests");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_written_reads_back),
		cmocka_unit_test(test_format_is_composefs_rs),
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_read_only_feature),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_long_feature),
		cmocka_unit_test(test_check_alg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
