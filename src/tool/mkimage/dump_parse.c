// SPDX-License-Identifier: MIT
/*
 * The parser reads line by line into the tree.  Paths are looked up in a
 * hash map, so that a large dump (100k lines and more) parses in linear
 * time; a hardlink may name a file that comes later, so hardlinks are
 * resolved once every line has been read.
 */
#include "tool/mkimage/dump_parse.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/image/format.h"
#include "lib/verity/fsverity.h"
#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "tool/mkimage/path_map.h"
#include "lib/base/util.h"

#define N_FIXED_FIELDS 11
#define DUMP_FILE_MAX  ((size_t)1 << 32)

static const char *const field_names[N_FIXED_FIELDS] = {
	"PATH", "SIZE", "MODE", "NLINK", "UID", "GID", "RDEV", "MTIME",
	"PAYLOAD", "CONTENT", "DIGEST",
};
enum { F_PATH, F_SIZE, F_MODE, F_NLINK, F_UID, F_GID, F_RDEV, F_MTIME,
       F_PAYLOAD, F_CONTENT, F_DIGEST };

struct span {
	const char *p;
	size_t len;
};

struct pending_link {
	struct cfs_node *node;
	char *target;
	size_t target_len;
	size_t line;
};

struct parser {
	const char *file;
	size_t line;
	struct cfs_node *root;
	struct path_map paths;      /* every path listed so far */
	struct pending_link *links;
	size_t n_links, links_cap;
};

__attribute__((format(printf, 2, 3)))
static int fail(const struct parser *ps, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return log_errno(-EINVAL, "%s:%zu: %s", ps->file, ps->line, msg);
}

/* ---- fields ------------------------------------------------------------ */

/* Fields are separated by single spaces; returns false after the last. */
static bool next_field(const char **p, const char *end, struct span *out)
{
	const char *sp;

	if (!*p)
		return false;
	sp = memchr(*p, ' ', (size_t)(end - *p));
	out->p = *p;
	out->len = (size_t)((sp ? sp : end) - *p);
	*p = sp ? sp + 1 : NULL;
	return true;
}

