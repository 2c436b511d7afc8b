// SPDX-License-Identifier: MIT
#include "lib/tpm/measure_log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/base/array.h"
#include "lib/base/hex.h"
#include "lib/base/json_read.h"
#include "lib/base/json_write.h"
#include "lib/base/log.h"
#include "lib/base/read_file.h"
#include "lib/base/util.h"

#define RS '\x1e'   /* RFC 7464 record separator */

/* Tokens of one record: a few dozen in any real one. */
#define RECORD_MAX_TOKENS 1024

struct cfs_measure_log {
	int fd;
	char *path;
	char boot_id[33];       /* "" when unknown */
};

/* The writer's problems are warnings (log_warning_errno): the measurement
 * goes on without the log.  The reader's are errors: a replay without the
 * log fails. */

/* Waits for a flock() at most CFS_MEASURE_LOG_LOCK_MSEC: a writer that
 * hangs must not hang the boot.  The bound is a deadline on the monotonic
 * clock, not a count of sleeps, each of which lasts longer than asked on a
 * loaded machine.  Logs at level. */
static int lock_bounded(int fd, int op, const char *path, int level)
{
	uint64_t deadline = cfs_now_usec() + (uint64_t)CFS_MEASURE_LOG_LOCK_MSEC * 1000;

	for (;;) {
		if (flock(fd, op | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK)
			return cfs_log_full(level, -errno, "cannot lock %s: %m", path);
		if (cfs_now_usec() >= deadline)
			return cfs_log_full(level, -ETIMEDOUT, "%s stayed locked by another process "
					    "for %d ms", path, CFS_MEASURE_LOG_LOCK_MSEC);
		usleep(10000);
	}
}

/* --- writer --------------------------------------------------------- */

/* mkdir -p of the directories above path, 0755. */
static int make_parents(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);

	if (!dir)
		return log_oom();
	for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return log_warning_errno(-errno, "cannot create %s: %m", dir);
		*slash = '/';
	}
	return 0;
}

/* The kernel's boot ID without dashes, as systemd writes it; "" when
 * /proc is not there. */
static void read_boot_id(char out[33])
{
	char buf[64];
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	size_t n = 0;

	out[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f)) {
		for (const char *p = buf; *p && n < 32; p++)
			if (cfs_hex_is_lower(p, 1))
				out[n++] = *p;
	}
	fclose(f);
	out[n == 32 ? 32 : 0] = '\0';
}

int cfs_measure_log_open(const char *path, struct cfs_measure_log **out)
{
	_cleanup_close_ int fd = -1;
	struct cfs_measure_log *l;
	struct stat st;
	int r;

	r = make_parents(path);
	if (r < 0)
		return r;
	/* 0600 although nothing in it is secret: whoever can open the file
	 * can also take its lock and stall every writer. */
	fd = open(path, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return log_warning_errno(-errno, "cannot open the measurement log %s: %m", path);
	r = lock_bounded(fd, LOCK_EX, path, LOG_WARNING);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return log_warning_errno(-errno, "cannot stat %s: %m", path);
	if (!S_ISREG(st.st_mode))
		return log_warning_errno(-EBADFD, "the measurement log %s is not a regular file", path);
	if (st.st_mode & S_ISVTX)
		return log_warning_errno(-ESTALE, "the measurement log %s is marked incomplete (sticky bit "
				  "set): a writer died between extending a PCR and logging it; "
				  "not appending to it", path);
	/* The sticky bit says "write in progress" until close clears it. */
	if (fchmod(fd, 0600 | S_ISVTX) < 0)
		return log_warning_errno(-errno, "cannot mark %s as being written: %m", path);

	l = calloc(1, sizeof(*l));
	if (!l || !(l->path = strdup(path))) {
		free(l);
		fchmod(fd, 0600);
		return log_oom();
	}
	read_boot_id(l->boot_id);
	l->fd = TAKE_FD(fd);
	*out = l;
	return 0;
}

static uint64_t boottime_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int format_record(const struct cfs_measure_log *l, unsigned int pcr,
			 const struct cfs_tpm_digests *digests, const char *word,
			 const char *event_type, char **out, size_t *len)
{
	char hex[CFS_TPM_HEX_MAX];
	FILE *f = open_memstream(out, len);

	if (!f)
		return log_oom();
	fprintf(f, "%c{\"pcr\":%u,\"digests\":[", RS, pcr);
	for (size_t i = 0; i < digests->n; i++) {
		const struct cfs_tpm_digest *d = &digests->d[i];

		cfs_hex_encode(d->bytes, d->size, hex);
		fprintf(f, "%s{\"hashAlg\":\"%s\",\"digest\":\"%s\"}", i ? "," : "",
			cfs_tpm_alg_name(d->alg), hex);
	}
	fputs("],\"content_type\":\"systemd\",\"content\":{\"string\":", f);
	/* Our own strings (measured words, names), escaped all the same. */
	cfs_json_write_string(f, word);
	if (l->boot_id[0])
		fprintf(f, ",\"bootId\":\"%s\"", l->boot_id);
	fprintf(f, ",\"timestamp\":%llu,\"eventType\":", (unsigned long long)boottime_usec());
	cfs_json_write_string(f, event_type);
	fputs("}}\n", f);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return log_oom();
	}
	return 0;
}

