// SPDX-License-Identifier: MIT
/*
 * The move from images/ to signatures/ is a rename within the store's
 * file system, so at every moment a signature is in exactly one of the two
 * places, and a reader that looked in signatures/ too early finds it there
 * when it looks again (cfs_store_open_signature).  The migration runs under
 * the store's lock, which may be the shared one that another migration
 * holds too: a rename that finds its source gone was done by the other.
 */
#include "lib/store/store_sig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "lib/base/read_file.h"
#include "lib/base/util.h"
#include "lib/store/beneath.h"

int cfs_store_open_signature(int store_fd, const char *hex,
			     char rel[CFS_STORE_SIGNATURE_REL_SIZE])
{
	int fd;

	snprintf(rel, CFS_STORE_SIGNATURE_REL_SIZE, CFS_STORE_SIGNATURE_FMT, hex);
	fd = cfs_open_beneath_regular(store_fd, rel);
	if (fd != -ENOENT)
		return fd;
	snprintf(rel, CFS_STORE_SIGNATURE_REL_SIZE, CFS_STORE_LEGACY_SIGNATURE_FMT, hex);
	fd = cfs_open_beneath_regular(store_fd, rel);
	if (fd != -ENOENT)
		return fd;
	/* A migration may have moved it between the two looks. */
	snprintf(rel, CFS_STORE_SIGNATURE_REL_SIZE, CFS_STORE_SIGNATURE_FMT, hex);
	return cfs_open_beneath_regular(store_fd, rel);
}

int cfs_store_open_signatures(int store_fd, const char *store)
{
	_cleanup_close_ int path_fd = -1, store_rd = -1, fd = -1;
	_cleanup_free_ char *path = NULL;
	bool created;

	if (asprintf(&path, "%s/" CFS_STORE_SIGNATURES, store) < 0)
		return log_oom();
	path_fd = cfs_mkdir_beneath(store_fd, CFS_STORE_SIGNATURES, 0755, &created);
	if (path_fd < 0)
		return cfs_beneath_refusal(path_fd, "the signatures directory", path,
					   "it could not be created");
	fd = cfs_reopen_read(path_fd);
	if (fd < 0)
		return log_errno(fd, "cannot open %s: %m", path);
	/* A signature renamed into a new directory must not vanish with it. */
	if (created) {
		store_rd = cfs_reopen_read(store_fd);
		if (store_rd < 0 || fsync(store_rd) < 0)
			return log_errno(store_rd < 0 ? store_rd : -errno, "cannot sync the store "
					 "%s after creating %s: %m", store, path);
	}
	return TAKE_FD(fd);
}

struct migration {
	int store_fd, images_fd, sigs_fd;
	const char *store;
	char *images, *sigs;            /* for messages */
	unsigned moved, dropped;
};

/* One file of the directory dir_fd (path names it) read whole. */
static int read_whole(int dir_fd, const char *path, const char *name, size_t size, char **out,
		      size_t *len)
{
	_cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return log_errno(-errno, "cannot open %s/%s: %m", path, name);
	return cfs_read_fd(fd, name, size + 1, out, len);
}

/* images/name has a counterpart in signatures/ already: the new one is
 * kept, as only an earlier cfsboot wrote images/, and the old one goes. */
