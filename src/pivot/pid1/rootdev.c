// SPDX-License-Identifier: MIT
/*
 * Finding and mounting the physical root in PID-1 mode.  No udev runs in
 * a minimal initramfs, so there are no /dev/disk/by-* links to follow:
 * each block device the kernel lists in /sys/class/block is probed with
 * libblkid for the identity root= names, again every PID1_ROOT_POLL_MS
 * until it shows up or root-wait runs out.
 *
 * The device is mounted as ostree mounts its sysroot: the file system
 * writable, so that the state phase can keep /etc and /var on it through a
 * writable clone of the mount, and the mount itself read-only, so that
 * nothing else writes to the physical root by way of /sysroot.  The new
 * mount API makes the mount read-only from its creation, detached, before
 * it is attached at the sysroot.
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

#include "pivot/mount/fsctx.h"
#include "lib/base/log.h"
#include "pivot/pid1/modules.h"
#include "pivot/pid1/rootdev.h"
#include "lib/base/util.h"

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

int pid1_root_types(const char *rootfstype, struct pid1_root_types *t)
{
	const char *list = rootfstype && *rootfstype ? rootfstype : PID1_ROOT_TYPES;
	char *save = NULL;
	size_t n = 0;

	if (strlen(list) >= sizeof(t->buf))
		return log_errno(-E2BIG, "rootfstype=%s is too long a list of file system types",
				 list);
	strcpy(t->list, list);
	strcpy(t->buf, list);
	for (char *w = strtok_r(t->buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (n == PID1_ROOT_TYPES_MAX)
			return log_errno(-E2BIG, "rootfstype=%s names more than %d file system types",
					 list, PID1_ROOT_TYPES_MAX);
		t->names[n++] = w;
	}
	t->names[n] = NULL;
	return 0;
}

/* Superblock probing of the root's types only (pid1_root_types). */
static void probe_types(blkid_probe pr, const struct pid1_root_types *types)
{
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_filter_superblocks_type(pr, BLKID_FLTR_ONLYIN, (char **)types->names);
}

static const char *probe_value(blkid_probe pr, const char *name)
{
	const char *v;

	return blkid_probe_lookup_value(pr, name, &v, NULL) == 0 ? v : NULL;
}

static bool device_matches(const char *dev, const struct pid1_rootspec *spec,
			   const struct pid1_root_types *types)
{
	/* The partition tables a PARTUUID= or PARTLABEL= can name. */
	static char *const tables[] = { "gpt", "dos", NULL };
	bool partition = spec->kind == PID1_ROOT_PARTUUID || spec->kind == PID1_ROOT_PARTLABEL;
	blkid_probe pr;
	bool match = false;

	/* A device that cannot be opened (no medium, gone again) is not the
	 * root; the next round looks again. */
	pr = blkid_new_probe_from_filename(dev);
	if (!pr)
		return false;
	if (partition) {
		/* Partition identities come from the parent disk's table, which
		 * libblkid finds through /sys. */
		blkid_probe_enable_superblocks(pr, 0);
		blkid_probe_enable_partitions(pr, 1);
		blkid_probe_filter_partitions_type(pr, BLKID_FLTR_ONLYIN, (char **)tables);
		blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	} else {
		probe_types(pr, types);
		blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID);
	}
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

static int find_by_tag(const struct pid1_rootspec *spec, const struct pid1_root_types *types,
		       char *path, size_t size)
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
		if (!device_matches(dev, spec, types))
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

int pid1_rootdev_wait(const struct pid1_rootspec *spec, const struct pid1_root_types *types,
		      unsigned int timeout_s, char *path, size_t size)
{
	const struct timespec poll = { .tv_nsec = PID1_ROOT_POLL_MS * 1000000L };
	unsigned long long start = now_ms();
	/* UUID= and LABEL= are looked for in file systems of these types only. */
	bool by_type = spec->kind != PID1_ROOT_PATH && spec->kind != PID1_ROOT_PARTUUID &&
		       spec->kind != PID1_ROOT_PARTLABEL;

	for (bool announced = false;; announced = true) {
		int r = spec->kind == PID1_ROOT_PATH ? find_by_path(spec, path, size)
						     : find_by_tag(spec, types, path, size);
		if (r < 0)
			return r;
		if (r > 0) {
			log_info("root device %s is %s", spec->word, path);
			return 0;
		}
		if (now_ms() - start >= timeout_s * 1000ULL)
			return log_errno(-ETIMEDOUT, "root device %s did not appear within %u s%s%s%s; "
					 "check root= on the kernel command line, that the disk's "
					 "driver is built in or listed in " PID1_MODULES_LIST
					 ", or raise root-wait", spec->word, timeout_s,
					 by_type ? " among file systems of type " : "",
					 by_type ? types->list : "", by_type ? " (rootfstype= names others)" : "");
		if (!announced)
			log_info("waiting up to %u s for root device %s", timeout_s, spec->word);
		nanosleep(&poll, NULL);
	}
}

/* The file system type libblkid recognises on dev among types, for a
 * root= without rootfstype=. */