int cfs_measure_log_append(struct cfs_measure_log *l, unsigned int pcr,
			   const struct cfs_tpm_digests *digests, const char *word,
			   const char *event_type)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	r = format_record(l, pcr, digests, word, event_type, &text, &len);
	if (r < 0)
		return r;
	r = cfs_write_full(l->fd, text, len);
	if (r < 0)
		return log_warning_errno(r, "cannot append to the measurement log %s: %m", l->path);
	return 0;
}

void cfs_measure_log_close(struct cfs_measure_log *l, bool consistent)
{
	if (!l)
		return;
	if (fsync(l->fd) < 0) {
		log_warning("cannot flush the measurement log %s: %m", l->path);
		consistent = false;
	}
	if (consistent && (fchmod(l->fd, 0600) < 0 || fsync(l->fd) < 0))
		log_warning("cannot clear the sticky bit of the measurement log %s: %m", l->path);
	close(l->fd);   /* releases the lock */
	free(l->path);
	free(l);
}

/* --- reader --------------------------------------------------------- */

struct rec_parser {
	const char *name;
	size_t number;          /* of the record, from 1 */
	struct cfs_json j;
};

__attribute__((format(printf, 2, 3)))
static int bad(const struct rec_parser *p, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return log_errno(-EBADMSG, "%s: record %zu: %s", p->name, p->number, what);
}

/* Member key of object obj, which must be of type want; -ENOENT when it
 * is absent (not logged), -EBADMSG otherwise (logged). */
static int member(const struct rec_parser *p, size_t obj, const char *key, enum cfs_json_type want)
{
	int m = cfs_json_member(&p->j, obj, key);

	if (m == -ENOENT)
		return m;
	if (m < 0)
		return bad(p, "\"%s\" appears twice", key);
	if (p->j.tok[m].type != want)
		return bad(p, "\"%s\" has the wrong type", key);
	return m;
}

static int parse_digest(const struct rec_parser *p, size_t tok, struct cfs_measure_record *rec)
{
	char alg_name[16], hex[CFS_TPM_HEX_MAX + 1];
	struct cfs_tpm_digest *d;
	int a, h, len;
	uint16_t alg;

	if (p->j.tok[tok].type != CFS_JSON_OBJECT)
		return bad(p, "a digest is not an object");
	a = member(p, tok, "hashAlg", CFS_JSON_STRING);
	h = member(p, tok, "digest", CFS_JSON_STRING);
	if (a == -ENOENT || h == -ENOENT)
		return bad(p, "a digest lacks \"hashAlg\" or \"digest\"");
	if (a < 0 || h < 0)
		return -EBADMSG;
	/* A bank we do not know cannot be replayed, nor can it disturb us. */
	if (cfs_json_string(&p->j, a, alg_name, sizeof(alg_name)) < 0 ||
	    cfs_tpm_alg_from_name(alg_name, &alg) < 0)
		return 0;
	for (size_t i = 0; i < rec->digests.n; i++)
		if (rec->digests.d[i].alg == alg)
			return bad(p, "two %s digests", alg_name);
	len = cfs_json_string(&p->j, h, hex, sizeof(hex));
	/* At most one digest per known bank, so there is room. */
	d = &rec->digests.d[rec->digests.n];
	d->alg = alg;
	d->size = (uint8_t)cfs_tpm_alg_size(alg);
	if (len != 2 * d->size || cfs_hex_decode(hex, (size_t)len, d->bytes, d->size) < 0)
		return bad(p, "the %s digest is not %u hex bytes", alg_name, d->size);
	rec->digests.n++;
	return 0;
}

static int parse_digests(const struct rec_parser *p, size_t arr, struct cfs_measure_record *rec)
{
	size_t i = arr + 1;

	for (size_t k = 0; k < p->j.tok[arr].count; k++) {
		int r = parse_digest(p, i, rec);

		if (r < 0)
			return r;
		i = p->j.tok[i].next;
	}
	if (rec->digests.n == 0)
		return bad(p, "no digest of a known bank");
	return 0;
}

/* content.string of a record of content_type "systemd". */
static int parse_content(const struct rec_parser *p, struct cfs_measure_record *rec)
{
	char type[16];
	int t, c, s, len;

	t = member(p, 0, "content_type", CFS_JSON_STRING);
	if (t == -ENOENT)
		return 0;
	if (t < 0)
		return t;
	if (cfs_json_string(&p->j, t, type, sizeof(type)) < 0 || strcmp(type, "systemd") != 0)
		return 0;
	c = member(p, 0, "content", CFS_JSON_OBJECT);
	if (c == -ENOENT)
		return bad(p, "content_type \"systemd\" without \"content\"");
	if (c < 0)
		return c;
	s = member(p, (size_t)c, "string", CFS_JSON_STRING);
	if (s == -ENOENT)
		return 0;
	if (s < 0)
		return s;
	rec->string = malloc(CFS_MEASURE_LOG_STRING_MAX + 1);
	if (!rec->string)
		return log_oom();
	len = cfs_json_string(&p->j, s, rec->string, CFS_MEASURE_LOG_STRING_MAX + 1);
	if (len == -E2BIG)
		return bad(p, "content.string is longer than %d bytes", CFS_MEASURE_LOG_STRING_MAX);
	if (len < 0)
		return bad(p, "content.string holds a NUL or a broken surrogate pair");
	return 0;
}

