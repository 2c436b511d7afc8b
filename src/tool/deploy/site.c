// SPDX-License-Identifier: MIT
/*
 * The loader's order is systemd-boot's for entries of one sort-key: the
 * highest version first, and entries with no tries left after all others.
 * cfsboot's entries all carry sort-key cfsboot and, as version, a serial
 * number one above the highest, given by deploy and rollback: so the
 * entry made last is the default, and moving the default is one atomic
 * rewrite of one entry.
 */
#include "tool/deploy/site.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include "lib/base/hex.h"
#include "lib/base/json_read.h"
#include "lib/base/log.h"
#include "lib/base/parse.h"
#include "lib/base/read_file.h"
#include "lib/base/util.h"
#include "lib/store/beneath.h"
#include "lib/store/layout.h"
#include "lib/store/store_image.h"
#include "lib/store/store_sig.h"
#include "tool/common/dir_names.h"

#define STATUS_MAX  (256 * 1024)
#define CMDLINE_MAX 65536
#define SITE_ROOT_DEFAULT "/sysroot"

void site_init(struct site *s)
{
	*s = (struct site){
		.boot = "/boot",
		.root = SITE_ROOT_DEFAULT,
		.status_file = "/run/cfsboot/status.json",
		.cmdline_file = "/proc/cmdline",
		.entries_fd = -1,
	};
}

bool site_option(struct site *s, int opt, const char *arg)
{
	switch (opt) {
	case SITE_OPT_BOOT: s->boot = arg; return true;
	case SITE_OPT_ROOT: s->root = arg; return true;
	case SITE_OPT_STORE: s->store = arg; return true;
	case SITE_OPT_STATE: s->state = arg; return true;
	case SITE_OPT_STATUS: s->status_file = arg; return true;
	case SITE_OPT_CMDLINE: s->cmdline_file = arg; return true;
	default: return false;
	}
}

/* composefs.digest= of the command line, in its plain hex form. */
static int cmdline_digest(const struct site *s, char *hex)
{
	_cleanup_free_ uint8_t *text = NULL;
	size_t len;
	char *p, *save = NULL;
	int r;

	r = cfs_read_file(s->cmdline_file, CMDLINE_MAX, &text, &len);
	if (r < 0)
		return r;
	for (p = strtok_r((char *)text, " \t\n", &save); p; p = strtok_r(NULL, " \t\n", &save)) {
		const char *v;

		if (strncmp(p, "composefs.digest=", strlen("composefs.digest=")) != 0)
			continue;
		v = p + strlen("composefs.digest=");
		if (strncmp(v, "v1-sha", strlen("v1-sha")) == 0 && strchr(v, ':'))
			v = strchr(v, ':') + 1;
		if (cfs_layout_is_digest_hex(v, strlen(v)))
			snprintf(hex, CFS_DIGEST_HEX_LEN + 1, "%s", v);
	}
	return 0;
}

/* The digest of the status file, when it says the boot succeeded. */
static int status_digest(const struct site *s, char *hex)
{
	_cleanup_free_ uint8_t *text = NULL;
	struct cfs_json j = {};
	const char *err;
	char result[16];
	size_t len, at;
	int r, t, d;

	r = cfs_read_file(s->status_file, STATUS_MAX, &text, &len);
	if (r < 0)
		return r;
	r = cfs_json_parse((const char *)text, len, 4096, &j, &err, &at);
	if (r < 0)
		return log_errno(r, "%s is not the status file cfs-pivot writes (%s at byte %zu)",
				 s->status_file, r == -EBADMSG ? err : "too large", at);
	t = cfs_json_member(&j, 0, "result");
	if (t >= 0 && cfs_json_string(&j, (size_t)t, result, sizeof(result)) > 0 &&
	    strcmp(result, "booted") == 0) {
		d = cfs_json_member(&j, 0, "digest");
		t = d >= 0 ? cfs_json_member(&j, (size_t)d, "value") : d;
		if (t >= 0 && cfs_json_string(&j, (size_t)t, hex, CFS_DIGEST_HEX_LEN + 1) > 0 &&
		    !cfs_layout_is_digest_hex(hex, strlen(hex)))
			hex[0] = '\0';
	}
	cfs_json_free(&j);
	return 0;
}

