// SPDX-License-Identifier: MIT
#include "tool/sign/sigtrust.h"

#include <errno.h>

#include "lib/base/log.h"
#include "tool/sign/sigargs.h"

void sig_trust_init(struct sig_trust *t, unsigned flags)
{
	bool installed = flags & SIG_TRUST_INSTALLED;

	*t = (struct sig_trust){
		.files = {
			.trust = installed ? "/etc/cfsboot/trust.d" : NULL,
			.revoked = installed ? "/etc/cfsboot/revoked.list" : NULL,
			.signer_ca = "any",
			.revoked_required = !installed,
		},
		.tpm = flags & SIG_TRUST_TPM ? "auto" : NULL,
		.flags = flags,
	};
}

void sig_trust_help(FILE *out, unsigned flags)
{
	struct sig_trust d;

	sig_trust_init(&d, flags);
	fprintf(out, "  --trust DIR        trust anchors: every certificate file in DIR%s%s%s\n",
		d.files.trust ? "\n                     (default " : "",
		d.files.trust ?: "", d.files.trust ? ")" : "");
	fprintf(out, "  --revoked FILE     revoked keys (spki:) and certificates, one per line%s%s%s\n",
		d.files.revoked ? "\n                     (default " : "",
		d.files.revoked ?: "", d.files.revoked ? "; missing: nothing revoked)" : "");
	fputs("  --signer-ca PINS   the chain must pass through a CA of one of these keys:\n"
	      "                     spki:<sha256>[,spki:<sha256>...] (default any)\n"
	      "  --min-version N    refuse security versions below N (default 0)\n"
	      "  --check-clock      also check validity periods against the clock\n", out);
	if (flags & SIG_TRUST_TPM)
		fputs("  --tpm DEV          the TPM whose anti-rollback floor raises --min-version:\n"
		      "                     auto (default; none when there is no TPM), a device,\n"
		      "                     swtpm:host=H,port=P, or none (also written off)\n", out);
}

int sig_trust_option(struct sig_trust *t, int c, const char *arg)
{
	struct cfs_sig_pins pins;

	switch (c) {
	case SIG_TRUST_OPT_TRUST: t->files.trust = arg; return 1;
	case SIG_TRUST_OPT_REVOKED: t->files.revoked = arg; return 1;
	case SIG_TRUST_OPT_CLOCK: t->files.check_clock = true; return 1;
	case SIG_TRUST_OPT_TPM: t->tpm = arg; return 1;
	case SIG_TRUST_OPT_SIGNER_CA:
		/* Parsed again where loaded; here to refuse before any work. */
		if (cfs_sig_pins_parse(arg, &pins) < 0)
			return log_errno(-EINVAL, "--signer-ca %s: write %s", arg, CFS_SIG_PINS_SYNTAX);
		t->files.signer_ca = arg;
		return 1;
	case SIG_TRUST_OPT_MIN_VERSION:
		if (sigargs_parse_version("--min-version", arg, &t->files.min_version) < 0)
			return -EINVAL;
		return 1;
	default:
		return 0;
	}
}

int sig_trust_load(struct sig_trust *t)
{
	if (!t->files.trust)
		return log_errno(-EINVAL, "--trust DIR is required: verification needs trust anchors");
	if (cfs_sig_init(true) < 0)
		return -ENOTRECOVERABLE;
	return cfs_sig_files_load(&t->files, &t->loaded);
}

void sig_trust_done(struct sig_trust *t)
{
	cfs_sig_files_free(&t->loaded);
}
