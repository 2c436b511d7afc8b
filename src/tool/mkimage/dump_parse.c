// SPDX-License-Identifier: MIT
/*
 * The parser reads line by line into the tree, accepting what mkcomposefs
 * 1.0.8 accepts by default and refusing what it refuses (docs/mkimage.md
 * lists the rules), so that a dump gives the same image from either tool.
 * Paths are looked up in a hash map in canonical form ("/a/b"), so that a
 * large dump (100k lines and more) parses in linear time; a hardlink may
 * name a file that comes later, so hardlinks are resolved once every line
 * has been read.
 */
#include "tool/mkimage/dump_parse.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/array.h"
#include "lib/base/log.h"
#include "lib/base/read_file.h"
#include "lib/base/util.h"
#include "lib/image/format.h"
#include "tool/mkimage/dump_field.h"
#include "tool/mkimage/path_map.h"

#define N_FIXED_FIELDS 11
#define DUMP_FILE_MAX  ((size_t)1 << 32)

enum { F_PATH, F_SIZE, F_MODE, F_NLINK, F_UID, F_GID, F_RDEV, F_MTIME,
       F_PAYLOAD, F_CONTENT, F_DIGEST };

struct pending_link {
	struct cfs_node *node;
	char *target;               /* canonical path */
	size_t target_len;
	size_t line;
};

struct parser {
	const char *file;
	enum cfs_hash_alg alg;      /* of the DIGEST fields */
	size_t line;
	struct cfs_node *root;
	struct path_map paths;      /* every path listed so far, canonical */
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

/* Decodes a field's escapes.  Where mkcomposefs takes the field as a C
 * string, what comes after a NUL an escape gives is lost: callers use
 * strlen(); len is for CONTENT and xattr values, which keep every byte. */
static int decode(const struct parser *ps, const char *what, struct dump_span s,
		  char **out, size_t *len)
{
	const char *why;
	int r = dump_unescape(s, out, len, &why);

	if (r == -EINVAL)
		return fail(ps, "%s %s", what, why);
	return r;
}

static int number(const struct parser *ps, struct dump_span s, unsigned base, const char *what,
		  uint64_t *v)
{
	if (dump_number(s, base, v) < 0)
		return fail(ps, "%s '%.*s' is not %s number", what, (int)s.len, s.p,
			    base == 8 ? "an octal" : "a decimal");
	return 0;
}

/* mkcomposefs 1.0.8 tests UID where it means GID and RDEV: a bad GID or
 * RDEV is refused when UID is 0 and otherwise reads as 0. */
static int gid_or_rdev(const struct parser *ps, struct dump_span s, const char *what,
		       uint64_t uid, uint64_t *v)
{
	if (uid == 0)
		return number(ps, s, 10, what, v);
	if (dump_number(s, 10, v) < 0)
		*v = 0;
	return 0;
}

/* SECONDS.NANOSECONDS, each a number; the seconds wrap into a signed
 * 64-bit value and the nanoseconds into 32 bits, as mkcomposefs stores
 * them ("-1.0" is a second before the epoch). */
static int parse_mtime(const struct parser *ps, struct dump_span s, struct cfs_node *node)
{
	const char *dot = memchr(s.p, '.', s.len);
	uint64_t sec, nsec;
	int r;

	if (!dot)
		return fail(ps, "MTIME '%.*s' is not SECONDS.NANOSECONDS", (int)s.len, s.p);
	r = number(ps, (struct dump_span){ s.p, (size_t)(dot - s.p) }, 10, "MTIME", &sec);
	if (r >= 0)
		r = number(ps, (struct dump_span){ dot + 1, (size_t)(s.p + s.len - dot - 1) }, 10,
			   "the nanoseconds of MTIME", &nsec);
	if (r < 0)
		return r;
	node->mtime_sec = (int64_t)sec;
	node->mtime_nsec = (uint32_t)nsec;
	return 0;
}

/* mkcomposefs's budget for the xattrs of one dump line: a 12-byte header
 * and 7 bytes plus key and value per xattr, within 32767 bytes. */
#define XATTR_BUDGET        32767u
#define XATTR_BUDGET_HEADER 12u
#define XATTR_BUDGET_ENTRY  7u

/* KEY=VALUE, split at the first '='; a later KEY replaces an earlier.
 * *cost is the budget used so far. */
static int parse_xattr(const struct parser *ps, struct dump_span s, struct cfs_node *node,
		       size_t *cost)
{
	const struct cfs_xattr *old;
	const char *eq = memchr(s.p, '=', s.len);
	_cleanup_free_ char *key = NULL, *value = NULL;
	size_t key_len, value_len;
	int r;

	if (!eq)
		return fail(ps, "xattr '%.*s' has no '=' between key and value (fields are "
			    "separated by one space)", (int)s.len, s.p);
	r = decode(ps, "an xattr key", (struct dump_span){ s.p, (size_t)(eq - s.p) }, &key, NULL);
	if (r >= 0)
		r = decode(ps, "an xattr value",
				(struct dump_span){ eq + 1, s.len - (size_t)(eq - s.p) - 1 },
				&value, &value_len);
	if (r < 0)
		return r;
	key_len = strlen(key);
	if (key_len == 0 || key_len > CFS_NAME_MAX)
		return fail(ps, "xattr key '%s' is empty or longer than 255 bytes", key);
	old = cfs_node_get_xattr(node, key);
	if (old)
		*cost -= XATTR_BUDGET_ENTRY + key_len + old->value_len;
	*cost += XATTR_BUDGET_ENTRY + key_len + value_len;
	if (*cost > XATTR_BUDGET)
		return fail(ps, "the xattrs take %zu bytes by mkcomposefs's count; it allows %u",
			    *cost, XATTR_BUDGET);
	return cfs_node_set_xattr(node, key, value, value_len);
}

static int parse_xattrs(const struct parser *ps, const char *rest, const char *end,
			struct cfs_node *node)
{
	size_t cost = XATTR_BUDGET_HEADER;
	int r = 0;

