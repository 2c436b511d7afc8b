// SPDX-License-Identifier: MIT
/* cfsboot verify: the check cfs-pivot makes at boot, on the host. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "tool/common/options.h"
#include "tool/commands.h"
#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "tool/sign/sigargs.h"
#include "tool/sign/sigtrust.h"
#include "lib/base/util.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: cfsboot verify --trust DIR [--revoked FILE] [--signer-ca PINS]\n"
		     "                      [--min-version N] [--check-clock] [--hash ALG]\n"
		     "                      (IMAGE | --digest ALG:HEX) SIG\n\n"
		     "Verify the signature SIG of an image as cfs-pivot does at boot: a chain from\n"
		     "the signer to a certificate in DIR, the image-signing usage, revocation and\n"
		     "the security version.  Exits 0 only for a valid signature, and prints its\n"
		     "signer, the fingerprint of the signer's key (spki:, the SHA-256 of its\n"
		     "SubjectPublicKeyInfo, as a revocation list names it) and the version.\n\n");
	sig_trust_help(out, 0);
	fputs("  --hash ALG         fs-verity hash of IMAGE: sha256 (default) or sha512\n"
	      "  --digest ALG:HEX   verify for this digest instead of reading an image\n"
	      "  -h, --help         show this help\n", out);
}

static void print_result(const struct cfs_sig_result *res)
{
	char hex[2 * CFS_SIG_FINGERPRINT_SIZE + 1];

	cfs_hex_encode(res->fingerprint, sizeof(res->fingerprint), hex);
	printf("signer: %s\nfingerprint: spki:%s\nversion: %llu%s\n", res->signer, hex,
	       (unsigned long long)res->version, res->has_version ? "" : " (no version attribute)");
}

static int read_signature(const char *path, uint8_t **sig, size_t *len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return log_errno(-errno, "cannot open signature %s: %m", path);
	return cfs_sig_read_fd(fd, path, sig, len);
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		SIG_TRUST_OPTIONS,
		{ "hash",        required_argument, NULL, 'H' },
		{ "digest",      required_argument, NULL, 'd' },
		{ "help",        no_argument,       NULL, 'h' },
		{}
	};
	const char *digest_arg = NULL, *sig_path;
	struct sig_trust trust;
	struct cfs_sig_result res;
	enum cfs_hash_alg alg = CFS_HASH_SHA256;
	uint8_t digest[CFS_MAX_DIGEST_SIZE];
	_cleanup_free_ uint8_t *sig = NULL;
	size_t sig_len;
	int c, r;

	sig_trust_init(&trust, 0);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((r = sig_trust_option(&trust, c, optarg)) < 0)
			return EXIT_USAGE;
		if (r > 0)
			continue;
		switch (c) {
		case 'd': digest_arg = optarg; break;
		case 'H':
			if (option_hash(optarg, &alg) < 0)
				return EXIT_USAGE;
			break;
		default:
			return option_end(c, usage);
		}
	}
	if (!trust.files.trust) {
		log_error("--trust DIR is required: verification needs trust anchors");
		return EXIT_USAGE;
	}
	if (argc - optind != (digest_arg ? 1 : 2)) {
		log_error("give IMAGE SIG, or --digest ALG:HEX and SIG");
		return EXIT_USAGE;
	}
	if (digest_arg && sigargs_parse_digest(digest_arg, &alg, digest) < 0)
		return EXIT_USAGE;
	sig_path = argv[argc - 1];

	r = sig_trust_load(&trust);
	if (r < 0) {
		sig_trust_done(&trust);
		return r == -ENOTRECOVERABLE ? EXIT_FAILED : EXIT_TRUST_CONFIG;
	}
	r = digest_arg ? 0 : sigargs_image_digest(argv[optind], alg, digest);
	if (r == 0)
		r = read_signature(sig_path, &sig, &sig_len);
	if (r == 0)
		r = cfs_sig_verify(sig_path, sig, sig_len, alg, digest, &trust.loaded.policy, &res);
	sig_trust_done(&trust);
	if (r < 0)
		return sigargs_exit_code(r);
	print_result(&res);
	return EXIT_OK;
}
