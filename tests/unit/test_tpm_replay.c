// SPDX-License-Identifier: MIT
/*
 * Replaying the measurement log without a TPM: PCR values recomputed from
 * records, against values computed here with OpenSSL directly, and the
 * defects a verifier must notice.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "lib/tpm/tpm.h"
#include "tool/tpm/tpm_replay.h"
#include "capture.h"

#define SHA1   0x0004
#define SHA256 0x000b

static const uint16_t banks[] = { SHA1, SHA256 };

/* EVP digest of a || b, computed without the code under test. */
static void evp2(const EVP_MD *md, const void *a, size_t a_len, const void *b, size_t b_len,
		 uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, md, NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, a, a_len), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, b, b_len), 1);
	assert_int_equal(EVP_DigestFinal_ex(ctx, out, NULL), 1);
	EVP_MD_CTX_free(ctx);
}

static struct cfs_measure_record record(unsigned int pcr, const char *word, bool with_sha1)
{
	struct cfs_measure_record r = { .pcr = pcr, .string = strdup(word) };

	assert_non_null(r.string);
	if (with_sha1) {
		r.digests.d[r.digests.n] = (struct cfs_tpm_digest){ .alg = SHA1, .size = 20 };
		evp2(EVP_sha1(), word, strlen(word), "", 0, r.digests.d[r.digests.n++].bytes);
	}
	r.digests.d[r.digests.n] = (struct cfs_tpm_digest){ .alg = SHA256, .size = 32 };
	evp2(EVP_sha256(), word, strlen(word), "", 0, r.digests.d[r.digests.n++].bytes);
	return r;
}

/* PCR 15 after the given words, from zeros, in one bank. */
static void expect(const EVP_MD *md, size_t size, const char *const *words, size_t n,
		   uint8_t *pcr)
{
	uint8_t d[64];

	memset(pcr, 0, size);
	for (size_t i = 0; i < n; i++) {
		evp2(md, words[i], strlen(words[i]), "", 0, d);
		evp2(md, pcr, size, d, size, pcr);
	}
}

static void test_replay(void **state)
{
	static const char *const w15[] = { "composefs-image:sha256:00", "composefs-signer:none" };
	struct cfs_measure_record r[] = {
		record(15, w15[0], true),
		record(11, "enter-initrd", true),
		record(15, w15[1], true),
	};
	struct cfs_measure_records recs = { .n = 3, .r = r };
	struct tpm_replay rp;
	uint8_t want1[20], want256[32];

	(void)state;
	assert_int_equal(tpm_replay_pcr(&recs, 15, banks, 2, &rp), 0);
	expect(EVP_sha1(), 20, w15, 2, want1);
	expect(EVP_sha256(), 32, w15, 2, want256);
	assert_int_equal(rp.pcr, 15);
	assert_int_equal(rp.records, 2);
	assert_true(rp.complete[0] && rp.complete[1] && rp.content_ok);
	assert_int_equal(rp.value.n, 2);
	assert_int_equal(rp.value.d[0].alg, SHA1);
	assert_memory_equal(rp.value.d[0].bytes, want1, 20);
	assert_memory_equal(rp.value.d[1].bytes, want256, 32);

	/* A PCR no record names keeps its initial value. */
	assert_int_equal(tpm_replay_pcr(&recs, 7, banks, 2, &rp), 0);
	assert_int_equal(rp.records, 0);
	memset(want256, 0, sizeof(want256));
	assert_memory_equal(rp.value.d[1].bytes, want256, 32);
	for (size_t i = 0; i < 3; i++)
		free(r[i].string);
}

