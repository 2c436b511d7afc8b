/* SPDX-License-Identifier: MIT */
/*
 * JSON string literals, for every JSON file we write (the status file, the
 * measurement log).  '"', '\' and control characters (and DEL) are
 * escaped, valid UTF-8 is written as it is, and every byte that is not part
 * of a valid UTF-8 sequence is written as \u00XX, i.e. read as Latin-1.
 * Nothing is dropped or refused, so that whatever bytes a field holds the
 * result is valid JSON; a reader that needs the exact bytes of such a
 * field cannot get them, which is acceptable for diagnostic files.
 */
#ifndef CFS_JSON_WRITE_H
#define CFS_JSON_WRITE_H

#include <stdio.h>

/* Writes s, quoted and escaped, to f. */
void cfs_json_write_string(FILE *f, const char *s);

#endif
