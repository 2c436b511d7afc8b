// SPDX-License-Identifier: MIT
#include "lib/initramfs/initramfs.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/initramfs/decompress.h"

#define NEWC_HEADER 110             /* "070701" and 13 fields of 8 hex digits */
#define NEWC_TRAILER "TRAILER!!!"
#define ENTRIES_MAX (1u << 20)      /* far above any initramfs's file count */

enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR, F_DEVMINOR,
       F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK, N_FIELDS };

/* One buffer being read: the whole initramfs, or what a segment unpacked to. */
struct reader {
	struct cfs_initramfs *ir;
	const char *name;
	const char *where;          /* "" or " of the <kind> segment at byte N" */
	size_t budget;              /* what compressed segments may still unpack to */
};

static size_t pad4(size_t off)
{
	return (off + 3) & ~(size_t)3;
}

static int bad(const struct reader *rd, size_t off, const char *what)
{
	return log_errno(-EBADMSG, "%s is not a valid initramfs: at byte %zu%s, %s (rebuild it with "
			 "dracut or mkinitramfs)", rd->name, off, rd->where, what);
}

static bool parse_fields(const uint8_t *h, uint32_t f[N_FIELDS])
{
	for (size_t i = 0; i < N_FIELDS; i++) {
		uint32_t v = 0;

		for (size_t j = 0; j < 8; j++) {
			uint8_t c = h[6 + 8 * i + j];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

			if (d < 0)
				return false;
			v = v << 4 | (uint32_t)d;
		}
		f[i] = v;
	}
	return true;
}

/* name without its leading "/" and "./"; false for an empty component
 * (other than at the root) or "..". */
static bool normalise(const char *name, char **out)
{
	const char *p = name;

	for (;;) {
		if (p[0] == '/')
			p++;
		else if (p[0] == '.' && (p[1] == '/' || p[1] == '\0'))
			p++;
		else
			break;
	}
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 2 && c[0] == '.' && c[1] == '.') || (n == 1 && c[0] == '.'))
			return false;
		c += n;
		if (*c == '/' && *++c == '\0')
			return false;
	}
	*out = strdup(p);
	return true;
}

static bool type_known(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFCHR: case S_IFBLK: case S_IFIFO:
	case S_IFSOCK:
		return true;
	default:
		return false;
	}
}

static int add_entry(const struct reader *rd, size_t off, const char *name, const uint32_t f[N_FIELDS],
		     const uint8_t *data)
{
	struct cfs_initramfs *ir = rd->ir;
	struct cfs_initramfs_entry *e;
	char *path = NULL;

	if (!normalise(name, &path))
		return bad(rd, off, "an entry's name has an empty, \".\" or \"..\" component");
	if (!path)
		return log_oom();
	if (ir->n_entries >= ENTRIES_MAX) {
		free(path);
		return bad(rd, off, "there are more than a million entries");
	}
	if (ir->n_entries % 256 == 0) {
		e = reallocarray(ir->entries, ir->n_entries + 256, sizeof(*e));
		if (!e) {
			free(path);
			return log_oom();
		}
		ir->entries = e;
	}
	ir->entries[ir->n_entries++] = (struct cfs_initramfs_entry){
		.path = path, .mode = f[F_MODE], .data = data, .size = f[F_FILESIZE],
		.ino = f[F_INO], .dev_major = f[F_DEVMAJOR], .dev_minor = f[F_DEVMINOR],
		.nlink = f[F_NLINK], .archive = ir->n_archives,
	};
	return 0;
}

/* One cpio archive at buf + *pos, up to and with its trailer. */
static int read_archive(const struct reader *rd, const uint8_t *buf, size_t len, size_t *pos)
{
	size_t off = *pos;
	int r;

	for (;;) {
		uint32_t f[N_FIELDS];
		const char *name;
		size_t name_end, data_end;

		if (len - off < NEWC_HEADER)
			return bad(rd, off, "the archive is truncated inside an entry's header");
		if (memcmp(buf + off, "070701", 6) != 0 && memcmp(buf + off, "070702", 6) != 0)
			return bad(rd, off, "an entry does not start with the newc magic 070701 or "
				   "070702 (the archive is truncated or corrupt)");
		if (!parse_fields(buf + off, f))
			return bad(rd, off, "an entry's header has a field that is not hex");
		if (f[F_NAMESIZE] < 2 || f[F_NAMESIZE] > PATH_MAX)
			return bad(rd, off, "an entry's name size is 0 or larger than PATH_MAX");
		if (f[F_NAMESIZE] > len - off - NEWC_HEADER)
			return bad(rd, off, "the archive is truncated inside an entry's name");
		name = (const char *)buf + off + NEWC_HEADER;
		if (strnlen(name, f[F_NAMESIZE]) != f[F_NAMESIZE] - 1)
			return bad(rd, off, "an entry's name is not one NUL-terminated string");
		name_end = pad4(off + NEWC_HEADER + f[F_NAMESIZE]);
		if (name_end > len)
			return bad(rd, off, "the archive is truncated inside an entry's name");
		if (strcmp(name, NEWC_TRAILER) == 0) {
			*pos = name_end;
			return 0;
		}
		if (!type_known(f[F_MODE]))
			return bad(rd, off, "an entry has an unknown file type");
		if (f[F_FILESIZE] && !S_ISREG(f[F_MODE]) && !S_ISLNK(f[F_MODE]))
			return bad(rd, off, "an entry that is not a file or a link has content");
		if (S_ISLNK(f[F_MODE]) && (f[F_FILESIZE] == 0 || f[F_FILESIZE] > PATH_MAX))
			return bad(rd, off, "a symbolic link's target is empty or longer than PATH_MAX");
		if (f[F_FILESIZE] > len - name_end)
			return bad(rd, off, "the archive is truncated inside an entry's content");
		data_end = pad4(name_end + f[F_FILESIZE]);
		if (data_end > len)
			return bad(rd, off, "the archive is truncated after an entry's content");
		if (buf[off + 5] == '2') {
			uint32_t sum = 0;

			for (size_t i = 0; i < f[F_FILESIZE]; i++)
				sum += buf[name_end + i];
			if (sum != f[F_CHECK])
				return bad(rd, off, "an entry's content does not match its checksum");
		}
		r = add_entry(rd, off, name, f, buf + name_end);
		if (r < 0)
			return r;
		off = data_end;
	}
}