/* The status file says what cfs-pivot booted; the command line what the
 * loader asked for.  They agree on a system cfs-pivot booted; when they
 * do not, which deployment is running is unknown, and nothing may be
 * changed on a guess. */
static int learn_booted(struct site *s)
{
	char line[CFS_DIGEST_HEX_LEN + 1] = "", status[CFS_DIGEST_HEX_LEN + 1] = "";
	int r;

	r = cmdline_digest(s, line);
	if (r < 0)
		return r;
	if (access(s->status_file, F_OK) == 0) {
		r = status_digest(s, status);
		if (r < 0)
			return r;
		if (strcmp(status, line) != 0)
			return log_errno(-EINVAL, "the command line %s names the image %s but cfs-pivot's "
					 "status %s says %s booted: which deployment runs is unknown; "
					 "name the right files with --cmdline-file and --status-file",
					 s->cmdline_file, line[0] ? line : "(none)", s->status_file,
					 status[0] ? status : "nothing");
	}
	memcpy(s->booted, line, sizeof(line));
	return 0;
}

static bool is_ours(const char *name)
{
	return strncmp(name, SITE_ENTRY_PREFIX, strlen(SITE_ENTRY_PREFIX)) == 0;
}

static int load_one(struct site *s, const char *file, struct deployment *d)
{
	_cleanup_close_ int fd = openat(s->entries_fd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	const char *hex;
	size_t len;
	int r;

	*d = (struct deployment){};
	snprintf(d->file, sizeof(d->file), "%s", file);
	if (bls_name_parse(file, &d->name) < 0)
		return log_errno(-EINVAL, "%s/%s: not an entry name (ID[+LEFT[-DONE]].conf): remove it",
				 s->entries, file);
	hex = d->name.id + strlen(SITE_ENTRY_PREFIX);
	if (!cfs_layout_is_digest_hex(hex, strlen(hex)))
		return log_errno(-EINVAL, "%s/%s: no digest after " SITE_ENTRY_PREFIX ": remove it",
				 s->entries, file);
	snprintf(d->hex, sizeof(d->hex), "%s", hex);
	if (fd < 0)
		return log_errno(-errno, "cannot open the entry %s/%s: %m", s->entries, file);
	r = cfs_read_fd(fd, file, 65536, &text, &len);
	if (r == 0)
		r = bls_entry_parse(text, &d->entry);
	if (r < 0)
		return r;
	if (!d->entry.title || !d->entry.sort_key || !d->entry.linux_path || !d->entry.initrd ||
	    !d->entry.options)
		return log_errno(-EINVAL, "%s/%s lacks one of the keys cfsboot writes (title, "
				 "sort-key, linux, initrd, options): remove it", s->entries, file);
	if (!d->entry.version || cfs_parse_u64(d->entry.version, &d->serial) < 0)
		return log_errno(-EINVAL, "%s/%s: its version is not the serial number cfsboot writes",
				 s->entries, file);
	d->bad = d->name.counting && d->name.left == 0;
	d->booted = strcmp(d->hex, s->booted) == 0;
	return 0;
}

static int order(const void *a, const void *b)
{
	const struct deployment *x = a, *y = b;

	if (x->bad != y->bad)
		return x->bad ? 1 : -1;
	return x->serial < y->serial ? 1 : x->serial > y->serial ? -1 : strcmp(x->hex, y->hex);
}

static void free_list(struct site *s)
{
	for (size_t i = 0; i < s->n; i++)
		bls_entry_free(&s->d[i].entry);
	free(s->d);
	s->d = NULL;
	s->n = 0;
}

int site_reload(struct site *s)
{
	_cleanup_close_ int fd = openat(s->entries_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0;
	DIR *dir;
	int r;

	free_list(s);
	if (fd < 0 || !(dir = fdopendir(fd)))
		return log_errno(-errno, "cannot read %s: %m", s->entries);
	fd = -1;
	r = dir_names(dir, s->entries, is_ours, &names, &n);
	closedir(dir);
	if (r < 0)
		return r;
	s->d = calloc(n ? n : 1, sizeof(*s->d));
	if (!s->d)
		r = log_oom();
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = load_one(s, names[i], &s->d[s->n]);
		if (r < 0)
			bls_entry_free(&s->d[s->n].entry);
		else
			s->n++;
	}
	dir_names_free(names, n);
	if (r == 0)
		qsort(s->d, s->n, sizeof(*s->d), order);
	return r;
}

char *site_store_path(const char *root)
{
	char *p;

	return asprintf(&p, "%s/composefs", root ? root : SITE_ROOT_DEFAULT) < 0 ? NULL : p;
}

int site_open(struct site *s, bool lock)
{
	int r;

	if (!s->store) {
		if (!(s->store_buf = site_store_path(s->root)))
			return log_oom();
		s->store = s->store_buf;
	}
	if (!s->state) {
		if (asprintf(&s->state_buf, "%s/state", s->root) < 0)
			return log_oom();
		s->state = s->state_buf;
	}
	snprintf(s->entries, sizeof(s->entries), "%s/" SITE_ENTRIES, s->boot);
	s->entries_fd = open(s->entries, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->entries_fd < 0)
		return log_errno(-errno, "cannot open %s: %m (is the boot partition mounted at %s? "
				 "name it with --boot; bootctl install makes loader/entries)",
				 s->entries, s->boot);
	if (lock && flock(s->entries_fd, LOCK_EX | LOCK_NB) < 0)
		return log_errno(-errno, "%s is locked: another cfsboot deploy, bless, rollback or gc "
				 "is changing the entries; wait for it, then run this again", s->entries);
	r = learn_booted(s);
	return r < 0 ? r : site_reload(s);
}

void site_close(struct site *s)
{
	free_list(s);
	cfs_closep(&s->entries_fd);
	free(s->store_buf);
	free(s->state_buf);
	site_init(s);
}

const struct deployment *site_default(const struct site *s)
{
	return s->n ? &s->d[0] : NULL;
}

const struct deployment *site_rollback(const struct site *s)
{
	return s->n > 1 && !s->d[1].bad ? &s->d[1] : NULL;
}

const struct deployment *site_booted(const struct site *s)
{
	return s->booted[0] ? site_find(s, s->booted) : NULL;
}

const struct deployment *site_find(const struct site *s, const char *hex)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->d[i].hex, hex) == 0)
			return &s->d[i];
	return NULL;
}

