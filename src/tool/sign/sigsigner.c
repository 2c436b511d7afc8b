// SPDX-License-Identifier: MIT
#include "tool/sign/sigsigner.h"

void sig_signer_help(FILE *out, const char *role)
{
	fprintf(out, "  --key FILE         %s (PEM; RSA or ECDSA)\n", role);
	fputs("  --cert FILE        its certificate (PEM or DER); further PEM certificates in\n"
	      "                     the file are embedded as the chain\n"
	      "  --chain FILE       intermediate certificates to embed (PEM)\n", out);
}

bool sig_signer_option(struct sig_signer *s, int c, const char *arg)
{
	switch (c) {
	case SIG_SIGNER_OPT_KEY: s->key = arg; return true;
	case SIG_SIGNER_OPT_CERT: s->cert = arg; return true;
	case SIG_SIGNER_OPT_CHAIN: s->chain = arg; return true;
	default: return false;
	}
}

bool sig_signer_given(const struct sig_signer *s)
{
	return s->key && s->cert;
}

int sig_signer_load(const struct sig_signer *s, struct signer *out)
{
	return signer_load(s->key, s->cert, s->chain, out);
}
