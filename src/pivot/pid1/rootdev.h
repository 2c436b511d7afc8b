/* SPDX-License-Identifier: MIT */
/*
 * The physical root in PID-1 mode: what root= names, waiting for that
 * device to appear, and mounting it (docs/pid1.md, "Root device").
 */
#ifndef CFS_PIVOT_ROOTDEV_H
#define CFS_PIVOT_ROOTDEV_H

#include <stdbool.h>
#include <stddef.h>

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

/*
 * Waits until the device spec names exists, at most timeout_s seconds
 * (checking every PID1_ROOT_POLL_MS), and writes its /dev path to path.
 * Two devices answering to the same UUID= or LABEL= at once is an error,
 * not a guess.  0, -ETIMEDOUT, -ENOTUNIQ or another negative errno, each
 * logged.
 */
#define PID1_ROOT_POLL_MS 100
int pid1_rootdev_wait(const struct pid1_rootspec *spec, unsigned int timeout_s,
		      char *path, size_t size);

/*
 * Mounts the device at sysroot (created if missing): the mount read-only,
 * its file system writable (docs/pid1.md), with rootflags as the file
 * system's options (NULL: none; "ro" among them makes the file system
 * read-only too).  A device that can only be read is mounted read-only
 * as a whole, with a notice.  rootfstype is NULL (use the type libblkid
 * finds) or a comma-separated list tried in order, as the kernel does.
 * 0 or a negative errno, logged.
 */
int pid1_rootdev_mount(const char *dev, const char *rootfstype, const char *rootflags,
		       const char *sysroot);

#endif
