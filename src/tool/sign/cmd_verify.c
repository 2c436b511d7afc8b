// SPDX-License-Identifier: MIT
/* cfsboot verify: the check cfs-pivot makes at boot, on the host. */
#include <assert.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "tool/common/options.h"
#include "tool/commands.h"
#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "tool/sign/sigargs.h"
#include "lib/trust/sig_anchors.h"
#include "lib/trust/sig_pins.h"
#include "lib/trust/sig_revoked.h"
#include "lib/trust/signature.h"
#include "lib/base/util.h"

/* Exit codes beyond the shared ones (docs/errors.md): one per failure
 * class, so that a script can tell why a signature was refused.  They are
 * an interface: a new class gets a new code, none is ever renumbered. */
enum {
	EXIT_TRUST_CONFIG = 24, /* the trust directory or revocation list is unusable */
};

static const int class_exit[] = {
	[CFS_SIG_EMPTY - CFS_SIG_EMPTY]         = 10,
	[CFS_SIG_TOO_LARGE - CFS_SIG_EMPTY]     = 11,
	[CFS_SIG_TRUNCATED - CFS_SIG_EMPTY]     = 12,
	[CFS_SIG_MALFORMED - CFS_SIG_EMPTY]     = 13,
	[CFS_SIG_MISMATCH - CFS_SIG_EMPTY]      = 14,
	[CFS_SIG_UNTRUSTED - CFS_SIG_EMPTY]     = 15,
	[CFS_SIG_NOT_CA - CFS_SIG_EMPTY]        = 16,
	[CFS_SIG_USAGE - CFS_SIG_EMPTY]         = 17,
	[CFS_SIG_REVOKED - CFS_SIG_EMPTY]       = 18,
	[CFS_SIG_ROLLBACK - CFS_SIG_EMPTY]      = 19,
	[CFS_SIG_EXPIRED - CFS_SIG_EMPTY]       = 20,
	[CFS_SIG_NOT_YET_VALID - CFS_SIG_EMPTY] = 21,
	[CFS_SIG_ALGORITHM - CFS_SIG_EMPTY]     = 22,
	[CFS_SIG_BAD_CHAIN - CFS_SIG_EMPTY]     = 23,
	[CFS_SIG_SCOPE - CFS_SIG_EMPTY]         = 25,
};
static_assert(ARRAY_SIZE(class_exit) == _CFS_SIG_ERROR_END - CFS_SIG_EMPTY,
	      "every failure class has an exit code");

static void usage(FILE *out)
{
	fprintf(out, "Usage: cfsboot verify --trust DIR [--revoked FILE] [--signer-ca PINS]\n"
		     "                      [--min-version N] [--check-clock] [--hash ALG]\n"
		     "                      (IMAGE | --digest ALG:HEX) SIG\n\n"
		     "Verify the signature SIG of an image as cfs-pivot does at boot: a chain from\n"
		     "the signer to a certificate in DIR, the image-signing usage, revocation and\n"
		     "the security version.  Exits 0 only for a valid signature, and prints its\n"
		     "signer, the fingerprint of the signer's key (spki:, the SHA-256 of its\n"
		     "SubjectPublicKeyInfo, as a revocation list names it) and the version.\n\n"
		     "  --trust DIR        trust anchors: every certificate file in DIR\n"
		     "  --revoked FILE     revoked keys (spki:) and certificates, one per line\n"
		     "  --signer-ca PINS   the chain must pass through a CA of one of these keys:\n"
		     "                     spki:<sha256>[,spki:<sha256>...] (policy signer-ca)\n"
		     "  --min-version N    refuse security versions below N (default 0)\n"
		     "  --check-clock      also check validity periods against the clock\n"
		     "  --hash ALG         fs-verity hash of IMAGE: sha256 (default) or sha512\n"
		     "  --digest ALG:HEX   verify for this digest instead of reading an image\n"
		     "  -h, --help         show this help\n");
}

static int exit_code(int r)
{
	return cfs_sig_error_name(r) ? class_exit[-r - CFS_SIG_EMPTY] : EXIT_FAILED;
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
		{ "trust",       required_argument, NULL, 't' },
		{ "revoked",     required_argument, NULL, 'r' },
		{ "signer-ca",   required_argument, NULL, 'p' },
		{ "min-version", required_argument, NULL, 'm' },
		{ "check-clock", no_argument,       NULL, 'c' },
		{ "hash",        required_argument, NULL, 'H' },
		{ "digest",      required_argument, NULL, 'd' },
		{ "help",        no_argument,       NULL, 'h' },
		{}
	};
	const char *trust = NULL, *revoked = NULL, *digest_arg = NULL, *sig_path;
	struct cfs_sig_anchors *anchors = NULL;
	struct cfs_sig_revoked *revoked_list = NULL;
	struct cfs_sig_policy policy = {};
	struct cfs_sig_pins pins = {};
	struct cfs_sig_result res;
	enum cfs_hash_alg alg = CFS_HASH_SHA256;
	uint8_t digest[CFS_MAX_DIGEST_SIZE];
	_cleanup_free_ uint8_t *sig = NULL;
	size_t sig_len;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': trust = optarg; break;
		case 'r': revoked = optarg; break;
		case 'p':
			if (cfs_sig_pins_parse(optarg, &pins) < 0) {
				log_error("--signer-ca %s: write %s", optarg, CFS_SIG_PINS_SYNTAX);
				return EXIT_USAGE;
			}
			policy.signer_cas = &pins;
			break;
		case 'c': policy.check_clock = true; break;
		case 'd': digest_arg = optarg; break;
		case 'm':
			if (sigargs_parse_version("--min-version", optarg, &policy.min_version) < 0)
				return EXIT_USAGE;
			break;
		case 'H':
			if (option_hash(optarg, &alg) < 0)
				return EXIT_USAGE;
			break;
		default:
			return option_end(c, usage);
		}
	}
	if (!trust) {
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

	if (cfs_sig_init(true) < 0)
		return EXIT_FAILED;
	r = cfs_sig_anchors_load(trust, &anchors);
	if (r == 0 && revoked)
		r = cfs_sig_revoked_load(revoked, false, &revoked_list);
	if (r < 0) {
		cfs_sig_anchors_free(anchors);
		return EXIT_TRUST_CONFIG;
	}
	policy.anchors = anchors;
	policy.revoked = revoked_list;

	r = digest_arg ? 0 : sigargs_image_digest(argv[optind], alg, digest);
	if (r == 0)
		r = read_signature(sig_path, &sig, &sig_len);
	if (r == 0)
		r = cfs_sig_verify(sig_path, sig, sig_len, alg, digest, &policy, &res);
	cfs_sig_anchors_free(anchors);
	cfs_sig_revoked_free(revoked_list);
	if (r < 0)
		return exit_code(r);
	print_result(&res);
	return EXIT_OK;
}
