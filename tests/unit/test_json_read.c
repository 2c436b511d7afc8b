// SPDX-License-Identifier: MIT
/* The strict JSON reader: what RFC 8259 allows, what it refuses, decoding
 * of strings and numbers, member lookup, and the bounds on untrusted text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/base/json_read.h"

static int parse(const char *text, struct cfs_json *j)
{
	const char *error = NULL;
	size_t at = 0;

	return cfs_json_parse(text, strlen(text), 1000, j, &error, &at);
}

static void test_valid(void **state)
{
	static const char *const ok[] = {
		"0", "-0", "12.5e-3", "1E+9", "true", "false", "null", "\"\"", "[]", "{}",
		" \t\r\n[ 1 , \"a\" , { \"k\" : [ null ] } ]\n",
		"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"",
		"{\"a\":{\"b\":{\"c\":[[[]]]}}}",
	};
	struct cfs_json j;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (parse(ok[i], &j) != 0)
			fail_msg("refused valid JSON %s", ok[i]);
		cfs_json_free(&j);
	}
}

static void test_invalid(void **state)
{
	static const struct {
		const char *text, *error;
	} bad[] = {
		{ "", "unexpected end" },
		{ "01", "text after the value" },
		{ "1.", "bad number" },
		{ "-", "bad number" },
		{ "1e", "bad number" },
		{ "+1", "unexpected character" },
		{ "tru", "unexpected character" },
		{ "nul", "unexpected character" },
		{ "[1,]", "unexpected character" },
		{ "[1 2]", "expected ',' or ']'" },
		{ "{\"a\" 1}", "expected ':'" },
		{ "{\"a\":1,}", "expected a member name" },
		{ "{1:2}", "expected a member name" },
		{ "\"abc", "unterminated string" },
		{ "\"a\tb\"", "control character in a string" },
		{ "\"\\x\"", "bad escape in a string" },
		{ "\"\\u12\"", "bad \\u escape" },
		{ "\"\\u12g4\"", "bad \\u escape" },
		{ "{} {}", "text after the value" },
		{ "'a'", "unexpected character" },
	};
	struct cfs_json j;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *error = NULL;
		size_t at;
		int r = cfs_json_parse(bad[i].text, strlen(bad[i].text), 100, &j, &error, &at);

		if (r != -EBADMSG || !error || strcmp(error, bad[i].error) != 0)
			fail_msg("'%s': %d, \"%s\" (wanted \"%s\")", bad[i].text, r,
				 error ? error : "", bad[i].error);
		assert_null(j.tok);
	}
}

/* A NUL byte inside the text is a character like any other, not an end. */
static void test_embedded_nul(void **state)
{
	static const char text[] = "[1]\0";
	const char *error;
	struct cfs_json j;
	size_t at;

	(void)state;
	assert_int_equal(cfs_json_parse(text, sizeof(text) - 1, 10, &j, &error, &at), -EBADMSG);
	assert_int_equal(at, 3);
}

static void test_limits(void **state)
{
	char deep[2 * CFS_JSON_MAX_DEPTH + 3];
	const char *error;
	struct cfs_json j;
	size_t at;

	(void)state;
	/* At the depth limit: accepted; one deeper: refused, not recursed. */
	memset(deep, '[', CFS_JSON_MAX_DEPTH);
	memset(deep + CFS_JSON_MAX_DEPTH, ']', CFS_JSON_MAX_DEPTH);
	deep[2 * CFS_JSON_MAX_DEPTH] = '\0';
	assert_int_equal(cfs_json_parse(deep, strlen(deep), 1000, &j, &error, &at), 0);
	cfs_json_free(&j);
	memset(deep, '[', CFS_JSON_MAX_DEPTH + 1);
	memset(deep + CFS_JSON_MAX_DEPTH + 1, ']', CFS_JSON_MAX_DEPTH + 1);
	deep[2 * CFS_JSON_MAX_DEPTH + 2] = '\0';
	assert_int_equal(cfs_json_parse(deep, strlen(deep), 1000, &j, &error, &at), -E2BIG);
	assert_string_equal(error, "nested too deeply");

	assert_int_equal(cfs_json_parse("[1,2,3]", 7, 4, &j, &error, &at), 0);
	cfs_json_free(&j);
	assert_int_equal(cfs_json_parse("[1,2,3,4]", 9, 4, &j, &error, &at), -E2BIG);
	assert_string_equal(error, "too many values");
}

