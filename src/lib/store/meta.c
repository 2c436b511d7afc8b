// SPDX-License-Identifier: MIT
#include "lib/store/meta.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/json_read.h"
#include "lib/base/log.h"
#include "lib/base/read_file.h"
#include "lib/base/util.h"
#include "lib/store/beneath.h"

/* Enough for a few hundred feature names; the text is bounded anyway. */
#define META_MAX_TOKENS 4096

#define ALG_PREFIX "fsverity-"
#define ALG_LG_BLOCK "-12"   /* 4096-byte blocks: the only size fs-verity digests here use */

/* "fsverity-sha256-12" / "fsverity-sha512-12"; 0 for anything else. */
static enum cfs_hash_alg parse_algorithm(const char *s)
{
	static const enum cfs_hash_alg algs[] = { CFS_HASH_SHA256, CFS_HASH_SHA512 };

	for (size_t i = 0; i < ARRAY_SIZE(algs); i++) {
		char want[32];

		snprintf(want, sizeof(want), ALG_PREFIX "%s" ALG_LG_BLOCK, cfs_hash_name(algs[i]));
		if (strcmp(s, want) == 0)
			return algs[i];
	}
	return 0;
}

/*
 * One list of features, absent or an array of strings.  Returns 0 and the
 * first one in first (empty when none), or -EBADMSG.
 */
static int feature_list(const struct cfs_json *j, size_t features, const char *key,
			char first[CFS_STORE_FEATURE_MAX])
{
	int t = cfs_json_member(j, features, key);
	size_t e;

	first[0] = '\0';
	if (t == -ENOENT)
		return 0;
	if (t < 0 || j->tok[t].type != CFS_JSON_ARRAY)
		return -EBADMSG;
	e = (size_t)t + 1;
	for (size_t i = 0; i < j->tok[t].count; i++, e = j->tok[e].next) {
		char name[CFS_STORE_FEATURE_MAX];
		int r = cfs_json_string(j, e, name, sizeof(name));

		if (r == -EBADMSG)
			return r;
		/* A name too long to show is still a feature: shown cut. */
		if (r == -E2BIG)
			snprintf(name, sizeof(name), "%.*s...", (int)sizeof(name) - 4, j->text + j->tok[e].start);
		if (i == 0)
			memcpy(first, name, sizeof(name));
	}
	return 0;
}

static int parse_features(const struct cfs_json *j, const char *name, struct cfs_store_meta *m)
{
	char incompat[CFS_STORE_FEATURE_MAX], compat[CFS_STORE_FEATURE_MAX];
	int f = cfs_json_member(j, 0, "features");

	if (f == -ENOENT)
		return 0;
	if (f < 0 || j->tok[f].type != CFS_JSON_OBJECT ||
	    feature_list(j, (size_t)f, "compatible", compat) < 0 ||
	    feature_list(j, (size_t)f, "read-only-compatible", m->read_only) < 0 ||
	    feature_list(j, (size_t)f, "incompatible", incompat) < 0)
		return log_errno(-EBADMSG, "%s: \"features\" must be an object of lists of names "
				 "(compatible, read-only-compatible, incompatible)", name);
	if (incompat[0])
		return log_errno(-EPROTONOSUPPORT, "refusing the store: %s requires the "
				 "incompatible feature '%s', which cfsboot does not know (use a "
				 "store without it)", name, incompat);
	return 0;
}

int cfs_store_meta_parse(const char *text, size_t len, const char *name,
			 struct cfs_store_meta *m)
{
	struct cfs_json j = {};
	const char *error = "";
	char alg[32];
	size_t at = 0;
	int r, v, a;

