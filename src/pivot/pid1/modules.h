/* SPDX-License-Identifier: MIT */
/*
 * Kernel modules in PID-1 mode: the initramfs carries the modules its
 * kernel needs to reach the root (storage, file systems, EROFS, overlayfs)
 * under /lib/modules/<release>/ with depmod's index, and names them in
 * PID1_MODULES_LIST (docs/pid1.md, "Modules").
 */
#ifndef CFS_PIVOT_MODULES_H
#define CFS_PIVOT_MODULES_H

#include <stddef.h>

/* The kernel's limit on a module name is 55 characters (MODULE_NAME_LEN). */
#define PID1_MODULE_NAME_MAX 55
/* A list longer than this is not a list of modules. */
#define PID1_MODULES_LIST_MAX (64 * 1024)

struct pid1_modlist {
	char **names;
	size_t n;
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

/*
 * Loads every module the list at list_path names, with its dependencies,
 * from moddir (NULL: /lib/modules/<running kernel's release>).  A missing
 * list means nothing to load.  A module that is built in or already loaded
 * is fine; one that is in neither the kernel nor moddir, or that the
 * kernel refuses, is an error naming it.  0 or a negative errno, logged.
 */
int pid1_load_modules(const char *moddir, const char *list_path);

#endif
