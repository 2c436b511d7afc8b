/* SPDX-License-Identifier: MIT */
/*
 * The setup-root configuration bootc and composefs-rs read from an image,
 * /usr/lib/composefs/setup-root-conf.toml:
 *
 *   [root]  transient = true|false
 *   [etc]   mount = "none"|"bind"|"overlay"|"transient", transient = true|false
 *   [var]   the same
 *
 * ("root" is their other name for "none", "volatile" for "transient").
 * The text is parsed as a strict subset of TOML: bare keys, basic strings
 * without escapes, literal strings and booleans, comments, each table and
 * key at most once, and nothing else (no other key or table either: one
 * cfs-pivot does not know could say something it would not honour).
 * It parses text only; image_config.h reads the file and applies it.
 */
#ifndef CFS_PIVOT_SETUP_CONF_H
#define CFS_PIVOT_SETUP_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define PIVOT_SETUP_CONF_PATH "usr/lib/composefs/setup-root-conf.toml"
/* Larger than any such file needs to be; a larger one is refused. */
#define PIVOT_SETUP_CONF_MAX 4096

enum pivot_setup_mount {
	PIVOT_SETUP_UNSET,         /* no mount key */
	PIVOT_SETUP_NONE,
	PIVOT_SETUP_BIND,
	PIVOT_SETUP_OVERLAY,
	PIVOT_SETUP_TRANSIENT,
};

struct pivot_setup_dir {
	enum pivot_setup_mount mount;
	bool transient;            /* the transient key, used without a mount key */
};

struct pivot_setup_conf {
	bool root_transient;
	struct pivot_setup_dir etc, var;
};

struct pivot_setup_error {
	unsigned int line;         /* 1-based; 0 for the text as a whole */
	char what[160];
};

/*
 * Parses text (len bytes, not NUL-terminated) into *c.  Returns 0, or
 * -EINVAL with *err saying where and what is wrong (nothing is logged:
 * the caller names the file).
 */
int pivot_setup_conf_parse(const char *text, size_t len, struct pivot_setup_conf *c,
			   struct pivot_setup_error *err);

/* What bootc's setup-root mounts for a directory: its mount key, else
 * transient when the transient key says so, else bind. */
enum pivot_setup_mount pivot_setup_dir_mode(const struct pivot_setup_dir *d);

const char *pivot_setup_mount_to_string(enum pivot_setup_mount m);

#endif
