// SPDX-License-Identifier: MIT
#include "tool/common/atomic_file.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/fsverity.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/image/format.h"
#include "lib/verity/fsverity.h"
#include "lib/base/log.h"
#include "lib/base/util.h"

#define COPY_CHUNK (1u << 20)

int atomic_file_open(struct atomic_file *f, int dirfd, const char *dir)
{
	/* Unique within the process by a counter and among processes by the
	 * pid, taken once, without a system call per file (mkimage creates
	 * thousands); created exclusively, so that a name left by a crashed
	 * process of the same pid, or taken by a forked child, only costs a
	 * retry. */
	static atomic_uint counter;
	static atomic_int pid;

	if (atomic_load(&pid) == 0)
		atomic_store(&pid, (int)getpid());
	for (int tries = 0; tries < 100; tries++) {
		snprintf(f->tmp_name, sizeof(f->tmp_name), ".tmp-%d-%u", atomic_load(&pid),
			 atomic_fetch_add(&counter, 1));
		f->fd = openat(dirfd, f->tmp_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			       0600);
		if (f->fd >= 0) {
			f->dirfd = dirfd;
			f->dir = dir;
			return 0;
		}
		if (errno != EEXIST)
			return log_errno(-errno, "cannot create a file in %s: %m", dir);
	}
	return log_errno(-EEXIST, "cannot create a temporary file in %s", dir);
}

void atomic_file_discard(struct atomic_file *f)
{
	f->fd = safe_close(f->fd);
	if (f->tmp_name[0]) {
		unlinkat(f->dirfd, f->tmp_name, 0);
		f->tmp_name[0] = '\0';
	}
}

static int pwrite_full(int fd, const uint8_t *p, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copies [off, end) with copy_file_range, falling back to read/write when
 * the kernel or file system cannot do it between these two files. */
static int copy_range(int src, int dst, off_t off, off_t end)
{
	_cleanup_free_ uint8_t *buf = NULL;
	bool use_cfr = true;

	while (off < end) {
		size_t want = (size_t)MIN((off_t)COPY_CHUNK, end - off);
		ssize_t n;

		if (use_cfr) {
			loff_t in = off, out = off;

			n = copy_file_range(src, &in, dst, &out, want, 0);
			if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
				      errno == EOPNOTSUPP)) {
				use_cfr = false;
				continue;
			}
		} else {
			if (!buf && !(buf = malloc(COPY_CHUNK)))
				return -ENOMEM;
			n = pread(src, buf, want, off);
			if (n > 0) {
				int r = pwrite_full(dst, buf, (size_t)n, off);

				if (r < 0)
					return r;
			}
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;        /* the source shrank */
		off += n;
	}
	return 0;
}

int atomic_file_copy_from(struct atomic_file *f, int src_fd, const char *src, atomic_bool *no_clone)
{
	struct stat st;
	off_t off = 0;
	int r;

	if (!atomic_load(no_clone)) {
		if (ioctl(f->fd, FICLONE, src_fd) == 0)
			return 0;
		/* The file system cannot clone: it will not for the next file. */
		if (errno == EOPNOTSUPP || errno == ENOTTY || errno == EXDEV || errno == EINVAL)
			atomic_store(no_clone, true);
	}
	if (fstat(src_fd, &st) < 0)
		return log_errno(-errno, "cannot stat %s: %m", src);
	/* A file with all its blocks allocated has no holes to look for. */
	if ((off_t)st.st_blocks * 512 >= st.st_size) {
		r = copy_range(src_fd, f->fd, 0, st.st_size);
		return r < 0 ? log_errno(r, "cannot copy %s to %s: %m", src, f->dir) : 0;
	}
	/* Copy the data segments only; the final size makes the rest holes. */
	while (off < st.st_size) {
		off_t data = lseek(src_fd, off, SEEK_DATA), hole;

		if (data < 0 && errno == ENXIO)
			break;
		if (data < 0)
			data = off;         /* no SEEK_DATA: copy everything */
		hole = lseek(src_fd, data, SEEK_HOLE);
		if (hole < 0 || hole > st.st_size)
			hole = st.st_size;
		r = copy_range(src_fd, f->fd, data, hole);
		if (r < 0)
			return log_errno(r, "cannot copy %s to %s: %m", src, f->dir);
		off = hole;
	}
	if (ftruncate(f->fd, st.st_size) < 0)
		return log_errno(-errno, "cannot copy %s to %s: %m", src, f->dir);
	return 0;
}

