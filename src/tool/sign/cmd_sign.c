// SPDX-License-Identifier: MIT
/* cfsboot sign: a signature over an image's fs-verity digest. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tool/common/options.h"
#include "tool/common/atomic_file.h"
#include "tool/commands.h"
#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/store/layout.h"
#include "lib/store/lock.h"
#include "lib/store/meta.h"
#include "lib/store/store_sig.h"
#include "tool/sign/sigargs.h"
#include "tool/sign/sign.h"
#include "tool/sign/sigsigner.h"
#include "lib/trust/signature.h"
#include "lib/base/util.h"

static void usage(FILE *out)
{
	fputs("Usage: cfsboot sign --key KEY --cert CERT [--chain FILE] [--version N]\n"
	      "                    [--hash ALG] (IMAGE | --digest ALG:HEX) [-o SIG | --store DIR]\n\n"
	      "Sign the fs-verity digest of a composefs image: a detached DER PKCS#7/CMS\n"
	      "signature over the formatted digest, certificates embedded, the security\n"
	      "version as a signed attribute (docs/signature.md).\n\n", out);
	sig_signer_help(out, "the signing key");
	fputs("  --version N        security version (anti-rollback index); none means 0\n"
	      "  --hash ALG         fs-verity hash of IMAGE: sha256 (default) or sha512\n"
	      "  --digest ALG:HEX   sign this digest instead of reading an image\n"
	      "  -o, --output SIG   write the signature here (default IMAGE.sig)\n"
	      "  --store DIR        write DIR/signatures/<digest>.sig for DIR/images/<digest>\n"
	      "  -h, --help         show this help\n", out);
}

/* -o PATH as a directory, opened into *dir_fd, and a file name in it. */
static int split_output(const char *path, char **dir, char **name, int *dir_fd)
{
	const char *slash = strrchr(path, '/');

	if (!*(slash ? slash + 1 : path))
		return log_errno(-EINVAL, "-o %s: name a file, not a directory", path);
	*dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	*name = strdup(slash ? slash + 1 : path);
	if (!*dir || !*name)
		return log_oom();
	*dir_fd = open(*dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return *dir_fd < 0 ? log_errno(-errno, "cannot open the directory %s: %m", *dir) : 0;
}

/* STORE/signatures, opened into *dir_fd (made when missing), and
 * <hex>.sig, refusing when the store does not hold the image (a signature
 * that names an absent image is a mistake) or is not ours to write
 * (meta.json).  *lock_fd holds the store's shared lock until the signature
 * is written; signatures an earlier cfsboot left in images/ are moved
 * first (lib/store/store_sig.h). */
static int store_output(const char *store, enum cfs_hash_alg alg, const uint8_t *digest,
			char **dir, char **name, int *dir_fd, int *lock_fd)
{
	char hex[2 * CFS_MAX_DIGEST_SIZE + 1];
	_cleanup_free_ char *image = NULL;
	_cleanup_close_ int store_fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct cfs_store_meta meta;
	struct stat st;
	int r;

	if (store_fd < 0)
		return log_errno(-errno, "cannot open the store %s: %m", store);
	*lock_fd = cfs_store_lock(store_fd, store, CFS_STORE_LOCK_SHARED, true);
	if (*lock_fd < 0)
		return *lock_fd;
	r = cfs_store_meta_read(store_fd, store, &meta);
	if (r >= 0)
		r = cfs_store_meta_check_writable(&meta, store);
	if (r >= 0)
		r = cfs_store_meta_check_alg(&meta, alg, store, "the digest to sign");
	if (r < 0)
		return r;

	cfs_hex_encode(digest, cfs_hash_digest_size(alg), hex);
	if (asprintf(dir, "%s/" CFS_STORE_SIGNATURES, store) < 0 ||
	    asprintf(name, "%s" CFS_STORE_SIG_SUFFIX, hex) < 0 ||
	    asprintf(&image, "%s/" CFS_STORE_IMAGE_FMT, store, hex) < 0)
		return log_oom();
	/* The image may be a link into objects/ (composefs-rs): any entry counts. */
	if (fstatat(AT_FDCWD, image, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return log_errno(-errno, "cannot sign into the store: %s: %m; add the image "
				 "first, or write the signature with -o", image);
	r = cfs_store_migrate_signatures(store_fd, store);
	if (r >= 0)
		r = *dir_fd = cfs_store_open_signatures(store_fd, store);
	return r < 0 ? r : 0;
}

static void print_signed(enum cfs_hash_alg alg, const uint8_t *digest, const char *dir,
			 const char *name)
{
	char hex[2 * CFS_MAX_DIGEST_SIZE + 1];

	cfs_hex_encode(digest, cfs_hash_digest_size(alg), hex);
	printf("signed %s:%s into %s/%s\n", cfs_hash_name(alg), hex, dir, name);
}

int cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		SIG_SIGNER_OPTIONS,
		{ "version", required_argument, NULL, 'V' },
		{ "hash",    required_argument, NULL, 'H' },
		{ "digest",  required_argument, NULL, 'd' },
		{ "output",  required_argument, NULL, 'o' },
		{ "store",   required_argument, NULL, 's' },
		{ "help",    no_argument,       NULL, 'h' },
		{}
	};
	const char *output = NULL, *store = NULL;
	const char *digest_arg = NULL, *image = NULL;
	_cleanup_free_ char *dir = NULL, *name = NULL, *default_output = NULL;
	_cleanup_close_ int lock_fd = -1, dir_fd = -1;
	_cleanup_free_ uint8_t *der = NULL;
	enum cfs_hash_alg alg = CFS_HASH_SHA256;
	uint8_t digest[CFS_MAX_DIGEST_SIZE];
	struct sig_signer files = {};
	struct signer signer = {};
	bool has_version = false;
	uint64_t version = 0;
	size_t der_len;
	int c, r;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (sig_signer_option(&files, c, optarg))
			continue;
		switch (c) {
		case 'd': digest_arg = optarg; break;
		case 'o': output = optarg; break;
		case 's': store = optarg; break;
		case 'V':
			if (sigargs_parse_version("--version", optarg, &version) < 0)
				return EXIT_USAGE;
			has_version = true;
			break;
		case 'H':
			if (option_hash(optarg, &alg) < 0)
				return EXIT_USAGE;
			break;
		default:
			return option_end(c, usage);
		}
	}
	if (!sig_signer_given(&files)) {
		log_error("--key and --cert are required; see cfsboot sign --help");
		return EXIT_USAGE;
	}
	if (argc - optind != (digest_arg ? 0 : 1)) {
		log_error("name one IMAGE, or give --digest ALG:HEX and no IMAGE");
		return EXIT_USAGE;
	}
	if (output && store) {
		log_error("-o and --store are exclusive: write the signature to one place");
		return EXIT_USAGE;
	}
	if (digest_arg && !output && !store) {
		log_error("with --digest, say where the signature goes: -o SIG or --store DIR");
		return EXIT_USAGE;
	}
	if (digest_arg && sigargs_parse_digest(digest_arg, &alg, digest) < 0)
		return EXIT_USAGE;
	if (cfs_sig_init(true) < 0)
		return EXIT_FAILED;
	if (!digest_arg) {
		image = argv[optind];
		if (sigargs_image_digest(image, alg, digest) < 0)
			return EXIT_FAILED;
	}
	if (!output && !store) {
		if (asprintf(&default_output, "%s.sig", image) < 0) {
			log_oom();
			return EXIT_FAILED;
		}
		output = default_output;
	}
	r = store ? store_output(store, alg, digest, &dir, &name, &dir_fd, &lock_fd) :
		    split_output(output, &dir, &name, &dir_fd);
	if (r < 0)
		return EXIT_FAILED;

	r = sig_signer_load(&files, &signer);
	if (r == 0)
		r = sign_digest(&signer, alg, digest, has_version, version, &der, &der_len);
	signer_done(&signer);
	/* dir/name holds either its old content or all of the new one, and
	 * the rename is durable when this returns (atomic_file.h). */
	if (r == 0)
		r = atomic_file_write(dir_fd, dir, name, der, der_len, ATOMIC_FILE_REPLACE);
	if (r < 0)
		return EXIT_FAILED;
	print_signed(alg, digest, dir, name);
	return EXIT_OK;
}
