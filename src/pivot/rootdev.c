// SPDX-License-Identifier: MIT
/*
 * Finding and mounting the physical root in PID-1 mode.  No udev runs in
 * a minimal initramfs, so there are no /dev/disk/by-* links to follow:
 * each block device the kernel lists in /sys/class/block is probed with
 * libblkid for the identity root= names, again every PID1_ROOT_POLL_MS
 * until it shows up or root-wait runs out.
 */
#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "pid1.h"
#include "rootdev.h"
#include "util.h"

/* The devtmpfs node of a device sysfs lists: a '/' in a kernel device
 * name (cciss/c0d0) is shown as '!' in sysfs. */
static int dev_path(const char *sysname, char *path, size_t size)
{
	int n = snprintf(path, size, "/dev/%s", sysname);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	for (char *p = path; *p; p++)
		if (*p == '!')
			*p = '/';
	return 0;
}

static const char *probe_value(blkid_probe pr, const char *name)
{
	const char *v;

	return blkid_probe_lookup_value(pr, name, &v, NULL) == 0 ? v : NULL;
}

static bool device_matches(const char *dev, const struct pid1_rootspec *spec)
{
	bool partition = spec->kind == PID1_ROOT_PARTUUID || spec->kind == PID1_ROOT_PARTLABEL;
	blkid_probe pr;
	bool match = false;

	/* A device that cannot be opened (no medium, gone again) is not the
	 * root; the next round looks again. */
	pr = blkid_new_probe_from_filename(dev);
	if (!pr)
		return false;
	blkid_probe_enable_superblocks(pr, !partition);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID);
	/* Partition identities come from the parent disk's table, which
	 * libblkid finds through /sys. */
	blkid_probe_enable_partitions(pr, partition);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	if (blkid_do_safeprobe(pr) == 0)
		match = pid1_rootspec_match(spec, probe_value(pr, "UUID"), probe_value(pr, "LABEL"),
					    probe_value(pr, "PART_ENTRY_UUID"),
					    probe_value(pr, "PART_ENTRY_NAME"));
	blkid_free_probe(pr);
	return match;
}

/* One look: 1 and path set when the device is there, 0 when not yet. */
static int find_by_path(const struct pid1_rootspec *spec, char *path, size_t size)
{
	struct stat st;

	if (stat(spec->value, &st) < 0)
		return errno == ENOENT ? 0 : log_errno(-errno, "cannot stat root=%s: %m", spec->word);
	if (!S_ISBLK(st.st_mode))
		return log_errno(-ENOTBLK, "root=%s is not a block device", spec->word);
	if (strlen(spec->value) >= size)
		return log_errno(-ENAMETOOLONG, "root=%s is too long a path", spec->word);
	strcpy(path, spec->value);
	return 1;
}

static int find_by_tag(const struct pid1_rootspec *spec, char *path, size_t size)
{
	char dev[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int r = 0;

	dir = opendir("/sys/class/block");
	if (!dir)
		return log_errno(-errno, "cannot list the block devices in /sys/class/block: %m");
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || dev_path(de->d_name, dev, sizeof(dev)) < 0)
			continue;
		if (!device_matches(dev, spec))
			continue;
		if (r == 1) {
			r = log_errno(-ENOTUNIQ, "root=%s is ambiguous: %s and %s both carry it; "
				      "remove one or name the root by another identity",
				      spec->word, path, dev);
			break;
		}
		if (strlen(dev) >= size)
			continue;
		strcpy(path, dev);
		r = 1;
	}
	closedir(dir);
	return r;
}

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

int pid1_rootdev_wait(const struct pid1_rootspec *spec, unsigned int timeout_s,
		      char *path, size_t size)
{
	const struct timespec poll = { .tv_nsec = PID1_ROOT_POLL_MS * 1000000L };
	unsigned long long start = now_ms();

	for (bool announced = false;; announced = true) {
		int r = spec->kind == PID1_ROOT_PATH ? find_by_path(spec, path, size)
						     : find_by_tag(spec, path, size);
		if (r < 0)
			return r;
		if (r > 0) {
			log_info("root device %s is %s", spec->word, path);
			return 0;
		}
		if (now_ms() - start >= timeout_s * 1000ULL)
			return log_errno(-ETIMEDOUT, "root device %s did not appear within %u s; "
					 "check root= on the kernel command line, that the disk's "
					 "driver is built in or listed in " PID1_MODULES_LIST
					 ", or raise root-wait", spec->word, timeout_s);
		if (!announced)
			log_info("waiting up to %u s for root device %s", timeout_s, spec->word);
		nanosleep(&poll, NULL);
	}
}

/* The file system type libblkid recognises on dev, for a root= without
 * rootfstype=. */
static int probe_type(const char *dev, char *type, size_t size)
{
	const char *t;
	bool found = false;
	blkid_probe pr;
	int r;

	pr = blkid_new_probe_from_filename(dev);
	if (!pr)
		return log_errno(errno ? -errno : -EIO, "cannot open root device %s: %m", dev);
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	r = blkid_do_safeprobe(pr);
	if (r == 0 && (t = probe_value(pr, "TYPE")) && strlen(t) < size) {
		strcpy(type, t);
		found = true;
	}
	blkid_free_probe(pr);
	if (r == -2)
		return log_errno(-EMEDIUMTYPE, "root device %s carries the signatures of more than "
				 "one file system; name its type with rootfstype=", dev);
	if (!found)
		return log_errno(-EMEDIUMTYPE, "cannot tell the file system type of root device %s; "
				 "name it with rootfstype=", dev);
	return 0;
}

/* Tries each type of the comma-separated list (consumed), as the kernel
 * does with rootfstype=; returns 0 or the last failure's negative errno. */
static int mount_types(const char *dev, char *list, const char *flags, const char *sysroot)
{
	char *save = NULL;
	int r = -EINVAL;

	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (mount(dev, sysroot, t, MS_RDONLY, flags) == 0) {
			log_info("mounted root device %s (%s) read-only at %s", dev, t, sysroot);
			return 0;
		}
		r = -errno;
		log_debug("mounting %s as %s failed: %s", dev, t, strerror(errno));
	}
	return r;
}

int pid1_rootdev_mount(const char *dev, const char *rootfstype, const char *rootflags,
		       const char *sysroot)
{
	_cleanup_free_ char *list = NULL;
	char probed[64];
	const char *types = rootfstype;
	int r;

	if (mkdir(sysroot, 0755) < 0 && errno != EEXIST)
		return log_errno(-errno, "cannot create %s for the root device: %m", sysroot);
	if (!types || !*types) {
		r = probe_type(dev, probed, sizeof(probed));
		if (r < 0)
			return r;
		types = probed;
	}
	list = strdup(types);
	if (!list)
		return log_oom();
	r = mount_types(dev, list, rootflags, sysroot);
	if (r < 0)
		return log_errno(r, "cannot mount root device %s (%s%s%s) at %s: %m; check "
				 "rootfstype=, rootflags= and that the file system's module is "
				 "listed in " PID1_MODULES_LIST, dev, types,
				 rootflags ? ", " : "", rootflags ? rootflags : "", sysroot);
	return 0;
}
