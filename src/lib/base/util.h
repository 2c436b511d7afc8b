/* SPDX-License-Identifier: MIT */
/*
 * Small helpers every file uses: cleanup attributes, so that early returns
 * never leak an fd or a buffer, and a few integer and I/O helpers.
 *
 * Functions in src/lib return 0 or a negative errno and log at the point of
 * failure; callers pass the negative errno up without logging it again.
 * The exceptions say so: helpers that have no name for what failed (the
 * I/O helpers below, cfs_parse_u64(), cfs_grow()) return it unlogged, for
 * the caller to log once with the name.
 */
#ifndef CFS_UTIL_H
#define CFS_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ROUND_UP(x, a) ((((x) + (a) - 1) / (a)) * (a))
#define DIV_ROUND_UP(x, a) (((x) + (a) - 1) / (a))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static inline void cfs_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

/* Closes fd if it is open and returns -1, for `fd = safe_close(fd);`, so
 * that a closed descriptor is never left in a variable. */
static inline int safe_close(int fd)
{
	cfs_closep(&fd);
	return -1;
}

static inline void cfs_freep(void *p)
{
	free(*(void **)p);
}

static inline void cfs_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_(f)    __attribute__((cleanup(f)))
#define _cleanup_close_ _cleanup_(cfs_closep)
#define _cleanup_free_  _cleanup_(cfs_freep)
#define _cleanup_fclose_ _cleanup_(cfs_fclosep)

/* Hand a cleaned-up value to the caller: the variable no longer owns it. */
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })

/* Read or write exactly len bytes at off; -EIO on a short file. */
/* The monotonic clock in microseconds: durations in the status and logs. */
uint64_t cfs_now_usec(void);

int cfs_pread_full(int fd, void *buf, size_t len, off_t off);
int cfs_write_full(int fd, const void *buf, size_t len);

/* Little-endian loads and stores (the format is little-endian everywhere). */
static inline uint16_t get_le16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t get_le32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline uint64_t get_le64(const void *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32((const uint8_t *)p + 4) << 32;
}

static inline void put_le16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(void *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16((uint8_t *)p + 2, (uint16_t)(v >> 16));
}

static inline void put_le64(void *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

#endif