/* PCRs 17 to 22 start with every bit set until a dynamic launch. */
static void test_initial_values(void **state)
{
	struct cfs_measure_records none = { 0 };
	struct tpm_replay rp;
	uint8_t ones[32];

	(void)state;
	memset(ones, 0xff, sizeof(ones));
	for (unsigned int pcr = 0; pcr < CFS_TPM_PCRS; pcr++) {
		assert_int_equal(tpm_replay_pcr(&none, pcr, banks, 2, &rp), 0);
		if (pcr >= 17 && pcr <= 22)
			assert_memory_equal(rp.value.d[1].bytes, ones, 32);
		else
			assert_int_equal(rp.value.d[1].bytes[0] | rp.value.d[1].bytes[31], 0);
	}
}

static void test_missing_bank(void **state)
{
	struct cfs_measure_record r[] = { record(15, "a", true), record(15, "b", false) };
	struct cfs_measure_records recs = { .n = 2, .r = r };
	struct tpm_replay rp;
	const char *log;

	(void)state;
	capture_start();
	assert_int_equal(tpm_replay_pcr(&recs, 15, banks, 2, &rp), 0);
	log = capture_end();
	assert_false(rp.complete[0]);
	assert_true(rp.complete[1]);
	assert_contains(log, "record 2 (PCR 15) has no sha1 digest");
	assert_int_equal(count_lines(log), 1);
	free(r[0].string);
	free(r[1].string);
}

/* A record that says one word but carries the digest of another. */
static void test_forged_content(void **state)
{
	struct cfs_measure_record r[] = { record(15, "composefs-signer:none", true) };
	struct cfs_measure_records recs = { .n = 1, .r = r };
	struct tpm_replay rp;
	const char *log;

	(void)state;
	free(r[0].string);
	r[0].string = strdup("composefs-signer:trusted");
	capture_start();
	assert_int_equal(tpm_replay_pcr(&recs, 15, banks, 2, &rp), 0);
	log = capture_end();
	assert_false(rp.content_ok);
	assert_contains(log, "record 1: its sha1 digest is not the digest of its content string "
			     "\"composefs-signer:trusted\"");
	assert_contains(log, "record 1: its sha256 digest");
	free(r[0].string);

	/* Without content (another program's record), nothing to check. */
	r[0].string = NULL;
	assert_int_equal(tpm_replay_pcr(&recs, 15, banks, 2, &rp), 0);
	assert_true(rp.content_ok);
}

static void test_extend_value(void **state)
{
	struct cfs_tpm_digest pcr, d1, d256;
	uint8_t want[32];

	(void)state;
	cfs_tpm_initial_value(15, SHA256, &pcr);
	assert_int_equal(cfs_tpm_hash(SHA256, "x", 1, &d256), 0);
	assert_int_equal(cfs_tpm_hash(SHA1, "x", 1, &d1), 0);
	assert_int_equal(cfs_tpm_extend_value(&pcr, &d256), 0);
	memset(want, 0, sizeof(want));
	evp2(EVP_sha256(), want, 32, d256.bytes, 32, want);
	assert_memory_equal(pcr.bytes, want, 32);
	assert_int_equal(cfs_tpm_extend_value(&pcr, &d1), -EINVAL);
	assert_int_equal(cfs_tpm_hash(0x0012, "x", 1, &d1), -EINVAL);   /* SM3 */
}

static void test_alg_names(void **state)
{
	uint16_t alg;

	(void)state;
	assert_string_equal(cfs_tpm_alg_name(0x000c), "sha384");
	assert_null(cfs_tpm_alg_name(0x0012));
	assert_int_equal(cfs_tpm_alg_from_name("sha512", &alg), 0);
	assert_int_equal(alg, 0x000d);
	assert_int_equal(cfs_tpm_alg_from_name("SHA256", &alg), -EINVAL);
	assert_int_equal(cfs_tpm_alg_size(0x000d), 64);
	assert_int_equal(cfs_tpm_alg_size(0x0012), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_initial_values),
		cmocka_unit_test(test_missing_bank),
		cmocka_unit_test(test_forged_content),
		cmocka_unit_test(test_extend_value),
		cmocka_unit_test(test_alg_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