static bool is_absent(struct span s)
{
	return s.len == 1 && s.p[0] == '-';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the escapes into a new NUL-terminated buffer. */
static int unescape(const struct parser *ps, const char *what, struct span s,
		    char **out, size_t *out_len)
{
	_cleanup_free_ char *buf = malloc(s.len + 1);
	size_t n = 0;

	if (!buf)
		return log_oom();
	for (size_t i = 0; i < s.len; i++) {
		int hi, lo;

		if (s.p[i] != '\\') {
			buf[n++] = s.p[i];
			continue;
		}
		if (++i == s.len)
			return fail(ps, "%s ends in a lone backslash", what);
		switch (s.p[i]) {
		case '\\': buf[n++] = '\\'; break;
		case 'n':  buf[n++] = '\n'; break;
		case 'r':  buf[n++] = '\r'; break;
		case 't':  buf[n++] = '\t'; break;
		case 'x':
			hi = i + 1 < s.len ? hex_digit(s.p[i + 1]) : -1;
			lo = i + 2 < s.len ? hex_digit(s.p[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return fail(ps, "%s has a \\x escape without two hex digits", what);
			buf[n++] = (char)(hi << 4 | lo);
			i += 2;
			break;
		default:
			return fail(ps, "%s has an unknown escape '\\%c' (\\\\, \\n, \\r, \\t and \\xHH exist)",
				    what, s.p[i]);
		}
	}
	buf[n] = '\0';
	*out_len = n;
	*out = TAKE_PTR(buf);
	return 0;
}

enum number_base { OCT = 8, DEC = 10 };

static int parse_uint(const struct parser *ps, enum number_base base, struct span s,
		      uint64_t max, const char *what, uint64_t *out)
{
	uint64_t v = 0;

	if (s.len == 0)
		return fail(ps, "%s is empty", what);
	for (size_t i = 0; i < s.len; i++) {
		unsigned d = (unsigned)(s.p[i] - '0');

		if (d >= base)
			return fail(ps, "%s '%.*s' is not %s number", what, (int)s.len, s.p,
				    base == OCT ? "an octal" : "a decimal");
		if (v > (max - d) / base)
			return fail(ps, "%s '%.*s' is too large", what, (int)s.len, s.p);
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static int parse_u32(const struct parser *ps, struct span s, const char *what, uint32_t *out)
{
	uint64_t v;
	int r = parse_uint(ps, DEC, s, UINT32_MAX, what, &v);

	*out = (uint32_t)v;
	return r;
}

/* SECONDS[.NANOSECONDS], seconds possibly negative; "1.1" is one second
 * and one nanosecond. */
static int parse_mtime(const struct parser *ps, struct span s, struct cfs_node *node)
{
	const char *dot = memchr(s.p, '.', s.len);
	struct span sec = { s.p, dot ? (size_t)(dot - s.p) : s.len };
	bool negative = sec.len > 0 && sec.p[0] == '-';
	uint64_t secs, nsec = 0;
	int r;

	if (negative) {
		sec.p++;
		sec.len--;
	}
	r = parse_uint(ps, DEC, sec, (uint64_t)INT64_MAX, "MTIME", &secs);
	if (r >= 0 && dot)
		r = parse_uint(ps, DEC, (struct span){ dot + 1, s.len - sec.len - 1 - negative },
			       999999999, "the nanoseconds of MTIME", &nsec);
	if (r < 0)
		return r;
	node->mtime_sec = negative ? -(int64_t)secs : (int64_t)secs;
	node->mtime_nsec = (uint32_t)nsec;
	return 0;
}

/* An absolute path in canonical form: "/" or "/a/b", each component
 * 1..255 bytes, neither "." nor "..". */
static int check_path(const struct parser *ps, const char *what, const char *path, size_t len)
{
	const char *p = path, *end = path + len;

	if (len == 0 || path[0] != '/')
		return fail(ps, "%s '%s' is not an absolute path", what, path);
	if (memchr(path, '\0', len))
		return fail(ps, "%s contains a NUL byte", what);
	if (len == 1)
		return 0;
	while (p < end) {
		const char *c = ++p, *slash = memchr(c, '/', (size_t)(end - c));
		size_t clen = (size_t)((slash ? slash : end) - c);

		if (clen == 0)
			return fail(ps, "%s '%s' has an empty component", what, path);
		if (clen > CFS_NAME_MAX)
			return fail(ps, "%s '%s' has a name longer than 255 bytes", what, path);
		if ((clen == 1 && c[0] == '.') || (clen == 2 && c[0] == '.' && c[1] == '.'))
			return fail(ps, "%s '%s' has a '.' or '..' component", what, path);
		p = c + clen;
	}
	return 0;
}

static int parse_xattr(const struct parser *ps, struct span s, struct cfs_node *node)
{
	const char *eq = memchr(s.p, '=', s.len);
	_cleanup_free_ char *key = NULL, *value = NULL;
	size_t key_len, value_len;
	int r;

	if (!eq)
		return fail(ps, "xattr '%.*s' has no '=' between key and value", (int)s.len, s.p);
	r = unescape(ps, "an xattr key", (struct span){ s.p, (size_t)(eq - s.p) }, &key, &key_len);
	if (r >= 0)
		r = unescape(ps, "an xattr value", (struct span){ eq + 1, s.len - (size_t)(eq - s.p) - 1 },
			     &value, &value_len);
	if (r < 0)
		return r;
	if (key_len == 0 || key_len > CFS_NAME_MAX || strlen(key) != key_len)
		return fail(ps, "xattr key '%s' is empty, longer than 255 bytes or has a NUL byte", key);
	if (value_len > EROFS_XATTR_VALUE_MAX)
		return fail(ps, "the value of xattr '%s' is longer than 65535 bytes", key);
	if (cfs_node_get_xattr(node, key))
		return fail(ps, "xattr '%s' is given twice", key);
	return cfs_node_set_xattr(node, key, value, value_len);
}

/* ---- one line ---------------------------------------------------------- */

static int require_absent(const struct parser *ps, const struct span *f, int field, const char *type)
{
	if (!is_absent(f[field]))
		return fail(ps, "a %s has no %s: the field must be '-'", type, field_names[field]);
	return 0;
}

static int parse_regular(const struct parser *ps, const struct span *f, struct cfs_node *node)
{
	_cleanup_free_ char *payload = NULL, *content = NULL, *digest = NULL;
	size_t payload_len, content_len, digest_len;
	int r = parse_uint(ps, DEC, f[F_SIZE], UINT64_MAX, "SIZE", &node->size);

	if (r >= 0 && !is_absent(f[F_PAYLOAD])) {
		r = unescape(ps, "PAYLOAD", f[F_PAYLOAD], &payload, &payload_len);
		if (r >= 0 && strlen(payload) != payload_len)
			r = fail(ps, "PAYLOAD contains a NUL byte");
		if (r >= 0)
			r = cfs_node_set_payload(node, payload, payload_len);
	}
	if (r >= 0 && !is_absent(f[F_CONTENT])) {
		r = unescape(ps, "CONTENT", f[F_CONTENT], &content, &content_len);
		if (r >= 0 && content_len > CFS_DUMP_CONTENT_MAX)
			r = fail(ps, "CONTENT has %zu bytes; inline content is limited to %u",
				 content_len, CFS_DUMP_CONTENT_MAX);
		if (r >= 0 && content_len != node->size)
			r = fail(ps, "CONTENT has %zu bytes but SIZE says %" PRIu64,
				 content_len, node->size);
		if (r >= 0)
			r = cfs_node_set_content(node, content, content_len);
	}
	if (r >= 0 && !is_absent(f[F_DIGEST])) {
		r = unescape(ps, "DIGEST", f[F_DIGEST], &digest, &digest_len);
		if (r >= 0 && cfs_hex_decode(digest, digest_len, node->digest, CFS_SHA256_DIGEST_SIZE) < 0)
			r = fail(ps, "DIGEST '%s' is not 64 hex digits", digest);
		node->has_digest = r >= 0;
	}
	return r;
}

static int parse_symlink(const struct parser *ps, const struct span *f, struct cfs_node *node)
{
	_cleanup_free_ char *target = NULL;
	size_t len;
	int r;

	if (is_absent(f[F_PAYLOAD]))
		return fail(ps, "a symlink needs its target in PAYLOAD");
	r = unescape(ps, "PAYLOAD", f[F_PAYLOAD], &target, &len);
	if (r < 0)
		return r;
	if (len == 0 || len > CFS_SYMLINK_MAX || strlen(target) != len)
		return fail(ps, "symlink target has %zu bytes or a NUL byte (1..%u bytes allowed)",
			    len, CFS_SYMLINK_MAX);
	node->size = len;
	r = require_absent(ps, f, F_CONTENT, "symlink");
	if (r >= 0)
		r = require_absent(ps, f, F_DIGEST, "symlink");
	if (r >= 0)
		r = cfs_node_set_payload(node, target, len);
	return r;
}

/* Directories, devices, fifos and sockets have no data fields.  Their
 * SIZE is kept all the same: mkcomposefs decides on it whether a device
 * inode can be compact, and byte identity follows. */
static int parse_special(const struct parser *ps, const struct span *f, struct cfs_node *node)
{
	const char *type = S_ISDIR(node->mode) ? "directory" : "special file";
	int r = parse_uint(ps, DEC, f[F_SIZE], UINT64_MAX, "SIZE", &node->size);

	if (r >= 0 && (S_ISCHR(node->mode) || S_ISBLK(node->mode)))
		r = parse_uint(ps, DEC, f[F_RDEV], UINT64_MAX, "RDEV", &node->rdev);
	for (int i = F_PAYLOAD; r >= 0 && i <= F_DIGEST; i++)
		r = require_absent(ps, f, i, type);
	return r;
}

static int parse_mode(const struct parser *ps, struct span s, uint32_t *mode, bool *hardlink)
{
	uint64_t v;
	int r;

	*hardlink = s.len > 0 && s.p[0] == '@';
	if (*hardlink) {
		s.p++;
		s.len--;
	}
	r = parse_uint(ps, OCT, s, 0177777, "MODE", &v);
	if (r < 0)
		return r;
	switch (v & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFCHR:
	case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		break;
	default:
		return fail(ps, "MODE %llo has no known file type", (unsigned long long)v);
	}
	*mode = (uint32_t)v;
	return 0;
}

static int add_pending_link(struct parser *ps, const struct span *f, struct cfs_node *node)
{
	struct pending_link *l;
	int r;

	if (S_ISDIR(node->mode))
		return fail(ps, "a directory cannot be a hardlink");
	if (is_absent(f[F_PAYLOAD]))
		return fail(ps, "a hardlink needs the path of its target in PAYLOAD");
	if (ps->n_links == ps->links_cap) {
		size_t cap = ps->links_cap ? ps->links_cap * 2 : 64;

		l = reallocarray(ps->links, cap, sizeof(*l));
		if (!l)
			return log_oom();
		ps->links = l;
		ps->links_cap = cap;
	}
	l = &ps->links[ps->n_links];
	*l = (struct pending_link){ .node = node, .line = ps->line };
	r = unescape(ps, "PAYLOAD", f[F_PAYLOAD], &l->target, &l->target_len);
	if (r >= 0)
		r = check_path(ps, "the hardlink target", l->target, l->target_len);
	if (r < 0) {
		free(l->target);
		return r;
	}
	ps->n_links++;
	return 0;
}

/* Everything but the path: fills node from the line's fields. */
static int parse_fields(struct parser *ps, const struct span *f, const char *rest,
			const char *end, struct cfs_node *node)
{
	struct span x;
	bool hardlink;
	int r = parse_mode(ps, f[F_MODE], &node->mode, &hardlink);

	if (r < 0)
		return r;
	/* A hardlink line describes its target; only the target path counts. */
	if (hardlink)
		return add_pending_link(ps, f, node);
	r = parse_u32(ps, f[F_NLINK], "NLINK", &node->nlink);
	if (r >= 0)
		r = parse_u32(ps, f[F_UID], "UID", &node->uid);
	if (r >= 0)
		r = parse_u32(ps, f[F_GID], "GID", &node->gid);
	if (r >= 0)
		r = parse_mtime(ps, f[F_MTIME], node);
	if (r < 0)
		return r;
	switch (node->mode & S_IFMT) {
	case S_IFREG:
		r = parse_regular(ps, f, node);
		break;
	case S_IFLNK:
		r = parse_symlink(ps, f, node);
		break;
	default:
		r = parse_special(ps, f, node);
	}
	while (r >= 0 && next_field(&rest, end, &x))
		if (x.len > 0)  /* a trailing space is harmless */
			r = parse_xattr(ps, x, node);
	return r;
}

/* Finds the directory that holds path and the new entry's name in it. */
static int find_parent(struct parser *ps, const char *path, size_t len,
		       struct cfs_node **parent, const char **name)
{
	const char *slash = memrchr(path, '/', len);
	size_t plen = (size_t)(slash - path);

	*parent = plen == 0 ? ps->root : path_map_get(&ps->paths, path, plen);
	*name = slash + 1;
	if (!*parent || !S_ISDIR((*parent)->mode) || (*parent)->link_to)
		return fail(ps, "'%.*s' is not a directory listed before this line", (int)plen, path);
	if (path_map_get(&ps->paths, path, len))
		return fail(ps, "'%s' is listed twice", path);
	return 0;
}

static int parse_line(struct parser *ps, const char *line, size_t len)
{
	const char *rest = line, *end = line + len, *name = NULL;
	struct span f[N_FIXED_FIELDS];
	_cleanup_free_ char *path = NULL;
	struct cfs_node *node, *parent = NULL;
	size_t path_len;
	int r;

	for (int i = 0; i < N_FIXED_FIELDS; i++) {
		if (!next_field(&rest, end, &f[i]))
			return fail(ps, "the line has %d fields; it needs at least %d", i, N_FIXED_FIELDS);
		if (f[i].len == 0)
			return fail(ps, "%s is empty (fields are separated by one space)", field_names[i]);
	}
	r = unescape(ps, "PATH", f[F_PATH], &path, &path_len);
	if (r >= 0)
		r = check_path(ps, "PATH", path, path_len);
	if (r < 0)
		return r;
	if (!ps->root && path_len != 1)
		return fail(ps, "the first entry must be the root directory '/'");
	if (ps->root) {
		r = find_parent(ps, path, path_len, &parent, &name);
		if (r < 0)
			return r;
	}

	node = cfs_node_new();
	if (!node)
		return log_oom();
	r = parse_fields(ps, f, rest, end, node);
	if (r >= 0 && !parent && (!S_ISDIR(node->mode) || node->link_to))
		r = fail(ps, "the root '/' must be a directory");
	if (r >= 0 && parent)
		r = cfs_node_set_name(node, name, strlen(name));
	if (r >= 0 && parent)
		r = cfs_node_add_child(parent, node);
	if (r < 0) {
		/* A pending hardlink would point at the freed node. */
		if (ps->n_links && ps->links[ps->n_links - 1].node == node)
			free(ps->links[--ps->n_links].target);
		cfs_node_free(node);
		return r;
	}
	if (!parent)
		ps->root = node;
	return path_map_put(&ps->paths, TAKE_PTR(path), path_len, node);
}

/* ---- after the last line ----------------------------------------------- */

static int resolve_links(struct parser *ps)
{
	/* First point each hardlink at what its target path names, then
	 * follow chains of hardlinks to the file at their end. */
	for (size_t i = 0; i < ps->n_links; i++) {
		struct pending_link *l = &ps->links[i];

		l->node->link_to = path_map_get(&ps->paths, l->target, l->target_len);
		ps->line = l->line;
		if (!l->node->link_to)
			return fail(ps, "the hardlink target '%s' is not in the file", l->target);
	}
	for (size_t i = 0; i < ps->n_links; i++) {
		struct pending_link *l = &ps->links[i];
		struct cfs_node *t = l->node->link_to;

		ps->line = l->line;
		for (size_t hops = 0; t->link_to; hops++) {
			if (hops > ps->n_links)
				return fail(ps, "the hardlink '%s' is part of a loop", l->target);
			t = t->link_to;
		}
		if (S_ISDIR(t->mode))
			return fail(ps, "the hardlink target '%s' is a directory", l->target);
		l->node->link_to = t;
		l->node->mode = t->mode;
	}
	return 0;
}

static void parser_free(struct parser *ps)
{
	path_map_free(&ps->paths);
	for (size_t i = 0; i < ps->n_links; i++)
		free(ps->links[i].target);
	free(ps->links);
}

int cfs_dump_parse(const char *file, const char *text, size_t len, struct cfs_node **root)
{
	struct parser ps = { .file = file };
	const char *p = text, *end = text + len;
	int r = 0;

	while (p < end && r >= 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t line_len = (size_t)((nl ? nl : end) - p);

		ps.line++;
		if (line_len > 0)
			r = parse_line(&ps, p, line_len);
		p += line_len + 1;
	}
	if (r >= 0 && !ps.root)
		r = log_errno(-EINVAL, "%s: no entries; a dump file starts with the root '/'", file);
	if (r >= 0)
		r = resolve_links(&ps);
	parser_free(&ps);
	if (r < 0) {
		cfs_node_free(ps.root);
		return r;
	}
	*root = ps.root;
	return 0;
}

static int read_stdin(uint8_t **out, size_t *out_len)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;

		if (len == cap) {
			uint8_t *b;

			cap = cap ? cap * 2 : 65536;
			if (cap > DUMP_FILE_MAX)
				return log_errno(-EFBIG, "standard input is larger than %zu bytes",
						 DUMP_FILE_MAX);
			b = realloc(buf, cap);
			if (!b)
				return log_oom();
			buf = b;
		}
		n = read(STDIN_FILENO, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return log_errno(-errno, "cannot read standard input: %m");
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out_len = len;
	*out = TAKE_PTR(buf);
	return 0;
}

int cfs_dump_read(const char *path, struct cfs_node **root)
{
	_cleanup_free_ uint8_t *text = NULL;
	size_t len = 0;
	bool is_stdin = strcmp(path, "-") == 0;
	int r = is_stdin ? read_stdin(&text, &len) : cfs_read_file(path, DUMP_FILE_MAX, &text, &len);

	if (r < 0)
		return r;
	return cfs_dump_parse(is_stdin ? "<stdin>" : path, (const char *)text, len, root);
}
