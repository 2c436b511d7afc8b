/* SPDX-License-Identifier: MIT */
/*
 * Boot Loader Specification Type #1 entries as cfsboot writes them, and
 * the boot counting of their file names that systemd-boot and the
 * specification define:
 *
 *   ID.conf            blessed, or never counted
 *   ID+LEFT.conf       LEFT tries left, none used yet
 *   ID+LEFT-DONE.conf  LEFT tries left, DONE used; LEFT 0: the entry is bad
 *
 * The loader decrements LEFT and increments DONE before it boots a counted
 * entry; a bad entry is tried only when nothing else is left.
 */
#ifndef CFSBOOT_BLS_H
#define CFSBOOT_BLS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

struct bls_name {
	char id[NAME_MAX + 1];      /* the name without counter and ".conf" */
	bool counting;
	unsigned left, done;
};

/* Splits an entry's file name; -EINVAL when it is no "*.conf" name or its
 * counter is malformed (then it is no entry the loader counts either). */
int bls_name_parse(const char *file, struct bls_name *out);
/* The file name of n into buf (NAME_MAX + 1 bytes); -ENAMETOOLONG, logged. */
int bls_name_format(const struct bls_name *n, char *buf);

/* The keys cfsboot writes, in its order; any other line is kept verbatim. */
struct bls_entry {
	char *title, *version, *sort_key, *linux_path, *initrd, *options;
};

/* Parses an entry's text; unknown keys are ignored (the loader's rule). */
int bls_entry_parse(const char *text, struct bls_entry *e);
void bls_entry_free(struct bls_entry *e);

/* Writes e as dir/file atomically: a temporary file, fsync, rename over
 * any old file of that name, fsync of the directory.  0 or a negative
 * errno, logged. */
int bls_entry_write(int dirfd, const char *dir, const char *file, const struct bls_entry *e);

/* Renames dir/from to dir/to and makes it durable (fsync of the directory). */
int bls_rename(int dirfd, const char *dir, const char *from, const char *to);

#endif
