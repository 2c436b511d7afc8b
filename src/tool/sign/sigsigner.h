/* SPDX-License-Identifier: MIT */
/*
 * The signer options of every command that makes signatures (sign, and
 * publish for its channel file): --key, --cert and --chain, parsed,
 * described and loaded in one way, so that a key is named alike wherever
 * one signs.
 */
#ifndef CFSBOOT_SIGSIGNER_H
#define CFSBOOT_SIGSIGNER_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "tool/sign/sign.h"

struct sig_signer {
	const char *key, *cert, *chain;  /* --key, --cert, --chain; NULL: not given */
};

enum { SIG_SIGNER_OPT_KEY = 0x1200, SIG_SIGNER_OPT_CERT, SIG_SIGNER_OPT_CHAIN };
/* getopt_long entries of the options. */
#define SIG_SIGNER_OPTIONS \
	{ "key",   required_argument, NULL, SIG_SIGNER_OPT_KEY }, \
	{ "cert",  required_argument, NULL, SIG_SIGNER_OPT_CERT }, \
	{ "chain", required_argument, NULL, SIG_SIGNER_OPT_CHAIN }

/* The help lines of the options; role says what the key signs
 * ("the signing key", "the channel key, with --channel"). */
void sig_signer_help(FILE *out, const char *role);

/* Takes getopt's c and optarg: true when c is one of the options. */
bool sig_signer_option(struct sig_signer *s, int c, const char *arg);

/* Both --key and --cert given (--chain is optional). */
bool sig_signer_given(const struct sig_signer *s);

/* Loads the key and the certificates named (signer_load()).  Returns 0 or a
 * negative errno, logged; signer_done() releases out either way. */
int sig_signer_load(const struct sig_signer *s, struct signer *out);

#endif