static int probe_type(const char *dev, const struct pid1_root_types *types, char *type,
		      size_t size)
{
	const char *t;
	bool found = false;
	blkid_probe pr;
	int r;

	pr = blkid_new_probe_from_filename(dev);
	if (!pr)
		return log_errno(errno ? -errno : -EIO, "cannot open root device %s: %m", dev);
	probe_types(pr, types);
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
		return log_errno(-EMEDIUMTYPE, "cannot tell the file system type of root device %s "
				 "(cfs-pivot looks for " PID1_ROOT_TYPES " only); name it with "
				 "rootfstype=", dev);
	return 0;
}

/*
 * Gives the context the options of rootflags= as the kernel splits a
 * mount's data: at commas, "key=value" as a string, a bare "key" as a flag
 * (so "ro" makes the file system read-only).  scratch holds a copy of any
 * one option.
 */
static int apply_rootflags(int fsfd, const char *rootflags, char *scratch)
{
	for (const char *c = rootflags; *c;) {
		size_t len = strcspn(c, ",");
		char *value;
		int r;

		if (len) {
			memcpy(scratch, c, len);
			scratch[len] = '\0';
			value = strchr(scratch, '=');
			if (value)
				*value++ = '\0';
			r = value ? pivot_fsconfig_string(fsfd, scratch, value)
				  : pivot_fsconfig_flag(fsfd, scratch);
			if (r < 0)
				return r;
		}
		c += len + (c[len] == ',');
	}
	return 0;
}

/*
 * A detached mount of dev as type: the mount read-only, its file system
 * (the superblock) writable unless read_only.  The mount fd, or a negative
 * errno with the kernel's reason in reason ("" when it gave none).
 */
static int make_mount(const char *dev, const char *type, const char *rootflags, char *scratch,
		      bool read_only, char reason[PIVOT_FS_REASON_MAX])
{
	_cleanup_close_ int fsfd = pivot_fsopen(type);
	int r;

	reason[0] = '\0';
	if (fsfd < 0)
		return fsfd;
	r = pivot_fsconfig_string(fsfd, "source", dev);
	if (r == 0)
		r = apply_rootflags(fsfd, rootflags, scratch);
	if (r == 0 && read_only)
		r = pivot_fsconfig_flag(fsfd, "ro");
	if (r == 0)
		r = pivot_fsmount(fsfd, MOUNT_ATTR_RDONLY);
	if (r < 0)
		pivot_fs_reason(fsfd, reason, PIVOT_FS_REASON_MAX);
	return r;
}

/*
 * Tries each type of the comma-separated list (consumed) in order, as the
 * kernel does with rootfstype=.  A device that can only be read refuses a
 * writable file system (EACCES, EROFS); like the kernel, it is then
 * mounted read-only (*read_only set).  Returns the mount fd with *type
 * set, or the last failure's negative errno and reason.
 */
static int mount_types(const char *dev, char *list, const char *rootflags, char *scratch,
		       const char **type, bool *read_only, char reason[PIVOT_FS_REASON_MAX])
{
	char *save = NULL;
	int r = -EINVAL;

	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		*read_only = false;
		r = make_mount(dev, t, rootflags, scratch, false, reason);
		if (r == -EACCES || r == -EROFS) {
			*read_only = true;
			r = make_mount(dev, t, rootflags, scratch, true, reason);
		}
		if (r >= 0) {
			*type = t;
			return r;
		}
		log_debug("mounting %s as %s failed: %s%s%s", dev, t, strerror(-r),
			  *reason ? "; kernel: " : "", reason);
	}
	return r;
}

int pid1_rootdev_mount(const char *dev, const char *rootfstype, const struct pid1_root_types *known,
		       const char *rootflags, const char *sysroot)
{
	_cleanup_free_ char *list = NULL, *scratch = NULL;
	_cleanup_close_ int mnt = -1;
	char probed[64], reason[PIVOT_FS_REASON_MAX] = "";
	const char *types = rootfstype, *flags = rootflags ? rootflags : "", *type = NULL;
	bool read_only = false;
	int r;

	if (mkdir(sysroot, 0755) < 0 && errno != EEXIST)
		return log_errno(-errno, "cannot create %s for the root device: %m", sysroot);
	if (!types || !*types) {
		r = probe_type(dev, known, probed, sizeof(probed));
		if (r < 0)
			return r;
		types = probed;
	}
	list = strdup(types);
	scratch = strdup(flags);
	if (!list || !scratch)
		return log_oom();
	mnt = mount_types(dev, list, flags, scratch, &type, &read_only, reason);
	if (mnt < 0)
		return log_errno(mnt, "cannot mount root device %s (%s%s%s) at %s: %m%s%s%s; check "
				 "rootfstype=, rootflags= and that the file system's module is "
				 "listed in " PID1_MODULES_LIST, dev, types, *flags ? ", " : "", flags,
				 sysroot, *reason ? " (kernel: " : "", reason, *reason ? ")" : "");
	if (move_mount(mnt, "", AT_FDCWD, sysroot, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return log_errno(-errno, "cannot attach root device %s at %s: %m", dev, sysroot);
	if (read_only)
		log_notice("root device %s can only be read: its file system is mounted read-only, "
			   "so no state can be kept on it", dev);
	log_info("mounted root device %s (%s) at %s, the mount read-only", dev, type, sysroot);
	return 0;
}
