// SPDX-License-Identifier: MIT
/*
 * PID-1 mode's two text inputs: the modules list of the initramfs and the
 * root= word of the kernel command line.  Any bytes must give a result,
 * never a crash or a read out of bounds, and what is accepted must be what
 * the parsers promise: module names of the allowed characters and length,
 * root= values that are not empty and lie inside the word.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pivot/pid1/modlist.h"
#include "pivot/pid1/rootspec.h"
#include "lib/base/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_modlist(const char *text, size_t size)
{
	struct pid1_modlist l;

	if (pid1_modlist_parse(&l, "modules", text, size) == 0) {
		for (size_t i = 0; i < l.n; i++) {
			size_t n = strlen(l.names[i]);

			if (n == 0 || n > PID1_MODULE_NAME_MAX ||
			    strspn(l.names[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					       "0123456789-_") != n)
				abort();
		}
	}
	pid1_modlist_done(&l);
}

static void check_rootspec(const char *word)
{
	struct pid1_rootspec s;

	if (pid1_rootspec_parse(word, &s) < 0)
		return;
	if (s.word != word || s.value < word || s.value > word + strlen(word) || !*s.value)
		abort();
	if (s.kind == PID1_ROOT_PATH &&
	    (strncmp(word, "/dev/", 5) != 0 || strncmp(word, "/dev/disk/", 10) == 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	cfs_log_set_level(LOG_CRIT);
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_modlist(text, size);
	check_rootspec(text);
	free(text);
	return 0;
}
