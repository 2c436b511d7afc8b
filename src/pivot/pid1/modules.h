/* SPDX-License-Identifier: MIT */
/*
 * Kernel modules in PID-1 mode: the initramfs carries the modules its
 * kernel needs to reach the root (storage, file systems, EROFS, overlayfs)
 * under /lib/modules/<release>/ with depmod's index, and names them in
 * PID1_MODULES_LIST (docs/pid1.md, "Modules").
 */
#ifndef CFS_PIVOT_MODULES_H
#define CFS_PIVOT_MODULES_H

/* What PID-1 mode loads (docs/pid1.md), one module name per line
 * (modlist.h). */
#define PID1_MODULES_LIST "/etc/cfsboot/modules"
/* A list longer than this is not a list of modules. */
#define PID1_MODULES_LIST_MAX (64 * 1024)

/*
 * Loads every module the list at list_path names, with its dependencies,
 * from moddir (NULL: /lib/modules/<running kernel's release>).  A missing
 * list means nothing to load.  A module that is built in or already loaded
 * is fine; one that is in neither the kernel nor moddir, or that the
 * kernel refuses, is an error naming it.  0 or a negative errno, logged.
 */
int pid1_load_modules(const char *moddir, const char *list_path);

#endif
