/* SPDX-License-Identifier: MIT */
/* The names in a directory, sorted, for commands that walk one in a
 * reproducible order (mkimage's scan, fsck's list of images). */
#ifndef CFSBOOT_DIR_NAMES_H
#define CFSBOOT_DIR_NAMES_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Reads d to its end (it is not closed) and returns the names keep()
 * accepts, or all but "." and ".." when keep is NULL, in byte order
 * (strcmp), as new strings in a new array.  name names the directory in
 * messages.  Returns 0 or a negative errno, logged ("cannot read directory
 * NAME: ..." or out of memory); *out is then NULL.
 */
int dir_names(DIR *d, const char *name, bool (*keep)(const char *name), char ***out,
	      size_t *n_out);

void dir_names_free(char **names, size_t n);

#endif