static int drop_legacy(struct migration *m, const char *name)
{
	_cleanup_free_ char *old = NULL, *new = NULL;
	size_t old_len, new_len;
	struct stat st;
	int r;

	if (fstatat(m->images_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : log_errno(-errno, "cannot stat %s/%s: %m", m->images,
						       name);
	r = read_whole(m->images_fd, m->images, name, (size_t)st.st_size, &old, &old_len);
	if (r == 0)
		r = read_whole(m->sigs_fd, m->sigs, name, (size_t)st.st_size, &new, &new_len);
	if (r < 0)
		return r;
	if (old_len != new_len || memcmp(old, new, old_len) != 0)
		log_warning("%s/%s differs from %s/%s: the one in " CFS_STORE_SIGNATURES "/ is "
			    "kept and the old one removed (sign the image again if that is not the "
			    "signature meant)", m->images, name, m->sigs, name);
	if (unlinkat(m->images_fd, name, 0) < 0 && errno != ENOENT)
		return log_errno(-errno, "cannot remove %s/%s: %m", m->images, name);
	m->dropped++;
	return 0;
}

/* One entry of images/: moved when it is a signature. */
static int migrate_one(struct migration *m, const char *name)
{
	char hex[CFS_DIGEST_HEX_LEN + 1];
	struct stat st;

	if (!cfs_layout_signature_hex(name, hex))
		return 0;
	if (fstatat(m->images_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : log_errno(-errno, "cannot stat %s/%s: %m", m->images,
						       name);
	if (!S_ISREG(st.st_mode)) {
		log_warning("%s/%s is not a regular file, so no signature cfsboot wrote: it is left "
			    "where it is, and composefs-rs's gc and fsck stop on it until it is "
			    "removed", m->images, name);
		return 0;
	}
	if (m->sigs_fd < 0) {
		m->sigs_fd = cfs_store_open_signatures(m->store_fd, m->store);
		if (m->sigs_fd < 0)
			return m->sigs_fd;
	}
	if (renameat2(m->images_fd, name, m->sigs_fd, name, RENAME_NOREPLACE) == 0) {
		m->moved++;
		return 0;
	}
	if (errno == ENOENT)
		return 0;
	if (errno == EEXIST)
		return drop_legacy(m, name);
	return log_errno(-errno, "cannot move %s/%s to %s/: %m", m->images, name, m->sigs);
}

static int migrate_dir(struct migration *m, DIR *dir)
{
	struct dirent *e;
	int r = 0;

	while (r == 0 && (errno = 0, e = readdir(dir)))
		r = migrate_one(m, e->d_name);
	if (r == 0 && errno != 0)
		r = log_errno(-errno, "cannot read %s: %m", m->images);
	if (r < 0 || m->moved + m->dropped == 0)
		return r;
	/* The new names are durable before the old ones are gone. */
	if (m->sigs_fd >= 0 && fsync(m->sigs_fd) < 0)
		return log_errno(-errno, "cannot sync %s: %m", m->sigs);
	if (fsync(m->images_fd) < 0)
		return log_errno(-errno, "cannot sync %s: %m", m->images);
	return 0;
}

int cfs_store_migrate_signatures(int store_fd, const char *store)
{
	struct migration m = { .store_fd = store_fd, .images_fd = -1, .sigs_fd = -1,
			       .store = store };
	_cleanup_close_ int path_fd = cfs_open_beneath(store_fd, CFS_STORE_IMAGES, true);
	DIR *dir = NULL;
	int r = 0;

	if (path_fd == -ENOENT)
		return 0;       /* no image yet, so no signature */
	if (asprintf(&m.images, "%s/" CFS_STORE_IMAGES, store) < 0 ||
	    asprintf(&m.sigs, "%s/" CFS_STORE_SIGNATURES, store) < 0)
		r = log_oom();
	else if (path_fd < 0)
		r = cfs_beneath_refusal(path_fd, "the images directory", m.images, "");
	else if ((m.images_fd = cfs_reopen_read(path_fd)) < 0)
		r = log_errno(m.images_fd, "cannot open %s: %m", m.images);
	else if (!(dir = fdopendir(m.images_fd)))
		r = log_errno(-errno, "cannot read %s: %m", m.images);
	else
		r = migrate_dir(&m, dir);
	if (r == 0 && m.moved + m.dropped > 0)
		log_notice("%s: moved %u signatures from " CFS_STORE_IMAGES "/ to "
			   CFS_STORE_SIGNATURES "/ and removed %u old copies of ones already "
			   "there, so that composefs-rs and bootc find only images in "
			   CFS_STORE_IMAGES "/", store, m.moved, m.dropped);
	if (dir)
		closedir(dir);
	else
		cfs_closep(&m.images_fd);
	cfs_closep(&m.sigs_fd);
	free(m.images);
	free(m.sigs);
	return r < 0 ? r : (int)(m.moved + m.dropped);
}