static void test_tokens(void **state)
{
	struct cfs_json j;

	(void)state;
	assert_int_equal(parse("{\"a\":[1,{\"b\":2}],\"c\":\"x\"}", &j), 0);
	assert_int_equal(j.n, 9);
	assert_int_equal(j.tok[0].type, CFS_JSON_OBJECT);
	assert_int_equal(j.tok[0].count, 2);
	assert_int_equal(j.tok[0].next, 9);
	assert_int_equal(j.tok[2].type, CFS_JSON_ARRAY);
	assert_int_equal(j.tok[2].count, 2);
	assert_int_equal(j.tok[2].next, 7);
	assert_int_equal(cfs_json_member(&j, 0, "c"), 8);
	assert_int_equal(cfs_json_member(&j, 0, "a"), 2);
	assert_int_equal(cfs_json_member(&j, 4, "b"), 6);
	assert_int_equal(cfs_json_member(&j, 0, "b"), -ENOENT);
	assert_int_equal(cfs_json_member(&j, 2, "a"), -EBADMSG);   /* not an object */
	cfs_json_free(&j);
}

/* A key given twice could mean either value: refused when looked up. */
static void test_duplicate_key(void **state)
{
	struct cfs_json j;

	(void)state;
	assert_int_equal(parse("{\"pcr\":15,\"p\\u0063r\":11}", &j), 0);
	assert_int_equal(cfs_json_member(&j, 0, "pcr"), -EBADMSG);
	cfs_json_free(&j);
}

static void test_strings(void **state)
{
	char buf[16], big[17];
	struct cfs_json j;

	(void)state;
	assert_int_equal(parse("[\"a\\\"\\\\\\/\\b\\f\\n\\r\\tz\",\"\\u00e9\\u20ac\\ud83d\\ude00\","
			       "\"\\u0000\",\"\\ud83d\",\"\\ude00\",\"\\ud83dx\",\"0123456789abcdef\",1]",
			       &j), 0);
	assert_int_equal(cfs_json_string(&j, 1, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "a\"\\/\b\f\n\r\tz");
	assert_int_equal(cfs_json_string(&j, 2, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	assert_int_equal(cfs_json_string(&j, 3, buf, sizeof(buf)), -EBADMSG);   /* NUL */
	assert_int_equal(cfs_json_string(&j, 4, buf, sizeof(buf)), -EBADMSG);   /* lone high */
	assert_int_equal(cfs_json_string(&j, 5, buf, sizeof(buf)), -EBADMSG);   /* lone low */
	assert_int_equal(cfs_json_string(&j, 6, buf, sizeof(buf)), -EBADMSG);
	assert_int_equal(cfs_json_string(&j, 7, buf, sizeof(buf)), -E2BIG);     /* 16 + NUL */
	assert_int_equal(cfs_json_string(&j, 7, big, sizeof(big)), 16);
	assert_string_equal(big, "0123456789abcdef");
	assert_int_equal(cfs_json_string(&j, 8, buf, sizeof(buf)), -EBADMSG);   /* a number */
	assert_int_equal(cfs_json_string(&j, 99, buf, sizeof(buf)), -EBADMSG);
	cfs_json_free(&j);
}

static void test_uint(void **state)
{
	struct cfs_json j;
	uint64_t v;

	(void)state;
	assert_int_equal(parse("[0,18446744073709551615,18446744073709551616,-1,1.5,1e3,\"1\"]",
			       &j), 0);
	assert_int_equal(cfs_json_uint(&j, 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cfs_json_uint(&j, 2, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(cfs_json_uint(&j, 3, &v), -ERANGE);
	assert_int_equal(cfs_json_uint(&j, 4, &v), -EBADMSG);
	assert_int_equal(cfs_json_uint(&j, 5, &v), -EBADMSG);
	assert_int_equal(cfs_json_uint(&j, 6, &v), -EBADMSG);
	assert_int_equal(cfs_json_uint(&j, 7, &v), -EBADMSG);
	cfs_json_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_uint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
