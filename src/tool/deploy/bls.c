// SPDX-License-Identifier: MIT
#include "tool/deploy/bls.h"

#include <stdio.h>
#include <string.h>

#include "lib/base/log.h"
#include "lib/base/parse.h"
#include "lib/base/util.h"
#include "tool/common/atomic_file.h"

#define CONF ".conf"

/* A counter field: decimal digits only, as the loader reads it. */
static int parse_count(const char *s, size_t len, unsigned *out)
{
	char buf[16];
	uint64_t v;

	if (len == 0 || len >= sizeof(buf) || strspn(s, "0123456789") < len)
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (cfs_parse_u64(buf, &v) < 0 || v > 0xffff)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

int bls_name_parse(const char *file, struct bls_name *out)
{
	size_t len = strlen(file), base;
	const char *plus, *dash;

	*out = (struct bls_name){};
	if (len <= strlen(CONF) || strcmp(file + len - strlen(CONF), CONF) != 0)
		return -EINVAL;
	base = len - strlen(CONF);
	plus = memrchr(file, '+', base);
	if (plus) {
		size_t clen = base - (size_t)(plus + 1 - file);

		dash = memchr(plus + 1, '-', clen);
		out->counting = true;
		if (dash) {
			if (parse_count(plus + 1, (size_t)(dash - plus - 1), &out->left) < 0 ||
			    parse_count(dash + 1, base - (size_t)(dash + 1 - file), &out->done) < 0)
				return -EINVAL;
		} else if (parse_count(plus + 1, clen, &out->left) < 0) {
			return -EINVAL;
		}
		base = (size_t)(plus - file);
	}
	if (base == 0)
		return -EINVAL;
	memcpy(out->id, file, base);
	out->id[base] = '\0';
	return 0;
}

int bls_name_format(const struct bls_name *n, char *buf)
{
	int len;

	if (!n->counting)
		len = snprintf(buf, NAME_MAX + 1, "%s" CONF, n->id);
	else if (n->done == 0)
		len = snprintf(buf, NAME_MAX + 1, "%s+%u" CONF, n->id, n->left);
	else
		len = snprintf(buf, NAME_MAX + 1, "%s+%u-%u" CONF, n->id, n->left, n->done);
	if (len < 0 || len > NAME_MAX)
		return log_errno(-ENAMETOOLONG, "the entry name %s with its counter is too long",
				 n->id);
	return 0;
}

static char **field(struct bls_entry *e, const char *key, size_t len)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "title", offsetof(struct bls_entry, title) },
		{ "version", offsetof(struct bls_entry, version) },
		{ "sort-key", offsetof(struct bls_entry, sort_key) },
		{ "linux", offsetof(struct bls_entry, linux_path) },
		{ "initrd", offsetof(struct bls_entry, initrd) },
		{ "options", offsetof(struct bls_entry, options) },
	};

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strlen(keys[i].key) == len && memcmp(keys[i].key, key, len) == 0)
			return (char **)((char *)e + keys[i].off);
	return NULL;
}

int bls_entry_parse(const char *text, struct bls_entry *e)
{
	*e = (struct bls_entry){};
	for (const char *p = text; *p;) {
		const char *eol = strchrnul(p, '\n'), *k = p + strspn(p, " \t");
		size_t klen = strcspn(k, " \t\n");
		const char *v = k + klen + strspn(k + klen, " \t");
		char **f = *k == '#' ? NULL : field(e, k, klen);

		if (f && !*f && v <= eol) {
			*f = strndup(v, (size_t)(eol - v));
			if (!*f) {
				bls_entry_free(e);
				return log_oom();
			}
		}
		p = *eol ? eol + 1 : eol;
	}
	return 0;
}

void bls_entry_free(struct bls_entry *e)
{
	free(e->title);
	free(e->version);
	free(e->sort_key);
	free(e->linux_path);
	free(e->initrd);
	free(e->options);
	*e = (struct bls_entry){};
}

static int fsync_dir(int dirfd, const char *dir)
{
	if (fsync(dirfd) < 0)
		return log_errno(-errno, "cannot sync the directory %s: %m", dir);
	return 0;
}

int bls_entry_write(int dirfd, const char *dir, const char *file, const struct bls_entry *e)
{
	struct atomic_file f;
	_cleanup_free_ char *text = NULL;
	int len, r;

	len = asprintf(&text, "title %s\nversion %s\nsort-key %s\nlinux %s\ninitrd %s\noptions %s\n",
		       e->title, e->version, e->sort_key, e->linux_path, e->initrd, e->options);
	if (len < 0)
		return log_oom();
	r = atomic_file_open(&f, dirfd, dir);
	if (r < 0)
		return r;
	if (write(f.fd, text, (size_t)len) != len) {
		r = log_errno(errno ? -errno : -EIO, "cannot write the entry %s/%s: %m", dir, file);
		atomic_file_discard(&f);
		return r;
	}
	r = atomic_file_commit(&f, file, ATOMIC_FILE_REPLACE, 0, NULL, NULL);
	if (r < 0)
		return r;
	return fsync_dir(dirfd, dir);
}

int bls_rename(int dirfd, const char *dir, const char *from, const char *to)
{
	if (renameat(dirfd, from, dirfd, to) < 0)
		return log_errno(-errno, "cannot rename %s/%s to %s: %m", dir, from, to);
	return fsync_dir(dirfd, dir);
}