	/* mkcomposefs caps the line's xattr part, each xattr costing it a
	 * search of those before. */
	if (end - rest > UINT16_MAX)
		return fail(ps, "the xattrs take %td bytes of the line; at most %u are read",
			    end - rest, UINT16_MAX);
	while (r >= 0 && rest < end) {
		const char *sp = memchr(rest, ' ', (size_t)(end - rest));
		const char *stop = sp ? sp : end;

		r = parse_xattr(ps, (struct dump_span){ rest, (size_t)(stop - rest) }, node, &cost);
		rest = sp ? sp + 1 : end;
	}
	return r;
}

/* ---- one entry --------------------------------------------------------- */

/* PAYLOAD, CONTENT and DIGEST are decoded for every type (a bad escape is
 * refused), but only some types keep them. */
static int parse_data(const struct parser *ps, const struct dump_span *f, uint64_t size,
		      struct cfs_node *node)
{
	_cleanup_free_ char *payload = NULL, *content = NULL, *digest = NULL;
	size_t content_len = 0;
	uint32_t type = cfs_node_type(node);
	int r = 0;

	if (!dump_field_absent(f[F_PAYLOAD]))
		r = decode(ps, "PAYLOAD", f[F_PAYLOAD], &payload, NULL);
	if (r >= 0 && !dump_field_absent(f[F_CONTENT])) {
		r = decode(ps, "CONTENT", f[F_CONTENT], &content, &content_len);
		if (r >= 0 && content_len != size)
			r = fail(ps, "CONTENT has %zu bytes but SIZE says %" PRIu64, content_len, size);
	}
	if (r >= 0 && !dump_field_absent(f[F_DIGEST]))
		r = decode(ps, "DIGEST", f[F_DIGEST], &digest, NULL);
	if (r < 0)
		return r;