/* The kernel's own fs-verity digest of the file against the one expected. */
static int check_measurement(int fd, const struct atomic_file *f, enum cfs_hash_alg alg,
			     const uint8_t *expect)
{
	size_t size = cfs_hash_digest_size(alg);
	struct {
		struct fsverity_digest d;
		uint8_t buf[CFS_MAX_DIGEST_SIZE];
	} m = { .d.digest_size = CFS_MAX_DIGEST_SIZE };

	if (ioctl(fd, FS_IOC_MEASURE_VERITY, &m) < 0)
		return log_errno(-errno, "cannot measure a new file in %s: %m", f->dir);
	if (m.d.digest_algorithm != alg || m.d.digest_size != size ||
	    memcmp(m.d.digest, expect, size) != 0)
		return log_errno(-EBADMSG, "a new file in %s does not have the digest it was hashed to: "
				 "its source changed; build from a tree at rest", f->dir);
	return 0;
}

static int enable_verity(struct atomic_file *f, enum cfs_hash_alg alg, const uint8_t *expect,
			 enum verity_result *result)
{
	struct fsverity_enable_arg arg = {
		.version = 1,
		.hash_algorithm = alg,
		.block_size = CFS_BLOCK_SIZE,
	};
	/* fs-verity refuses a file open for writing: finish closed it. */
	_cleanup_close_ int fd = openat(f->dirfd, f->tmp_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return log_errno(-errno, "cannot reopen a new file in %s: %m", f->dir);
	if (ioctl(fd, FS_IOC_ENABLE_VERITY, &arg) == 0) {
		*result = VERITY_ENABLED;
		return expect ? check_measurement(fd, f, alg, expect) : 0;
	}
	if (errno == EOPNOTSUPP || errno == ENOTTY) {
		*result = VERITY_UNSUPPORTED;
		return 0;
	}
	return log_errno(-errno, "cannot enable fs-verity on a new file in %s: %m", f->dir);
}

/* rename without replacing; where renameat2 flags are not supported, a
 * hard link gives the same guarantee. */
static int rename_noreplace(int dirfd, const char *from, const char *to)
{
	if (renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	if (linkat(dirfd, from, dirfd, to, 0) < 0)
		return -errno;
	unlinkat(dirfd, from, 0);
	return 0;
}

int atomic_file_finish(struct atomic_file *f, bool sync)
{
	int r = 0;

	if (fchmod(f->fd, 0644) < 0 || (sync && fsync(f->fd) < 0))
		r = log_errno(-errno, "cannot write a new file in %s: %m", f->dir);
	else if (close(f->fd) < 0)
		r = log_errno(-errno, "cannot write a new file in %s: %m", f->dir);
	f->fd = -1;
	if (r < 0)
		atomic_file_discard(f);
	return r;
}

int atomic_file_place(struct atomic_file *f, const char *name, unsigned flags,
		      enum cfs_hash_alg alg, const uint8_t *expect, enum verity_result *verity)
{
	int r;

	if (flags & ATOMIC_FILE_VERITY) {
		r = enable_verity(f, alg, expect, verity);
		if (r < 0)
			goto fail;
	}
	if (flags & ATOMIC_FILE_REPLACE) {
		r = renameat(f->dirfd, f->tmp_name, f->dirfd, name) < 0 ? -errno : 0;
	} else {
		r = rename_noreplace(f->dirfd, f->tmp_name, name);
		if (r == -EEXIST) {
			atomic_file_discard(f);
			return 1;
		}
	}
	if (r < 0) {
		log_errno(r, "cannot create %s/%s: %m", f->dir, name);
		goto fail;
	}
	f->tmp_name[0] = '\0';
	return 0;
fail:
	atomic_file_discard(f);
	return r;
}

int atomic_file_commit(struct atomic_file *f, const char *name, unsigned flags,
		       enum cfs_hash_alg alg, const uint8_t *expect, enum verity_result *verity)
{
	int r = atomic_file_finish(f, true);

	return r < 0 ? r : atomic_file_place(f, name, flags, alg, expect, verity);
}

int atomic_file_write(int dirfd, const char *dir, const char *name, const void *data,
		      size_t len, unsigned flags)
{
	struct atomic_file f = { .fd = -1 };
	int r = atomic_file_open(&f, dirfd, dir);

	if (r < 0)
		return r;
	r = cfs_write_full(f.fd, data, len);
	if (r < 0) {
		atomic_file_discard(&f);
		return log_errno(r, "cannot write %s/%s: %m", dir, name);
	}
	r = atomic_file_commit(&f, name, flags & ~ATOMIC_FILE_VERITY, 0, NULL, NULL);
	if (r >= 0 && fsync(dirfd) < 0)
		return log_errno(-errno, "cannot sync %s: %m", dir);
	return r;
}
