// SPDX-License-Identifier: MIT
#include "pivot/boot/policy.h"

#include <dirent.h>
#include <errno.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "pivot/boot/readtext.h"

/* A pivot.conf has a dozen lines; anything this long is not one. */
#define POLICY_FILE_MAX (64 * 1024)

/* Whether dir has an entry cfs_sig_anchors_load() would read (a name not
 * starting with '.').  Only a missing or empty directory means no anchors:
 * one that cannot be read counts as holding some, the stricter reading. */
static bool has_anchors(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (!d)
		return errno != ENOENT;
	while (!found && (e = readdir(d)))
		found = e->d_name[0] != '.';
	closedir(d);
	return found;
}

int pivot_policy_load(struct pivot_policy *p, const char *path)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	r = pivot_read_text(path, POLICY_FILE_MAX, &text, &len);
	if (r == -ENOENT) {
		log_debug("%s does not exist: using the default policy", path);
		pivot_policy_defaults(p);
	} else if (r < 0) {
		return r;
	} else {
		r = pivot_policy_parse(p, path, text, len);
		if (r < 0)
			return r;
	}
	/* An initramfs that trusts keys is there to boot signed images:
	 * then a command line naming none must not boot the physical root
	 * unverified.  One without anchors (signature = off, a development
	 * build) boots the physical root when no image is named. */
	if (!p->image_set)
		p->image = has_anchors(p->trust) ? PIVOT_IMAGE_REQUIRED : PIVOT_IMAGE_OPTIONAL;
	return 0;
}
