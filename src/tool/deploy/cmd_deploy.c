// SPDX-License-Identifier: MIT
/*
 * cfsboot deploy: an image of the store becomes the next boot's default.
 * Everything that can refuse comes before the first write; the writes go
 * in an order where each crash leaves the old default booting: the
 * kernel and initramfs, the state, and last the entry, which alone makes
 * the loader see the new deployment.  What a crash leaves behind without
 * an entry is garbage that gc removes, or that the next deploy replaces.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "lib/base/log.h"
#include "lib/base/parse.h"
#include "lib/base/read_file.h"
#include "lib/base/util.h"
#include "lib/store/lock.h"
#include "lib/store/store_sig.h"
#include "tool/commands.h"
#include "tool/common/atomic_file.h"
#include "tool/deploy/cmd_args.h"
#include "tool/deploy/etc_merge.h"
#include "lib/base/hex.h"
#include "tool/deploy/tree.h"
#include "tool/deploy/fault.h"
#include "tool/deploy/image_file.h"
#include "tool/deploy/initramfs_trust.h"
#include "tool/deploy/prune.h"

#define SPACE_MARGIN (1024 * 1024)   /* the entry, the directories, and room to breathe */

static void usage(FILE *out)
{
	fprintf(out, "Usage: cfsboot deploy [OPTIONS] DIGEST\n\n"
		     "Make the image DIGEST of the store the default of the next boot: verify it as\n"
		     "cfs-pivot will (signature, security version against the floor, every object),\n"
		     "against both the running system's trust (--trust) and the trust anchors,\n"
		     "revocation list and policy of the initramfs the image ships,\n"
		     "copy the kernel and initramfs it ships to the boot partition, prepare its\n"
		     "state from the booted deployment's, and write a boot-counted BLS entry.\n"
		     "The booted deployment stays as the rollback (docs/update.md).\n\n"
		     "  --tries N          boot attempts before the loader gives up on it (default 3;\n"
		     "                     0: no counting)\n"
		     "  --keep N           deployments kept, the new and the booted one included\n"
		     "                     (default 2)\n"
		     "  --kernel-root ARG  the root= argument (default: the running command line's)\n");
	deploy_cmd_help(out);
}

struct deploy {
	struct site site;
	struct sig_trust trust;
	const char *hex;
	unsigned tries;
	uint64_t keep;
	const char *kernel_root;
	struct signed_by by;
	char kver[NAME_MAX + 1];
	uint8_t *kernel, *initrd;
	size_t kernel_len, initrd_len;
	char *cmdline;
	char *initrd_name;               /* <image>:/usr/lib/modules/<kver>/initramfs.img */
	struct image_tree tree;          /* the image deployed */
};

static int deploy_option(void *data, int c, const char *arg)
{
	struct deploy *d = data;
	uint64_t v;

	switch (c) {
	case 't':
		if (cfs_parse_u64(arg, &v) < 0 || v > 1000)
			return log_errno(-EINVAL, "--tries %s: give a number of boot attempts from 0 "
					 "to 1000", arg);
		d->tries = (unsigned)v;
		return 1;
	case 'k':
		return deploy_option_keep(arg, &d->keep);
	case 'R':
		d->kernel_root = arg;
		return 1;
	default:
		return 0;
	}
}

/* -1 when the deploy goes on, else its exit code. */
static int parse_args(struct deploy *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tries", required_argument, NULL, 't' },
		{ "keep", required_argument, NULL, 'k' },
		{ "kernel-root", required_argument, NULL, 'R' },
		DEPLOY_LONG_OPTIONS,
		{}
	};
	const struct deploy_cmd cmd = {
		.opts = opts, .usage = usage, .option = deploy_option, .data = d,
		.operands = 1, .operands_help = "give the DIGEST of one image in the store",
	};
	int r;

	r = deploy_cmd_options(&cmd, argc, argv, &d->site, &d->trust);
	if (r >= 0)
		return r;
	d->hex = argv[optind];
	if ((strlen(d->hex) != 64 && strlen(d->hex) != 128) || !cfs_hex_is_lower(d->hex, strlen(d->hex))) {
		log_error("DIGEST %s: give the image's fs-verity digest in lowercase hex (64 or 128 "
			  "digits), as cfsboot mkimage --print-digest prints it", d->hex);
		return EXIT_USAGE;
	}
	return -1;
}

