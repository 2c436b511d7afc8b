// SPDX-License-Identifier: MIT
#include "tool/deploy/fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fault_point(const char *step)
{
	const char *at = getenv("CFSBOOT_FAULT_AT");

	if (at && strcmp(at, step) == 0) {
		fprintf(stderr, "cfsboot: CFSBOOT_FAULT_AT=%s: stopping here (a test's fault)\n", step);
		_exit(FAULT_EXIT);
	}
}
