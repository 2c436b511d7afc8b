/* SPDX-License-Identifier: MIT */
/*
 * Fault injection, for tests only: with CFSBOOT_FAULT_AT=<step> in the
 * environment, the command stops dead (exit 99, no cleanup) when it comes
 * to the mutating step of that name, as a power cut there would.  The
 * crash tests (tests/host/deploy-crash.sh) walk every step this way; the
 * steps are named in docs/update.md.  Without the variable it costs one
 * getenv().
 */
#ifndef CFSBOOT_FAULT_H
#define CFSBOOT_FAULT_H

#define FAULT_EXIT 99

void fault_point(const char *step);

#endif