/* The running command line's root=, which the new entry boots from too. */
static int running_root(struct deploy *d, char **out)
{
	_cleanup_free_ uint8_t *text = NULL;
	char *p, *save = NULL;
	size_t len;
	int r;

	*out = NULL;
	if (d->kernel_root)
		return (*out = strdup(d->kernel_root)) ? 0 : log_oom();
	r = cfs_read_file(d->site.cmdline_file, 65536, &text, &len);
	if (r < 0)
		return r;
	for (p = strtok_r((char *)text, " \t\n", &save); p; p = strtok_r(NULL, " \t\n", &save))
		if (strncmp(p, "root=", 5) == 0) {
			free(*out);
			if (!(*out = strdup(p + 5)))
				return log_oom();
		}
	if (!*out)
		return log_errno(-ENOENT, "the command line %s has no root=: give --kernel-root",
				 d->site.cmdline_file);
	return 0;
}

/* kernel-install's rule for /usr/lib/kernel/cmdline: its words, joined by
 * one blank, whatever separated them.  Takes text (NUL-terminated). */
static char *join_words(char *text)
{
	char *out = text, *w, *save = NULL;

	for (w = strtok_r(text, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (out != text)
			*out++ = ' ';
		memmove(out, w, strlen(w));
		out += strlen(w);
	}
	*out = '\0';
	return text;
}

/* The kernel, the initramfs and the kernel arguments the image ships. */
static int read_boot_files(struct deploy *d)
{
	_cleanup_free_ char *kpath = NULL, *ipath = NULL;
	const struct image_tree *t = &d->tree;
	const struct cfs_node *f;
	const char *kver = NULL;
	uint8_t *args = NULL;
	size_t args_len;
	int r;

	r = image_tree_open(d->site.store, d->hex, &d->tree);
	if (r == 0)
		r = image_file_kernel(t->root, t->name, &kver);
	if (r == 0)
		snprintf(d->kver, sizeof(d->kver), "%s", kver);
	if (r == 0 && (asprintf(&kpath, "/usr/lib/modules/%s/vmlinuz", d->kver) < 0 ||
		       asprintf(&ipath, "/usr/lib/modules/%s/initramfs.img", d->kver) < 0))
		r = log_oom();
	if (r == 0)
		r = image_file_read(t, image_file_find(t->root, kpath), kpath, &d->kernel,
				    &d->kernel_len);
	if (r == 0 && !(f = image_file_find(t->root, ipath)))
		r = log_errno(-ENOENT, "the image %s has no initramfs %s beside its kernel: the "
			      "image must ship the initramfs it boots with", t->name, ipath);
	if (r == 0)
		r = image_file_read(t, f, ipath, &d->initrd, &d->initrd_len);
	if (r == 0 && asprintf(&d->initrd_name, "%s:%s", t->name, ipath) < 0)
		r = log_oom();
	f = r == 0 ? image_file_find(t->root, "/usr/lib/kernel/cmdline") : NULL;
	if (f)
		r = image_file_read(t, f, "/usr/lib/kernel/cmdline", &args, &args_len);
	if (r == 0 && args)
		d->cmdline = join_words((char *)args);
	return r;
}

/* The boot partition must be a mounted, writable file system with room. */
static int check_boot(struct deploy *d)
{
	struct statvfs sv;
	struct statx stx;
	uint64_t need = d->kernel_len + d->initrd_len + SPACE_MARGIN;
	const char *boot = d->site.boot;

	if (statx(AT_FDCWD, boot, 0, STATX_BASIC_STATS, &stx) < 0 || statvfs(boot, &sv) < 0)
		return log_errno(-errno, "cannot stat the boot partition %s: %m", boot);
	if ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	    !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return log_errno(-ENOTBLK, "refusing to deploy: %s is not a mount point, so the boot "
				 "partition is not mounted there (mount the ESP or XBOOTLDR, or name it "
				 "with --boot)", boot);
	if (sv.f_flag & ST_RDONLY)
		return log_errno(-EROFS, "refusing to deploy: the boot partition %s is mounted "
				 "read-only (mount -o remount,rw %s)", boot, boot);
	if ((uint64_t)sv.f_bavail * sv.f_frsize < need)
		return log_errno(-ENOSPC, "refusing to deploy: the boot partition %s has %llu KiB "
				 "free, the kernel and initramfs need %llu KiB: cfsboot gc removes "
				 "what no entry uses", boot,
				 (unsigned long long)sv.f_bavail * sv.f_frsize / 1024,
				 (unsigned long long)need / 1024);
	return 0;
}

static int write_file(int dirfd, const char *dir, const char *name, const uint8_t *data,
		      size_t len)
{
	struct atomic_file f;
	int r = atomic_file_open(&f, dirfd, dir);

	for (size_t off = 0; r == 0 && off < len;) {
		ssize_t n = write(f.fd, data + off, len - off);

		if (n <= 0) {
			r = log_errno(n < 0 ? -errno : -EIO, "cannot write %s/%s: %m", dir, name);
			atomic_file_discard(&f);
		}
		off += n > 0 ? (size_t)n : 0;
	}
	return r < 0 ? r : atomic_file_commit(&f, name, ATOMIC_FILE_REPLACE, 0, NULL, NULL);
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return log_errno(-errno, "cannot create %s: %m", path);
	return 0;
}

/* <boot>/cfsboot/<hex>/linux and initrd, each atomic, then the directories synced. */
static int install_files(struct deploy *d)
{
	_cleanup_free_ char *top = NULL, *dir = site_files_path(&d->site, d->hex);
	_cleanup_close_ int fd = -1, top_fd = -1;
	int r;

	if (!dir || asprintf(&top, "%s/" SITE_FILES, d->site.boot) < 0)
		return log_oom();
	r = make_dir(top);
	if (r == 0)
		r = make_dir(dir);
	if (r < 0)
		return r;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	top_fd = open(top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || top_fd < 0)
		return log_errno(-errno, "cannot open %s: %m", dir);
	fault_point("deploy-kernel");
	r = write_file(fd, dir, "linux", d->kernel, d->kernel_len);
	fault_point("deploy-initrd");
	if (r == 0)
		r = write_file(fd, dir, "initrd", d->initrd, d->initrd_len);
	if (r == 0 && (fsync(fd) < 0 || fsync(top_fd) < 0))
		r = log_errno(-errno, "cannot sync %s: %m", dir);
	return r;
}

/* etc = bind keeps the whole /etc in the state, <state>/deploy/<hex>/etc
 * without the upper directory that etc = overlay and transient have: it
 * gets the 3-way merge against the booted image and the new one. */
static int merge_bind_etc(struct deploy *d, const char *state)
{
	_cleanup_free_ char *etc = NULL, *upper = NULL;
	struct image_tree old;
	struct stat st;
	int r;

	if (asprintf(&etc, "%s/" CFS_DEPLOY_ETC, state) < 0 ||
	    asprintf(&upper, "%s/" CFS_DEPLOY_UPPER, etc) < 0)
		return log_oom();
	if (lstat(etc, &st) < 0 || !S_ISDIR(st.st_mode) || lstat(upper, &st) == 0)
		return 0;
	r = image_tree_open(d->site.store, d->site.booted, &old);
	if (r == 0)
		r = etc_merge(etc, &old, &d->tree);
	image_tree_close(&old);
	return r;
}

/* <state>/deploy/<hex> from the booted deployment's, made under a
 * temporary name and renamed: it exists whole or not at all.  The work
 * directory of an etc overlay belongs to the kernel and starts empty. */
static int prepare_state(struct deploy *d)
{
	_cleanup_free_ char *to = site_state_path(&d->site, d->hex), *tmp = NULL, *from = NULL;
	_cleanup_free_ char *top = NULL, *work = NULL;
	struct stat st;
	int r;

	if (!to || asprintf(&tmp, "%s.tmp", to) < 0 ||
	    asprintf(&work, "%s/" CFS_DEPLOY_ETC "/" CFS_DEPLOY_WORK, tmp) < 0 ||
	    asprintf(&top, "%s/" CFS_STATE_DEPLOY, d->site.state) < 0)
		return log_oom();
	if (stat(to, &st) == 0 || !d->site.booted[0])
		return 0;           /* there already, or nothing to carry over */
	from = site_state_path(&d->site, d->site.booted);
	if (!from)
		return log_oom();
	if (stat(from, &st) < 0)
		return 0;           /* the booted deployment kept nothing */
	r = make_dir(d->site.state);
	if (r == 0)
		r = make_dir(top);
	if (r == 0)
		r = tree_remove(tmp);       /* what a crashed deploy left */
	fault_point("deploy-state");
	if (r == 0)
		r = tree_copy(from, tmp);
	if (r == 0)
		r = tree_remove(work);
	if (r == 0)
		r = merge_bind_etc(d, tmp);
	if (r < 0)
		return r;
	fault_point("deploy-state-rename");
	if (rename(tmp, to) < 0)
		return log_errno(-errno, "cannot rename %s to %s: %m", tmp, to);
	return tree_sync_dir(top);
}

static int write_entry(struct deploy *d, char *root_arg)
{
	struct bls_name n = { .counting = d->tries > 0, .left = d->tries };
	_cleanup_free_ char *title = NULL, *version = NULL, *linux_path = NULL, *initrd = NULL;
	_cleanup_free_ char *options = NULL;
	char file[NAME_MAX + 1];
	struct bls_entry e;

	snprintf(n.id, sizeof(n.id), SITE_ENTRY_PREFIX "%s", d->hex);
	if (bls_name_format(&n, file) < 0)
		return -ENAMETOOLONG;
	if (asprintf(&title, "cfsboot %.12s (security version %llu)", d->hex,
		     (unsigned long long)d->by.version) < 0 ||
	    asprintf(&version, "%llu", (unsigned long long)site_max_serial(&d->site) + 1) < 0 ||
	    asprintf(&linux_path, "/" SITE_FILES "/%s/linux", d->hex) < 0 ||
	    asprintf(&initrd, "/" SITE_FILES "/%s/initrd", d->hex) < 0 ||
	    asprintf(&options, "composefs.digest=%s%s%s root=%s", d->hex, d->cmdline ? " " : "",
		     d->cmdline ? d->cmdline : "", root_arg) < 0)
		return log_oom();
	e = (struct bls_entry){ .title = title, .version = version, .sort_key = SITE_SORT_KEY,
				.linux_path = linux_path, .initrd = initrd, .options = options };
	fault_point("deploy-entry");
	return bls_entry_write(d->site.entries_fd, d->site.entries, file, &e);
}

static int run(struct deploy *d)
{
	_cleanup_free_ char *root_arg = NULL;
	_cleanup_close_ int lock = -1;
	struct floor fl;
	int r;

	if (site_find(&d->site, d->hex))
		return log_errno(-EEXIST, "the image %s is deployed already: cfsboot rollback makes an "
				 "older deployment the default, cfsboot status lists them", d->hex);
	lock = cfs_store_lock(-1, d->site.store, CFS_STORE_LOCK_SHARED, false);
	if (lock < 0)
		return lock;
	r = cfs_store_migrate_signatures(lock, d->site.store);
	if (r < 0)
		return r;
	r = running_root(d, &root_arg);
	if (r == 0)
		r = floor_read(&d->trust, &fl);
	if (r == 0)
		r = check_signature(&d->site, &d->trust, d->hex, fl.value, &d->by);
	if (r == 0)
		r = check_objects(&d->site, d->hex);
	if (r == 0)
		r = read_boot_files(d);
	if (r == 0)
		r = initramfs_trust_check(&d->site, d->hex, d->initrd_name, d->initrd, d->initrd_len,
					  fl.value, &d->by);
	if (r == 0)
		r = check_boot(d);
	if (r == 0)
		r = install_files(d);
	if (r == 0)
		r = prepare_state(d);
	if (r == 0)
		r = write_entry(d, root_arg);
	if (r == 0)
		r = site_reload(&d->site);
	if (r == 0)
		r = prune_entries(&d->site, &d->trust, d->keep, 0, d->hex);
	if (r < 0)
		return r;
	printf("deployed %s (security version %llu, kernel %s): the default of the next boot, "
	       "%u tries\n", d->hex, (unsigned long long)d->by.version, d->kver, d->tries);
	return 0;
}

int cmd_deploy(int argc, char **argv)
{
	struct deploy d = { .tries = 3, .keep = 2, .tree = { .objects_fd = -1 } };
	int r;

	r = parse_args(&d, argc, argv);
	if (r >= 0)
		return r;
	r = deploy_cmd_open(&d.site, true);
	if (r == 0)
		r = run(&d);
	site_close(&d.site);
	image_tree_close(&d.tree);
	free(d.kernel);
	free(d.initrd);
	free(d.cmdline);
	free(d.initrd_name);
	return r < 0 ? EXIT_FAILED : EXIT_OK;
}
