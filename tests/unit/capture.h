/* SPDX-License-Identifier: MIT */
/*
 * Catches what the code under test logs, so that a test can check that a
 * refusal says one line naming the offending input.  The log goes to
 * stderr; cmocka reports on stdout, so the two do not mix.
 */
#ifndef CFS_TEST_CAPTURE_H
#define CFS_TEST_CAPTURE_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char captured[16384];
static FILE *capture_file;
static int capture_saved_fd = -1;

static void capture_start(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	capture_saved_fd = dup(STDERR_FILENO);
	if (!capture_file || capture_saved_fd < 0 ||
	    dup2(fileno(capture_file), STDERR_FILENO) < 0) {
		perror("capture_start");
		abort();
	}
}

/* What was logged since capture_start(). */
static const char *capture_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(capture_saved_fd, STDERR_FILENO);
	close(capture_saved_fd);
	rewind(capture_file);
	n = fread(captured, 1, sizeof(captured) - 1, capture_file);
	captured[n] = '\0';
	fclose(capture_file);
	return captured;
}

static unsigned int count_lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* cmocka has no substring assertion; this one prints both strings. */
#define assert_contains(haystack, needle)                                         \
	do {                                                                      \
		const char *_h = (haystack), *_n = (needle);                      \
		if (!strstr(_h, _n))                                              \
			fail_msg("\"%s\" does not contain \"%s\"", _h, _n);      \
	} while (0)

#endif
