/* SPDX-License-Identifier: MIT */
/*
 * What the deployment commands work on: the boot partition with its
 * entries, the store and the state on the physical root, and how the
 * running system booted.  The paths default to those of a booted cfsboot
 * system and are options so that tests (and rescue shells) can name
 * others.
 *
 *   <boot>/loader/entries/cfsboot-<hex>[+L[-D]].conf   one per deployment
 *   <boot>/cfsboot/<hex>/linux, initrd                 its kernel and initramfs
 */
#ifndef CFSBOOT_SITE_H
#define CFSBOOT_SITE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/store/layout.h"
#include "tool/deploy/bls.h"

#define SITE_ENTRY_PREFIX "cfsboot-"
#define SITE_ENTRIES      "loader/entries"
#define SITE_FILES        "cfsboot"        /* <boot>/cfsboot/<hex>/ */
#define SITE_SORT_KEY     "cfsboot"

struct deployment {
	char file[NAME_MAX + 1];         /* the entry's file name now */
	struct bls_name name;
	struct bls_entry entry;
	char hex[CFS_DIGEST_HEX_LEN + 1];
	uint64_t serial;                 /* the entry's version: the newest is the default */
	bool bad;                        /* counting with no tries left */
	bool booted;
};

struct site {
	const char *boot, *root, *store, *state;
	char *store_buf, *state_buf;     /* defaults below root */
	const char *status_file, *cmdline_file;
	char entries[4096];              /* <boot>/loader/entries, for messages */
	int entries_fd;                  /* locked exclusively while a command changes them */
	char booted[CFS_DIGEST_HEX_LEN + 1];  /* "" when not booted from a cfsboot image */
	struct deployment *d;            /* newest first: the loader's order */
	size_t n;
};

/* Options every deployment command takes; site_option() handles one
 * (returns 1 when it was one of them, 0 if not, <0 for a bad value). */
#define SITE_OPTIONS_HELP \
	"  --boot DIR         the boot partition, ESP or XBOOTLDR (default /boot)\n" \
	"  --root DIR         the physical root holding the store and the state\n" \
	"                     (default /sysroot; --store and --state override it)\n" \
	"  --store DIR        the store (default ROOT/composefs)\n" \
	"  --state DIR        the state (default ROOT/state)\n" \
	"  --status-file F    cfs-pivot's status file (default /run/cfsboot/status.json)\n" \
	"  --cmdline-file F   the kernel command line (default /proc/cmdline)\n"
enum {
	SITE_OPT_BOOT = 0x1000, SITE_OPT_ROOT, SITE_OPT_STORE, SITE_OPT_STATE,
	SITE_OPT_STATUS, SITE_OPT_CMDLINE,
};
#define SITE_LONG_OPTIONS \
	{ "boot",         required_argument, NULL, SITE_OPT_BOOT }, \
	{ "root",         required_argument, NULL, SITE_OPT_ROOT }, \
	{ "store",        required_argument, NULL, SITE_OPT_STORE }, \
	{ "state",        required_argument, NULL, SITE_OPT_STATE }, \
	{ "status-file",  required_argument, NULL, SITE_OPT_STATUS }, \
	{ "cmdline-file", required_argument, NULL, SITE_OPT_CMDLINE }
/* Sets the defaults. */
void site_init(struct site *s);
/* Takes one of SITE_LONG_OPTIONS: true when opt was one of them. */
bool site_option(struct site *s, int opt, const char *arg);

/*
 * Opens the entries directory and, with lock, locks it for a change
 * (another cfsboot changing the entries is refused at once), learns which
 * image booted, and lists the deployments.  0 or a negative errno, logged.
 */
/* The store under root (NULL: the default root), as site_open() takes it
 * when --store is not given: malloc'd, or NULL when out of memory. */
char *site_store_path(const char *root);
int site_open(struct site *s, bool lock);
void site_close(struct site *s);
/* Lists again after a change. */
int site_reload(struct site *s);

/* The default: the newest entry that is not bad, else the newest one. */
const struct deployment *site_default(const struct site *s);
const struct deployment *site_booted(const struct site *s);
/* The rollback: the next entry in the loader's order after the default
 * that is not bad, or NULL. */
const struct deployment *site_rollback(const struct site *s);
const struct deployment *site_find(const struct site *s, const char *hex);
uint64_t site_max_serial(const struct site *s);

/* Opens the signature of the image hex for reading as cfs-pivot opens it:
 * signatures/<hex>.sig or, in a store of an earlier cfsboot,
 * images/<hex>.sig (lib/store/store_sig.h), beneath the store, through no
 * link and no mount point, a regular file.  *shown gets its path for
 * messages (a new string).  The fd, or a negative errno after one line. */
int site_open_signature(const char *store, const char *hex, char **shown);
/* Opens the image hex of the store for reading, as cfs-pivot opens it:
 * images/<hex>, or the object its link in the store names
 * (lib/store/store_image.h).  The fd, or a negative errno after one line. */
int site_open_image(const char *store, const char *hex);

/* <store>/images/<hex>, <state>/deploy/<hex>, <boot>/cfsboot/<hex>: new strings. */
char *site_image_path(const struct site *s, const char *hex, const char *suffix);
char *site_state_path(const struct site *s, const char *hex);
char *site_files_path(const struct site *s, const char *hex);

#endif
