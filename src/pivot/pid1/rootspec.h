/* SPDX-License-Identifier: MIT */
/*
 * What root= names in PID-1 mode (docs/pid1.md, "Root device"), and
 * whether a device's identifiers answer to it.  No libblkid here, so that
 * the parser is tested and fuzzed on its own.
 */
#ifndef CFS_PIVOT_ROOTSPEC_H
#define CFS_PIVOT_ROOTSPEC_H

#include <stdbool.h>

enum pid1_root_kind {
	PID1_ROOT_PATH,         /* /dev/vda2 */
	PID1_ROOT_UUID,         /* the file system's UUID */
	PID1_ROOT_LABEL,        /* the file system's label */
	PID1_ROOT_PARTUUID,     /* the partition's UUID (GPT) or disk id and number (MBR) */
	PID1_ROOT_PARTLABEL,    /* the partition's name (GPT) */
};

struct pid1_rootspec {
	enum pid1_root_kind kind;
	const char *word;       /* the whole root= value, for messages */
	const char *value;      /* the path, or what follows TAG= */
};

/*
 * Parses the value of root= into spec (which points into it).  Refuses,
 * with one logged line, an empty value and the forms cfs-pivot does not
 * resolve (a bare name, major:minor numbers, PARTUUID=.../PARTNROFF=,
 * udev's /dev/disk links): -EINVAL.
 */
int pid1_rootspec_parse(const char *word, struct pid1_rootspec *spec);

/*
 * Whether the identifiers libblkid reported for a device satisfy spec:
 * UUIDs compare without regard to case (blkid prints a FAT volume id in
 * capitals, people type it in either), labels exactly.  Each may be NULL.
 */
bool pid1_rootspec_match(const struct pid1_rootspec *spec, const char *uuid,
			 const char *label, const char *partuuid, const char *partlabel);

#endif
