// SPDX-License-Identifier: MIT
/* The channel file's format (src/tool/pull/channel.h): what is written
 * reads back, and each defect is refused with its reason. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tool/pull/channel.h"

static const struct channel sample = {
	.name = "stable", .serial = 42, .published = 1000, .expires = 2000,
	.alg = CFS_HASH_SHA256, .digest = { 0xab, 0x01 }, .version = 7, .size = 8192,
	.objects = 3, .object_bytes = 99999,
};

/* text + "\n" + sig + "\n", parsed. */
static int parse(const char *text, const char *sig, struct channel *c, const char **error)
{
	const char *json;
	uint8_t *der = NULL;
	size_t json_len, der_len;
	char *file;
	int r;

	assert_true(asprintf(&file, "%s\n%s\n", text, sig) > 0);
	r = channel_parse(file, strlen(file), c, &json, &json_len, &der, &der_len, error);
	if (r == 0) {
		assert_int_equal(json_len, strlen(text));
		assert_int_equal(der_len, 3);
		assert_memory_equal(der, "abc", 3);
	}
	free(der);
	free(file);
	return r;
}

static void test_round_trip(void **state)
{
	struct channel c;
	const char *error;
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(channel_format(&sample, &text, &len), 0);
	assert_int_equal(len, strlen(text));
	assert_non_null(strstr(text, "\"digest\":\"sha256:ab01000000"));
	assert_int_equal(parse(text, "YWJj", &c, &error), 0);
	assert_memory_equal(&c, &sample, sizeof(c));
	free(text);
}

static void test_refusals(void **state)
{
	static const struct { const char *text, *sig, *why; } bad[] = {
		{ "{\"format\":3}", "YWJj", "format is not 1 or 2" },
		{ "[1]", "YWJj", "not a JSON object" },
		{ "{\"format\":1,\"channel\":\"../x\"}", "YWJj", "channel name" },
		{ "{\"format\":1,\"channel\":\"a\",\"serial\":-1}", "YWJj", "non-negative integer" },
		{ "{\"format\":1,\"channel\":\"a\",\"serial\":1,\"published\":1,\"expires\":1,"
		  "\"image\":{\"digest\":\"sha256:AB\"}}", "YWJj", "ALG:HEX" },
		{ "{\"format\":1,\"channel\":\"a\",\"serial\":1,\"published\":1,\"expires\":1,"
		  "\"image\":{\"digest\":\"md5:00\"}}", "YWJj", "ALG:HEX" },
		{ NULL, "YWJ", "base64" },              /* NULL: a good text */
		{ NULL, "YW=j", "base64" },
		{ NULL, "Y WJj", "base64" },
	};
	struct channel c;
	const char *error;
	char *good;
	size_t len;

	(void)state;
	assert_int_equal(channel_format(&sample, &good, &len), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error = NULL;
		assert_int_equal(parse(bad[i].text ? bad[i].text : good, bad[i].sig, &c, &error),
				 -EBADMSG);
		if (!strstr(error, bad[i].why))
			fail_msg("case %zu: '%s' does not say '%s'", i, error, bad[i].why);
	}
	/* A third line; no newline at all. */
	assert_int_equal(parse(good, "YWJj\nYWJj", &c, &error), -EBADMSG);
	assert_int_equal(channel_parse(good, len, &c, &(const char *){ NULL }, &len,
				       &(uint8_t *){ NULL }, &len, &error), -EBADMSG);
	free(good);
}

/* An encoded repository's channel is format 2 and names its encoding; a
 * format 1 file has none, whatever it says; format 2 must name one. */
static void test_encoding(void **state)
{
	struct channel c, z = sample;
	const char *error;
	char *text, *p;
	size_t len;

	(void)state;
	z.encoding = ENCODING_ZSTD;
	assert_int_equal(channel_format(&z, &text, &len), 0);
	assert_non_null(strstr(text, "{\"format\":2,"));
	assert_non_null(strstr(text, "\"encoding\":\"zstd\","));
	assert_int_equal(parse(text, "YWJj", &c, &error), 0);
	assert_memory_equal(&c, &z, sizeof(c));
	/* Back to format 1: the member is not read, the files are plain. */
	p = strstr(text, "2,");
	p[0] = '1';
	assert_int_equal(parse(text, "YWJj", &c, &error), 0);
	assert_int_equal(c.encoding, ENCODING_NONE);
	/* Format 2 naming none, an unknown encoding, or none at all. */
	p[0] = '2';
	memcpy(strstr(text, "zstd"), "none", 4);
	assert_int_equal(parse(text, "YWJj", &c, &error), -EBADMSG);
	assert_non_null(strstr(error, "encoding"));
	memcpy(strstr(text, "none"), "lz4x", 4);
	assert_int_equal(parse(text, "YWJj", &c, &error), -EBADMSG);
	memcpy(strstr(text, "\"encoding\""), "\"encodinx\"", 10);
	assert_int_equal(parse(text, "YWJj", &c, &error), -EBADMSG);
	free(text);
	/* A plain channel is written as format 1, as before. */
	assert_int_equal(channel_format(&sample, &text, &len), 0);
	assert_non_null(strstr(text, "{\"format\":1,"));
	assert_null(strstr(text, "encoding"));
	free(text);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(channel_name_ok("stable"));
	assert_true(channel_name_ok("edge-2025.1_x"));
	assert_false(channel_name_ok(""));
	assert_false(channel_name_ok(".hidden"));
	assert_false(channel_name_ok("a/b"));
	assert_false(channel_name_ok("a\"b"));
	assert_true(channel_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_false(channel_name_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("channel", tests, NULL, NULL);
}