	if (type == S_IFLNK) {
		/* The target's length is the size; SIZE and CONTENT do not count. */
		if (!payload || !*payload || strlen(payload) > CFS_SYMLINK_MAX)
			return fail(ps, "a symlink needs its target in PAYLOAD (1..%u bytes)",
				    CFS_SYMLINK_MAX);
		node->size = strlen(payload);
		return cfs_node_set_payload(node, payload, node->size);
	}
	if (payload && strlen(payload) > CFS_SYMLINK_MAX)
		return fail(ps, "PAYLOAD has %zu bytes; a path is limited to %u",
			    strlen(payload), CFS_SYMLINK_MAX);
	if (content_len > DUMP_CONTENT_MAX)
		return fail(ps, "CONTENT has %zu bytes; inline content is limited to %u",
			    content_len, DUMP_CONTENT_MAX);
	node->size = size;
	if (type != S_IFREG)
		return 0;       /* their data fields are ignored, as by mkcomposefs */
	if (payload && *payload)
		r = cfs_node_set_payload(node, payload, strlen(payload));
	if (r >= 0 && content_len > 0)
		r = cfs_node_set_content(node, content, content_len);
	/* The digest counts for a file whose content is in the store. */
	if (r >= 0 && digest && size > 0 && content_len == 0) {
		size_t hex_len = 2 * cfs_hash_digest_size(ps->alg);

		if (dump_digest(digest, ps->alg, node->digest) < 0)
			return fail(ps, "DIGEST '%s' does not start with %zu hex digits (mkcomposefs "
				    "would write undefined bytes for it); give them or '-'", digest,
				    hex_len);
		node->digest_alg = ps->alg;
		node->has_digest = true;
	}
	return r;
}

static int parse_mode(const struct parser *ps, struct dump_span s, uint32_t *mode, bool *hardlink)
{
	uint64_t v;
	int r;

	*hardlink = s.len > 0 && s.p[0] == '@';
	if (*hardlink) {
		s.p++;
		s.len--;
	}
	r = number(ps, s, 8, "MODE", &v);
	if (r < 0)
		return r;
	switch (v & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFCHR:
	case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		break;
	default:
		return fail(ps, "MODE %.*s has no known file type", (int)s.len, s.p);
	}
	/* An image holds 16 bits of mode; mkcomposefs drops the rest. */
	*mode = (uint32_t)v & 0177777u;
	return 0;
}

/* Strips and collapses slashes: "a//b/" is "/a/b", "" is "/". */
static char *canonical_path(const char *path, size_t *len)
{
	char *out = malloc(strlen(path) + 2), *o = out;

	if (!out)
		return NULL;
	for (const char *p = path; *p; p++) {
		if (*p == '/')
			continue;
		if (p == path || p[-1] == '/')
			*o++ = '/';
		*o++ = *p;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	*len = (size_t)(o - out);
	return out;
}

static int add_pending_link(struct parser *ps, struct dump_span payload, struct cfs_node *node)
{
	_cleanup_free_ char *target = NULL;
	struct pending_link *l;
	int r;

	if (S_ISDIR(node->mode))
		return fail(ps, "a directory cannot be a hardlink");
	if (dump_field_absent(payload))
		return fail(ps, "a hardlink needs the path of its target in PAYLOAD");
	r = decode(ps, "PAYLOAD", payload, &target, NULL);
	if (r < 0)
		return r;
	if (CFS_GROW(ps->links, ps->links_cap, ps->n_links + 1, 64) < 0)
		return log_oom();
	l = &ps->links[ps->n_links];
	*l = (struct pending_link){ .node = node, .line = ps->line };
	l->target = canonical_path(target, &l->target_len);
	if (!l->target)
		return log_oom();
	ps->n_links++;
	return 0;
}

/* The fields after MODE.  A hardlink line names its target; nothing else
 * on it counts, not even its xattrs. */
static int parse_fields(struct parser *ps, const struct dump_span *f, const char *rest,
			const char *end, bool hardlink, struct cfs_node *node)
{
	uint64_t size, nlink, uid, gid, rdev;
	int r;

	if (hardlink)
		return add_pending_link(ps, f[F_PAYLOAD], node);
	r = number(ps, f[F_SIZE], 10, "SIZE", &size);
	if (r >= 0)
		r = number(ps, f[F_NLINK], 10, "NLINK", &nlink);
	if (r >= 0)
		r = number(ps, f[F_UID], 10, "UID", &uid);
	if (r >= 0)
		r = gid_or_rdev(ps, f[F_GID], "GID", uid, &gid);
	if (r >= 0)
		r = gid_or_rdev(ps, f[F_RDEV], "RDEV", uid, &rdev);
	if (r >= 0)
		r = parse_mtime(ps, f[F_MTIME], node);
	if (r >= 0)
		r = parse_data(ps, f, size, node);
	if (r < 0)
		return r;
	/* The widths of mkcomposefs's inode: 32 bits each. */
	node->nlink = (uint32_t)nlink;
	node->uid = (uint32_t)uid;
	node->gid = (uint32_t)gid;
	if (S_ISCHR(node->mode) || S_ISBLK(node->mode))
		node->rdev = (uint32_t)rdev;
	return parse_xattrs(ps, rest, end, node);
}

/* Where a new entry goes: its parent directory and its name. */
static int find_parent(struct parser *ps, const char *path, struct cfs_node **parent,
		       char **canon, size_t *canon_len, const char **name)
{
	const char *slash;
	size_t plen;

	if (path[strlen(path) - 1] == '/')
		return fail(ps, "PATH '%s' ends in '/'", path);
	if (!ps->root)
		return fail(ps, "the first entry must be the root directory '/'");
	*canon = canonical_path(path, canon_len);
	if (!*canon)
		return log_oom();
	slash = memrchr(*canon, '/', *canon_len);
	plen = (size_t)(slash - *canon);
	*name = slash + 1;
	if (strcmp(*name, ".") == 0 || strcmp(*name, "..") == 0 || strlen(*name) > CFS_NAME_MAX)
		return fail(ps, "PATH '%s' ends in '.', '..' or a name longer than 255 bytes", path);
	*parent = plen == 0 ? ps->root : path_map_get(&ps->paths, *canon, plen);
	if (!*parent || !S_ISDIR((*parent)->mode))
		return fail(ps, "'%.*s' is not a directory listed before this line", (int)plen, *canon);
	if (path_map_get(&ps->paths, *canon, *canon_len))
		return fail(ps, "'%s' is listed twice", *canon);
	return 0;
}

static int parse_line(struct parser *ps, const char *line, size_t len)
{
	const char *rest = line, *end = line + len, *name = NULL;
	struct dump_span f[N_FIXED_FIELDS];
	_cleanup_free_ char *path = NULL, *canon = NULL;
	struct cfs_node *node, *parent = NULL;
	size_t canon_len = 1;
	bool hardlink;
	int r;

	if (memchr(line, '\0', len))
		return fail(ps, "the line holds a NUL byte");
	/* Fixed fields end at a space; those missing are empty. */
	for (int i = 0; i < N_FIXED_FIELDS; i++) {
		const char *sp = memchr(rest, ' ', (size_t)(end - rest));

		f[i] = (struct dump_span){ rest, (size_t)((sp ? sp : end) - rest) };
		rest = sp ? sp + 1 : end;
	}
	r = decode(ps, "PATH", f[F_PATH], &path, NULL);
	if (r < 0)
		return r;
	if (!*path)
		return fail(ps, "PATH is empty (an empty line?)");
	node = cfs_node_new();
	if (!node)
		return log_oom();
	r = parse_mode(ps, f[F_MODE], &node->mode, &hardlink);
	if (r >= 0 && strcmp(path, "/") == 0) {
		if (ps->root)
			r = fail(ps, "'/' is listed twice");
		else if (!S_ISDIR(node->mode) || hardlink)
			r = fail(ps, "the root '/' must be a directory");
		canon = strdup("/");
		if (r >= 0 && !canon)
			r = log_oom();
	} else if (r >= 0)
		r = find_parent(ps, path, &parent, &canon, &canon_len, &name);
	if (r >= 0)
		r = parse_fields(ps, f, rest, end, hardlink, node);
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
	return path_map_put(&ps->paths, TAKE_PTR(canon), canon_len, node);
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
		/* mkcomposefs writes this as a directory with two names, an
		 * image that is not a tree (cfsboot inspect refuses it). */
		if (S_ISDIR(t->mode))
			return fail(ps, "the hardlink target '%s' is a directory; a directory "
				    "cannot have two names", l->target);
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

int dump_parse(const char *file, const char *text, size_t len, enum cfs_hash_alg alg,
	       struct cfs_node **root)
{
	struct parser ps = { .file = file, .alg = alg };
	const char *p = text, *end = text + len;
	int r = 0;

	/* Every newline ends a line; what follows the last one is a line
	 * too, unless it is empty.  An empty line is refused. */
	while (p < end && r >= 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t line_len = (size_t)((nl ? nl : end) - p);

		ps.line++;
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

static int read_stdin(char **out, size_t *out_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	r = cfs_read_fd(STDIN_FILENO, "standard input", DUMP_FILE_MAX + 1, &buf, &len);
	if (r < 0)
		return r;
	if (len > DUMP_FILE_MAX)
		return log_errno(-EFBIG, "standard input is larger than %zu bytes", DUMP_FILE_MAX);
	*out_len = len;
	*out = TAKE_PTR(buf);
	return 0;
}

int dump_read(const char *path, enum cfs_hash_alg alg, struct cfs_node **root)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	if (strcmp(path, "-") == 0) {
		r = read_stdin(&text, &len);
		path = "<stdin>";
	} else
		r = cfs_read_file(path, DUMP_FILE_MAX, (uint8_t **)&text, &len);
	if (r < 0)
		return r;
	return dump_parse(path, text, len, alg, root);
}