static int parse_record(struct rec_parser *p, const char *text, size_t len,
			struct cfs_measure_record *rec)
{
	const char *error;
	size_t at;
	uint64_t pcr;
	int r, m;

	r = cfs_json_parse(text, len, RECORD_MAX_TOKENS, &p->j, &error, &at);
	if (r == -ENOMEM)
		return log_oom();
	if (r < 0)
		return bad(p, "not JSON: %s at byte %zu", error, at);
	if (p->j.tok[0].type != CFS_JSON_OBJECT)
		return bad(p, "not a JSON object");

	m = member(p, 0, "pcr", CFS_JSON_NUMBER);
	if (m == -ENOENT)
		return bad(p, "no \"pcr\"");
	if (m < 0)
		return m;
	if (cfs_json_uint(&p->j, (size_t)m, &pcr) < 0 || pcr >= CFS_TPM_PCRS)
		return bad(p, "\"pcr\" is not a PCR number from 0 to %d", CFS_TPM_PCRS - 1);
	rec->pcr = (unsigned int)pcr;

	m = member(p, 0, "digests", CFS_JSON_ARRAY);
	if (m == -ENOENT)
		return bad(p, "no \"digests\"");
	if (m < 0)
		return m;
	r = parse_digests(p, (size_t)m, rec);
	if (r < 0)
		return r;
	return parse_content(p, rec);
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

int cfs_measure_log_parse(const char *name, const char *text, size_t len,
			  struct cfs_measure_records *out)
{
	struct cfs_measure_records recs = { 0 };
	struct rec_parser p = { .name = name };
	const char *end = text + len, *s = text;
	size_t cap = 0;
	int r = 0;

	*out = recs;
	if (len == 0)
		return 0;
	if (*s != RS)
		return log_errno(-EBADMSG, "%s: does not start with a record separator (0x1e)", name);
	while (s < end && r == 0) {
		const char *next = memchr(s + 1, RS, (size_t)(end - s - 1));
		size_t rec_len;

		if (!next)
			next = end;
		rec_len = (size_t)(next - s - 1);
		p.number = recs.n + 1;
		if (recs.n == CFS_MEASURE_LOG_MAX_RECORDS) {
			r = log_errno(-E2BIG, "%s: more than %d records", name,
				      CFS_MEASURE_LOG_MAX_RECORDS);
			break;
		}
		if (blank(s + 1, rec_len)) {
			r = bad(&p, "empty");
			break;
		}
		if (CFS_GROW(recs.r, cap, recs.n + 1, 16) < 0) {
			r = log_oom();
			break;
		}
		recs.r[recs.n] = (struct cfs_measure_record){ 0 };
		r = parse_record(&p, s + 1, rec_len, &recs.r[recs.n]);
		recs.n++;
		cfs_json_free(&p.j);
		s = next;
	}
	if (r < 0) {
		cfs_measure_records_free(&recs);
		return r;
	}
	*out = recs;
	return 0;
}

void cfs_measure_records_free(struct cfs_measure_records *recs)
{
	for (size_t i = 0; i < recs->n; i++)
		free(recs->r[i].string);
	free(recs->r);
	*recs = (struct cfs_measure_records){ 0 };
}

int cfs_measure_log_load(const char *path, struct cfs_measure_records *out, bool *incomplete,
			 int *lock_fd)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	struct stat st;
	size_t len;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return log_errno(-errno, "cannot open the measurement log %s: %m", path);
	}
	r = lock_bounded(fd, LOCK_SH, path, LOG_ERR);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return log_errno(-errno, "cannot stat %s: %m", path);
	if (!S_ISREG(st.st_mode))
		return log_errno(-EBADFD, "the measurement log %s is not a regular file", path);
	if (st.st_size > CFS_MEASURE_LOG_MAX_SIZE)
		return log_errno(-E2BIG, "the measurement log %s has %lld bytes; more than %d are "
				 "refused", path, (long long)st.st_size, CFS_MEASURE_LOG_MAX_SIZE);
	r = cfs_read_fd(fd, path, (size_t)st.st_size, &text, &len);
	if (r < 0)
		return r;
	if (len != (size_t)st.st_size)
		return log_errno(-EIO, "%s shrank while it was locked", path);
	r = cfs_measure_log_parse(path, text, (size_t)st.st_size, out);
	if (r < 0)
		return r;
	*incomplete = st.st_mode & S_ISVTX;
	*lock_fd = TAKE_FD(fd);
	return 0;
}
