/* SPDX-License-Identifier: MIT */
/*
 * The kernel command line as cfs-pivot reads it (docs/cmdline.md): which
 * image to boot (composefs.digest= / composefs=), words that tighten the
 * policy (cfsboot.*), and the root-device words PID-1 mode needs (root=,
 * rootfstype=, rootflags=, init=, ro/rw, rootwait).  Every other word
 * belongs to someone else and is ignored.
 */
#ifndef CFS_PIVOT_CMDLINE_H
#define CFS_PIVOT_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "pivot/boot/digest.h"
#include "pivot/boot/policy.h"

/* /proc/cmdline is at most a few KiB; anything far longer is not one. */
#define PIVOT_CMDLINE_MAX (64 * 1024)

struct pivot_cmdline {
	char *buf;                      /* owned: the words below point into it */

	bool have_digest;
	struct pivot_digest digest;
	const char *digest_key;         /* the word that first named it */
	const char *digest_value;
	const char *optional_key;       /* a digest word with a leading '?', or NULL */

	/* Tightening requests; the strictest of repeated words is kept. */
	bool have_verity, have_signature, have_tpm, have_min_version;
	enum pivot_verity verity;
	enum pivot_signature signature;
	enum pivot_tpm tpm;
	uint64_t min_version;
	bool debug;                     /* cfsboot.debug */

	/* As the kernel treats them: the last word wins; NULL when absent. */
	const char *root, *rootfstype, *rootflags, *init;
	const char *init_other;         /* an earlier init= that the last one differs from */
	bool have_ro;                   /* ro or rw was given */
	bool ro;
	bool rootwait;
};

/*
 * Parses a command line (the text of /proc/cmdline; a trailing newline is
 * whitespace) into c, which the caller releases with pivot_cmdline_done()
 * whatever the result.
 * Returns 1 when it names an image, 0 when it names none ("nothing to
 * do"), -EINVAL when a word is refused (logged once, naming the word),
 * -ENOMEM.
 */
int pivot_cmdline_parse(struct pivot_cmdline *c, const char *text);

/* Reads path (normally /proc/cmdline) and parses it; results as above,
 * and a negative errno when the file cannot be read. */
int pivot_cmdline_load(struct pivot_cmdline *c, const char *path);

void pivot_cmdline_done(struct pivot_cmdline *c);

/* Parameter names compare as the kernel and systemd compare them: '-' and
 * '_' are the same character. */
bool pivot_cmdline_key_eq(const char *a, const char *b);

/*
 * Whether the command line's init= may be run: the kernel, dracut,
 * systemd's switch-root and PID-1 mode all read it, and any program but
 * the policy's init (p->init) could start unverified code as PID 1 of the
 * verified image (/sysroot/..., /var/...).  So an init= must name p->init
 * exactly, in every mode.  Without init=, PID 1 (pid1) runs p->init
 * itself, while dracut and systemd make their own choice (/sbin/init, or
 * the image's systemd): there a command line that names an image needs
 * init= to name a policy init other than /sbin/init.  0, or -EINVAL
 * after logging why and what to change.
 */
int pivot_cmdline_check_init(const struct pivot_cmdline *c, const struct pivot_policy *p,
			     bool pid1);

#endif