uint64_t site_max_serial(const struct site *s)
{
	uint64_t m = 0;

	for (size_t i = 0; i < s->n; i++)
		m = MAX(m, s->d[i].serial);
	return m;
}

int site_open_signature(const char *store, const char *hex, char **shown)
{
	_cleanup_close_ int dir = open(store, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char rel[CFS_STORE_SIGNATURE_REL_SIZE];
	int fd;

	*shown = NULL;
	if (dir < 0)
		return log_errno(-errno, "cannot open the store %s: %m (name it with --store or "
				 "--root)", store);
	fd = cfs_store_open_signature(dir, hex, rel);
	if (asprintf(shown, "%s/%s", store, rel) < 0) {
		*shown = NULL;
		safe_close(fd);
		return log_oom();
	}
	if (fd >= 0)
		return fd;
	return cfs_beneath_refusal(fd, "the signature", *shown, "cfsboot sign --store or "
				   "cfsboot pull puts it there");
}

int site_open_image(const char *store, const char *hex)
{
	_cleanup_close_ int dir = open(store, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *path = NULL;

	if (dir < 0)
		return log_errno(-errno, "cannot open the store %s: %m (name it with --store or "
				 "--root)", store);
	if (asprintf(&path, "%s/" CFS_STORE_IMAGES "/%s", store, hex) < 0)
		return log_oom();
	return cfs_store_open_image(dir, hex, hex, path, "cfsboot mkimage --store or cfsboot pull "
				    "puts it there");
}

char *site_image_path(const struct site *s, const char *hex, const char *suffix)
{
	char *p;

	return asprintf(&p, "%s/" CFS_STORE_IMAGES "/%s%s", s->store, hex, suffix) < 0 ? NULL : p;
}

char *site_state_path(const struct site *s, const char *hex)
{
	char *p;

	return asprintf(&p, "%s/" CFS_STATE_DEPLOY "/%s", s->state, hex) < 0 ? NULL : p;
}

char *site_files_path(const struct site *s, const char *hex)
{
	char *p;

	return asprintf(&p, "%s/" SITE_FILES "/%s", s->boot, hex) < 0 ? NULL : p;
}
