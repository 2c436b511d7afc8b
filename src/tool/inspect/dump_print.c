// SPDX-License-Identifier: MIT
/*
 * The composefs dump format, written the way composefs-info writes it so
 * that tools can compare dumps as text:
 *   - fields are separated by one space; a field with no value is "-";
 *   - a backslash is "\\", newline, carriage return and tab are "\n" "\r"
 *     "\t", any other byte outside '!'..'~' is "\xNN" (lowercase);
 *   - an optional field whose value is a lone "-" writes it as "\x2d";
 *   - in xattrs, '=' in the key or the value is "\x3d";
 *   - MTIME is SECONDS.NANOSECONDS, "1.5" meaning one second and five ns.
 */
#include "tool/inspect/dump_print.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/base/array.h"
#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/util.h"

enum {
	ESC_EQUAL = 1 << 0,         /* xattr keys and values */
	ESC_LONE_DASH = 1 << 1,     /* optional fields, where "-" means none */
};

struct path_buf {
	char *buf;
	size_t len, cap;
};

static void put_escaped(FILE *out, const void *data, size_t len, unsigned int flags)
{
	const uint8_t *s = data;

	if ((flags & ESC_LONE_DASH) && len == 1 && s[0] == '-') {
		fputs("\\x2d", out);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		uint8_t c = s[i];

		switch (c) {
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (c <= ' ' || c >= 0x7f || (c == '=' && (flags & ESC_EQUAL)))
				fprintf(out, "\\x%02x", c);
			else
				putc_unlocked(c, out);
		}
	}
}

void dump_escape(FILE *out, const void *data, size_t len)
{
	put_escaped(out, data, len, 0);
}

static void put_optional(FILE *out, const void *data, size_t len)
{
	putc_unlocked(' ', out);
	if (data && len)
		put_escaped(out, data, len, ESC_LONE_DASH);
	else
		putc_unlocked('-', out);
}

/* One line; link is the hard-link entry being printed, or NULL. */
static int print_line(FILE *out, const char *path, size_t path_len, const struct cfs_node *n,
		      const struct cfs_node *link)
{
	char digest[2 * CFS_MAX_DIGEST_SIZE + 1];

	put_escaped(out, path, path_len, 0);
	fprintf(out, " %" PRIu64 " %s%o %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu64 " %" PRId64 ".%" PRIu32,
		n->size, link ? "@" : "", n->mode, n->nlink, n->uid, n->gid, n->rdev,
		n->mtime_sec, n->mtime_nsec);
	if (link) {
		_cleanup_free_ char *target = cfs_node_path(n);

		if (!target)
			return log_oom();
		put_optional(out, target, strlen(target));
	} else {
		put_optional(out, n->payload, n->payload_len);
	}
	put_optional(out, n->content, n->content_len);
	if (n->has_digest) {
		cfs_hex_encode(n->digest, cfs_hash_digest_size(n->digest_alg), digest);
		fprintf(out, " %s", digest);
	} else {
		fputs(" -", out);
	}
	for (size_t i = 0; i < n->n_xattrs; i++) {
		putc_unlocked(' ', out);
		put_escaped(out, n->xattrs[i].key, strlen(n->xattrs[i].key), ESC_EQUAL);
		putc_unlocked('=', out);
		put_escaped(out, n->xattrs[i].value, n->xattrs[i].value_len, ESC_EQUAL);
	}
	putc_unlocked('\n', out);
	return 0;
}

static int path_push(struct path_buf *p, const char *name, size_t len)
{
	if (CFS_GROW(p->buf, p->cap, p->len + 1 + len + 1, 0) < 0)
		return log_oom();
	p->buf[p->len++] = '/';
	memcpy(p->buf + p->len, name, len);
	p->len += len;
	return 0;
}

static int print_node(FILE *out, struct path_buf *path, const struct cfs_node *n)
{
	const struct cfs_node *target = cfs_node_resolve((struct cfs_node *)n);
	size_t saved = path->len;
	int r;

	if (n->parent) {
		r = path_push(path, n->name, n->name_len);
		if (r < 0)
			return r;
	}
	if (path->len == 0)
		r = print_line(out, "/", 1, n, NULL);
	else
		r = print_line(out, path->buf, path->len, target, target != n ? n : NULL);
	for (size_t i = 0; r >= 0 && i < n->n_children; i++)
		r = print_node(out, path, n->children[i]);
	path->len = saved;
	return r;
}

int dump_print(FILE *out, const struct cfs_node *root)
{
	struct path_buf path = {};
	int r;

	flockfile(out);
	r = print_node(out, &path, root);
	funlockfile(out);
	free(path.buf);
	if (r < 0)
		return r;
	if (fflush(out) != 0 || ferror(out))
		return log_errno(errno ? -errno : -EIO, "cannot write the dump: %m");
	return 0;
}
