/* SPDX-License-Identifier: MIT */
/*
 * The list of modules PID-1 mode loads (modules.h): its parser, kept apart
 * from libkmod so that it is tested and fuzzed on its own.
 */
#ifndef CFS_PIVOT_MODLIST_H
#define CFS_PIVOT_MODLIST_H

#include <stddef.h>

/* The kernel's limit on a module name is 55 characters (MODULE_NAME_LEN). */
#define PID1_MODULE_NAME_MAX 55

struct pid1_modlist {
	char **names;
	size_t n, cap;
};

/*
 * Parses the text of a modules list: one module name (or alias, such as
 * fs-ext4) per line; blank lines and lines starting with '#' are skipped,
 * spaces around a name are ignored.  A name of other characters than
 * letters, digits, '-' and '_', or longer than PID1_MODULE_NAME_MAX, is
 * refused with "FILE:LINE: ..." (file is the name for messages): -EINVAL,
 * or -ENOMEM.  The caller releases l with pid1_modlist_done() whatever the
 * result.
 */
int pid1_modlist_parse(struct pid1_modlist *l, const char *file, const char *text, size_t len);
void pid1_modlist_done(struct pid1_modlist *l);

#endif
