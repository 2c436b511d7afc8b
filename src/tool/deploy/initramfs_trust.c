// SPDX-License-Identifier: MIT
#include "tool/deploy/initramfs_trust.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "lib/initramfs/initramfs.h"
#include "lib/policy/pivot_conf.h"
#include "tool/deploy/tree.h"

/* An entry that cfs-pivot reads as a file must be one here: a link would
 * point into the initramfs, which is not followed, so it is refused. */
static int need_file(const struct cfs_initramfs_entry *e, const char *label)
{
	if (S_ISREG(e->mode))
		return 0;
	return log_errno(-EINVAL, "refusing to deploy: /%s in the initramfs %s is not a regular file "
			 "(deploy reads the trust and the policy as plain files: put the files "
			 "themselves into the initramfs)", e->path, label);
}

static int write_to(const char *dir, const char *name, const struct cfs_initramfs_entry *e)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return log_oom();
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || cfs_write_full(fd, e->data, e->size) < 0)
		return log_errno(-errno, "cannot write %s: %m", path);
	return 0;
}

/* The anchors: the files right below the policy's trust directory (those
 * cfs_sig_anchors_load() reads, not starting with '.'), each the last
 * entry of its name.  Their count in *n. */
static int extract_anchors(const struct cfs_initramfs *ir, const char *label, const char *trust,
			   const char *to, size_t *n)
{
	const char *dir = trust + strspn(trust, "/");
	const struct cfs_initramfs_entry *top = cfs_initramfs_find(ir, dir);
	size_t dlen = strlen(dir);
	int r;

	*n = 0;
	if (top && !S_ISDIR(top->mode))
		return log_errno(-ENOTDIR, "refusing to deploy: the trust directory %s in the "
				 "initramfs %s is not a directory", trust, label);
	if (mkdir(to, 0700) < 0)
		return log_errno(-errno, "cannot create %s: %m", to);
	for (size_t i = 0; i < ir->n_entries; i++) {
		const struct cfs_initramfs_entry *e = &ir->entries[i];
		const char *base = e->path + dlen + 1;

		if (strncmp(e->path, dir, dlen) != 0 || e->path[dlen] != '/' || strchr(base, '/') ||
		    base[0] == '.' || cfs_initramfs_find(ir, e->path) != e)
			continue;
		r = need_file(e, label);
		if (r == 0)
			r = write_to(to, base, e);
		if (r < 0)
			return r;
		(*n)++;
	}
	return 0;
}

int initramfs_trust_check(const struct site *s, const char *hex, const char *label,
			  const uint8_t *initrd, size_t len, uint64_t floor, struct signed_by *out)
{
	_cleanup_free_ char *conf_name = NULL, *tmp = NULL, *trust = NULL, *revoked = NULL;
	/* The anchors are loaded from a directory, as at boot: a private one
	 * under $TMPDIR, else under /run, a tmpfs wherever cfs-pivot booted
	 * (it moves /run into the new root), where /tmp may be a directory of
	 * the read-only image. */
	const char *tmpdir = getenv("TMPDIR");
	const struct cfs_initramfs_entry *e;
	struct cfs_initramfs ir;
	struct pivot_policy p;
	size_t n = 0;
	int r;

	r = cfs_initramfs_read(initrd, len, label, 0, &ir);
	if (r < 0)
		goto out;
	e = cfs_initramfs_find(&ir, PIVOT_POLICY_PATH);
	if (asprintf(&conf_name, "%s:" PIVOT_POLICY_PATH, label) < 0 ||
	    asprintf(&tmp, "%s/cfsboot-initramfs.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/run") < 0) {
		r = log_oom();
		goto out;
	}
	/* As cfs-pivot: a missing pivot.conf means the defaults. */
	if (!e)
		pivot_policy_defaults(&p);
	else if ((r = need_file(e, label)) == 0)
		r = pivot_policy_parse(&p, conf_name, (const char *)e->data, e->size);
	if (r < 0)
		goto out;
	if (!mkdtemp(tmp)) {
		r = log_errno(-errno, "cannot create %s: %m", tmp);
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (asprintf(&trust, "%s/trust", tmp) < 0 || asprintf(&revoked, "%s/revoked", tmp) < 0) {
		r = log_oom();
		goto out;
	}
	r = extract_anchors(&ir, label, p.trust, trust, &n);
	if (r == 0 && n == 0)
		r = log_errno(-ENOKEY, "refusing to deploy: the initramfs %s holds no trust anchor in "
			      "%s, so cfs-pivot could verify no image with it: build it with the "
			      "anchors (cfs-mkinitramfs --trust, or dracut's cfsboot module)",
			      label, p.trust);
	if (r < 0)
		goto out;
	/* A revocation list the initramfs lacks revokes nothing, at boot too. */
	e = cfs_initramfs_find(&ir, p.revoked);
	if (e && (r = need_file(e, label)) == 0)
		r = write_to(tmp, "revoked", e);
	if (r == 0) {
		const struct cfs_sig_files f = {
			.trust = trust,
			.revoked = e ? revoked : NULL,
			.signer_ca = p.signer_ca,
			.min_version = MAX(floor, p.min_version),
			.check_clock = p.check_clock,
		};

		r = check_signature_files(s, &f, hex, label, out);
	}
out:
	if (tmp)
		tree_remove(tmp);
	cfs_initramfs_free(&ir);
	return r;
}