/* newc stores a file with several names once, with its last name: the
 * others of the same archive and inode get that content. */
static void share_links(struct cfs_initramfs *ir)
{
	for (size_t i = 0; i < ir->n_entries; i++) {
		struct cfs_initramfs_entry *e = &ir->entries[i];

		if (!S_ISREG(e->mode) || e->nlink < 2 || e->size != 0)
			continue;
		for (size_t j = i + 1; j < ir->n_entries; j++) {
			const struct cfs_initramfs_entry *o = &ir->entries[j];

			if (o->archive == e->archive && o->ino == e->ino && S_ISREG(o->mode) &&
			    o->dev_major == e->dev_major && o->dev_minor == e->dev_minor && o->size) {
				e->data = o->data;
				e->size = o->size;
				break;
			}
		}
	}
}

static int read_segments(struct reader *rd, const uint8_t *buf, size_t len, bool outer);

static int read_compressed(struct reader *rd, const uint8_t *buf, size_t len, size_t *pos)
{
	enum cfs_compression c;
	const char *kind;
	uint8_t *out = NULL, **bufs;
	size_t out_len, used;
	char where[64];
	struct reader inner = *rd;
	int r;

	c = cfs_compression_detect(buf + *pos, len - *pos, &kind);
	if (c == CFS_COMPRESSION_NONE)
		return bad(rd, *pos, "a segment is neither a cpio archive (070701) nor gzip, xz or zstd");
	r = cfs_decompress(c, rd->name, *pos, buf + *pos, len - *pos, rd->budget, &out, &out_len,
			   &used);
	if (r < 0)
		return r;
	bufs = reallocarray(rd->ir->buffers, rd->ir->n_buffers + 1, sizeof(*bufs));
	if (!bufs) {
		free(out);
		return log_oom();
	}
	rd->ir->buffers = bufs;
	bufs[rd->ir->n_buffers++] = out;
	snprintf(where, sizeof(where), " of the %s segment at byte %zu", kind, *pos);
	inner.where = where;
	r = read_segments(&inner, out, out_len, false);
	rd->budget -= out_len;
	*pos += used;
	return r;
}

/* Segments one after the other, zero bytes between them.  A compressed
 * segment holds cpio archives only, as the kernel reads them. */
static int read_segments(struct reader *rd, const uint8_t *buf, size_t len, bool outer)
{
	size_t pos = 0;
	int r;

	while (pos < len) {
		if (buf[pos] == 0) {
			pos++;
			continue;
		}
		if (pos % 4 == 0 && len - pos >= 6 && memcmp(buf + pos, "07070", 5) == 0) {
			r = read_archive(rd, buf, len, &pos);
			rd->ir->n_archives++;
		} else if (outer) {
			r = read_compressed(rd, buf, len, &pos);
		} else {
			r = bad(rd, pos, "the unpacked data holds something other than cpio archives");
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int cfs_initramfs_read(const uint8_t *data, size_t len, const char *name, size_t max,
		       struct cfs_initramfs *out)
{
	struct reader rd = {
		.ir = out, .name = name, .where = "",
		.budget = max ? max : CFS_INITRAMFS_UNPACKED_MAX,
	};
	int r;

	*out = (struct cfs_initramfs){};
	r = read_segments(&rd, data, len, true);
	if (r == 0 && out->n_archives == 0)
		r = bad(&rd, 0, "it holds no cpio archive");
	if (r == 0)
		share_links(out);
	return r;
}

void cfs_initramfs_free(struct cfs_initramfs *ir)
{
	for (size_t i = 0; i < ir->n_entries; i++)
		free(ir->entries[i].path);
	for (size_t i = 0; i < ir->n_buffers; i++)
		free(ir->buffers[i]);
	free(ir->entries);
	free(ir->buffers);
	*ir = (struct cfs_initramfs){};
}

const struct cfs_initramfs_entry *cfs_initramfs_find(const struct cfs_initramfs *ir,
						     const char *path)
{
	path += strspn(path, "/");
	for (size_t i = ir->n_entries; i > 0; i--)
		if (strcmp(ir->entries[i - 1].path, path) == 0)
			return &ir->entries[i - 1];
	return NULL;
}