	*m = (struct cfs_store_meta){};
	r = cfs_json_parse(text, len, META_MAX_TOKENS, &j, &error, &at);
	if (r == -ENOMEM)
		return log_oom();
	if (r < 0) {
		log_errno(-EBADMSG, "%s is not valid JSON: %s at byte %zu", name,
			  r == -E2BIG ? "too many values or too deep" : error, at);
		return -EBADMSG;
	}
	r = -EBADMSG;
	if (j.tok[0].type != CFS_JSON_OBJECT) {
		log_errno(r, "%s: not a JSON object", name);
		goto out;
	}
	v = cfs_json_member(&j, 0, "version");
	if (v < 0 || cfs_json_uint(&j, (size_t)v, &m->version) < 0) {
		log_errno(r, "%s: \"version\" must be there, once, a whole number", name);
		goto out;
	}
	a = cfs_json_member(&j, 0, "algorithm");
	if (a < 0 || cfs_json_string(&j, (size_t)a, alg, sizeof(alg)) < 0) {
		log_errno(r, "%s: \"algorithm\" must be there, once, a string such as "
			  "\"fsverity-sha256-12\"", name);
		goto out;
	}
	r = -EPROTONOSUPPORT;
	if (m->version > CFS_STORE_META_VERSION) {
		log_errno(r, "refusing the store: %s says repository format version %" PRIu64
			  ", cfsboot knows version %u (use a newer cfsboot)", name, m->version,
			  CFS_STORE_META_VERSION);
		goto out;
	}
	m->alg = parse_algorithm(alg);
	if (!m->alg) {
		log_errno(r, "refusing the store: %s names the algorithm '%s'; cfsboot supports "
			  "fsverity-sha256-12 and fsverity-sha512-12", name, alg);
		goto out;
	}
	r = parse_features(&j, name, m);
out:
	cfs_json_free(&j);
	return r;
}

int cfs_store_meta_read(int store_fd, const char *store, struct cfs_store_meta *m)
{
	_cleanup_free_ char *name = NULL, *text = NULL;
	_cleanup_close_ int fd = -1;
	size_t len;
	int r;

	*m = (struct cfs_store_meta){};
	if (asprintf(&name, "%s/" CFS_STORE_META, store) < 0) {
		name = NULL;
		return log_oom();
	}
	fd = cfs_open_beneath_regular(store_fd, CFS_STORE_META);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return cfs_beneath_refusal(fd, "the repository metadata", name, "");
	r = cfs_read_fd(fd, name, CFS_STORE_META_MAX + 1, &text, &len);
	if (r < 0)
		return r;
	if (len > CFS_STORE_META_MAX)
		return log_errno(-EFBIG, "%s is larger than %u bytes, which no repository's "
				 "metadata is", name, CFS_STORE_META_MAX);
	r = cfs_store_meta_parse(text, len, name, m);
	return r < 0 ? r : 1;
}

int cfs_store_meta_check_alg(const struct cfs_store_meta *m, enum cfs_hash_alg alg,
			     const char *store, const char *what)
{
	if (!m->alg || m->alg == alg)
		return 0;
	return log_errno(-EPROTONOSUPPORT, "refusing %s: a %s digest, but %s/" CFS_STORE_META
			 " says the store's objects and images are named by %s digests",
			 what, cfs_hash_name(alg), store, cfs_hash_name(m->alg));
}

int cfs_store_meta_check_writable(const struct cfs_store_meta *m, const char *store)
{
	if (!m->read_only[0])
		return 0;
	return log_errno(-EROFS, "refusing to write to the store %s: its " CFS_STORE_META " has "
			 "the read-only-compatible feature '%s', which cfsboot does not know",
			 store, m->read_only);
}

char *cfs_store_meta_format(enum cfs_hash_alg alg)
{
	char *s;

	if (asprintf(&s, "{\n"
			 "  \"version\": %u,\n"
			 "  \"algorithm\": \"" ALG_PREFIX "%s" ALG_LG_BLOCK "\",\n"
			 "  \"features\": {\n"
			 "    \"compatible\": [],\n"
			 "    \"read-only-compatible\": [],\n"
			 "    \"incompatible\": []\n"
			 "  }\n"
			 "}\n", CFS_STORE_META_VERSION, cfs_hash_name(alg)) < 0)
		return NULL;
	return s;
}
