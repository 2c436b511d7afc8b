// SPDX-License-Identifier: MIT
/*
 * cfsboot pull: bring a channel's current image into the store from a
 * repository that cfsboot publish wrote, in a directory or over HTTP(S).
 * The order is the point (docs/update.md "What is verified when"): the
 * channel's signature, expiry and serial; then the image's digest,
 * signature, revocation and security version; only then any object, each
 * checked before it takes its name; the image last.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/parse.h"
#include "lib/base/util.h"
#include "lib/image/image.h"
#include "lib/store/store_sig.h"
#include "tool/commands.h"
#include "tool/pull/channel_sig.h"
#include "tool/pull/encoding.h"
#include "tool/pull/import.h"
#include "tool/pull/progress.h"
#include "tool/pull/pull_deploy.h"
#include "tool/pull/source.h"
#include "tool/sign/sigargs.h"
#include "tool/sign/sigtrust.h"
#include "tool/tpm/floor.h"

/* Exit codes of pull beyond the shared ones and the signature classes
 * (docs/errors.md).  An interface: never renumbered. */
enum {
	EXIT_PULL_CHANNEL  = 30,  /* channel file missing, malformed, badly signed */
	EXIT_PULL_EXPIRED  = 31,  /* channel expired */
	EXIT_PULL_REPLAYED = 32,  /* channel older than the last one accepted */
	EXIT_PULL_IMAGE    = 33,  /* image not what the channel names, or malformed */
	EXIT_PULL_TRANSFER = 34,  /* a file could not be fetched */
	EXIT_PULL_OBJECT   = 35,  /* an object is not what the image records */
	EXIT_PULL_SOURCE   = 36,  /* the source is unusable, or a path leaves it */
};

struct pull {
	const char *channel, *store_dir;
	struct pull_deploy deploy;
	bool already;                     /* the store had the channel's image */
	struct source_options sopts;
	struct sig_trust trust;
	struct source *src;
	struct store store;
	struct progress prog;
	struct channel ch;
	char *chan_file;
	size_t chan_len;
	uint8_t *image, *sig;
	size_t image_len, sig_len;
	char hex[2 * CFS_MAX_DIGEST_SIZE + 1];
};

static void usage(FILE *out)
{
	fputs("Usage: cfsboot pull --trust DIR [OPTIONS] [--deploy [DEPLOY OPTIONS]] SOURCE\n\n"
		     "Bring the current image of a channel into the store, from a repository\n"
		     "written by cfsboot publish: SOURCE is its directory (a second disk, a USB\n"
		     "stick) or its http:// or https:// URL.  The channel's signature, expiry and\n"
		     "serial are checked first, then the image's signature and security version;\n"
		     "only then are the objects the store lacks fetched, each checked against its\n"
		     "digest before it enters the store.  The image enters last.\n\n"
		     "  --channel NAME     the channel (default stable)\n"
		     "  --store DIR        the store to fill (default /composefs; with --deploy,\n"
		     "                     ROOT/composefs)\n", out);
	sig_trust_help(out, SIG_TRUST_TPM);
	pull_deploy_help(out);
	fputs("  --parallel N       transfers at once (default 8)\n"
	      "  --retries N        further attempts after a failed transfer (default 4)\n"
	      "  --timeout SEC      to connect, and without a byte arriving (default 30)\n"
	      "  -h, --help         show this help\n\n"
	      "Exit codes (docs/errors.md): 30 channel refused, 31 expired, 32 replayed,\n"
	      "33 image refused, 10-25 its signature, 34 transfer failed, 35 object\n"
	      "refused, 36 source unusable.\n", out);
}

/* The exit code of a fetch's failure; what the file was decides for a
 * file that is not what it must be. */
static int fetch_exit(int r, int refused)
{
	switch (r) {
	case -ENOENT: case -EPROTO: case -ETIMEDOUT: case -ECONNRESET: case -EIO:
		return EXIT_PULL_TRANSFER;
	case -EFBIG: case -EBADMSG:
		return refused;
	case -ELOOP: case -EXDEV: case -EUCLEAN:
		return EXIT_PULL_SOURCE;
	default:
		return EXIT_FAILED;
	}
}

static int parse_count(const char *opt, const char *arg, unsigned lo, unsigned hi, unsigned *out)
{
	uint64_t v;

	if (cfs_parse_u64(arg, &v) < 0 || v < lo || v > hi) {
		log_error("%s %s: give a number from %u to %u", opt, arg, lo, hi);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

/* The floor the image's version must reach: --min-version and the TPM's. */
static int read_floor(struct pull *p)
{
	struct floor f;
	int r;

	r = floor_read(&p->trust, &f);
	if (r < 0)
		return r;
	if (f.tpm)
		progress_step(&p->prog, "TPM %s: anti-rollback floor %" PRIu64, f.tpm_name,
			      f.tpm_value);
	p->trust.loaded.policy.min_version = f.value;
	return 0;
}

/* Step 1: the channel, verified and not older than the last one accepted.
 * Returns an exit code; *fresh false when the store already has it all. */
static int step_channel(struct pull *p, bool *fresh)
{
	char path[SOURCE_PATH_MAX], shown[SOURCE_PATH_MAX + 512];
	struct channel last;
	int r;

	snprintf(path, sizeof(path), CHANNEL_DIR "/%s", p->channel);
	snprintf(shown, sizeof(shown), "%s/%s", source_name(p->src), path);
	r = source_fetch_buf(p->src, path, ENCODING_NONE, CHANNEL_FILE_MAX, false,
			     (uint8_t **)&p->chan_file, &p->chan_len);
	if (r < 0)
		return fetch_exit(r, EXIT_PULL_CHANNEL);
	r = channel_verify(shown, p->chan_file, p->chan_len, p->channel, &p->trust.loaded.policy,
			   (uint64_t)time(NULL), &p->ch);
	if (r == -ETIME)
		return EXIT_PULL_EXPIRED;
	if (r < 0)
		return r == -ENOMEM ? EXIT_FAILED : EXIT_PULL_CHANNEL;
	cfs_hex_encode(p->ch.digest, cfs_hash_digest_size(p->ch.alg), p->hex);
	r = import_last_channel(&p->store, p->channel, &last);
	if (r < 0 && r != -ENOENT)
		return EXIT_FAILED;
	*fresh = true;
	if (r == 0 && p->ch.serial < last.serial) {
		log_error("refusing channel %s: serial %" PRIu64 " is older than serial %" PRIu64
			  " this store already accepted (a replayed channel file); the server "
			  "must publish a newer one", shown, p->ch.serial, last.serial);
		return EXIT_PULL_REPLAYED;
	}
	if (r == 0 && p->ch.serial == last.serial) {
		if (p->ch.alg != last.alg || memcmp(p->ch.digest, last.digest, sizeof(last.digest))) {
			log_error("refusing channel %s: serial %" PRIu64 " names another image than "
				  "the channel of the same serial this store accepted; the "
				  "publisher must raise the serial", shown, p->ch.serial);
			return EXIT_PULL_REPLAYED;
		}
		*fresh = false;
	}
	progress_step(&p->prog, "channel %s serial %" PRIu64 ": image %s:%s, version %" PRIu64
		      ", %" PRIu64 " objects, encoding %s", p->channel, p->ch.serial,
		      cfs_hash_name(p->ch.alg), p->hex, p->ch.version, p->ch.objects,
		      encoding_name(p->ch.encoding));
	return EXIT_OK;
}

/* The image's signature, at signatures/<hex>.sig, or only where the
 * repository has none there (HTTP 404, 410: one an earlier cfsboot
 * published) at images/<hex>.sig; path gets the one fetched.  Where it
 * came from carries no trust: it is verified the same. */
static int fetch_signature(struct pull *p, char path[SOURCE_PATH_MAX])
{
	int r;

	snprintf(path, SOURCE_PATH_MAX, CFS_STORE_SIGNATURE_FMT, p->hex);
	r = source_fetch_buf(p->src, path, ENCODING_NONE, CFS_SIG_MAX_SIZE, true, &p->sig,
			     &p->sig_len);
	if (r != -ENOENT)
		return r;
	snprintf(path, SOURCE_PATH_MAX, CFS_STORE_LEGACY_SIGNATURE_FMT, p->hex);
	r = source_fetch_buf(p->src, path, ENCODING_NONE, CFS_SIG_MAX_SIZE, true, &p->sig,
			     &p->sig_len);
	if (r == -ENOENT)
		return log_errno(r, "%s has no signature of the image %s, neither "
				 CFS_STORE_SIGNATURE_FMT " nor %s; publish the image there again "
				 "(cfsboot publish)", source_name(p->src), p->hex, p->hex, path);
	return r;
}

/* Step 2: the image and its signature, before any object. */
static int step_image(struct pull *p, struct objlist *objs)
{
	char path[SOURCE_PATH_MAX];
	uint8_t digest[CFS_MAX_DIGEST_SIZE];
	struct cfs_sig_result res;
	struct cfs_image_file *img;
	int r;

	if (p->ch.alg != CFS_HASH_SHA256 || p->ch.size > CHANNEL_IMAGE_MAX) {
		log_error("refusing image %s: pull takes sha256 images of at most 1 GiB", p->hex);
		return EXIT_PULL_IMAGE;
	}
	snprintf(path, sizeof(path), CFS_STORE_IMAGE_FMT, p->hex);
	r = source_fetch_buf(p->src, path, p->ch.encoding, p->ch.size, false, &p->image,
			     &p->image_len);
	if (r < 0)
		return fetch_exit(r, EXIT_PULL_IMAGE);
	r = cfs_verity_digest_buf(p->ch.alg, p->image, p->image_len, digest);
	if (r < 0)
		return EXIT_FAILED;
	if (p->image_len != p->ch.size || memcmp(digest, p->ch.digest, CFS_SHA256_DIGEST_SIZE)) {
		log_error("refusing image %s/%s: it is not the image the channel names (%zu bytes, "
			  "the channel says %" PRIu64 "); the repository is damaged",
			  source_name(p->src), path, p->image_len, p->ch.size);
		return EXIT_PULL_IMAGE;
	}
	r = fetch_signature(p, path);
	if (r == -EFBIG)        /* said by the source: verify's class too-large */
		return sigargs_exit_code(-CFS_SIG_TOO_LARGE);
	if (r < 0)
		return fetch_exit(r, EXIT_PULL_IMAGE);
	r = cfs_sig_verify(path, p->sig, p->sig_len, p->ch.alg, p->ch.digest, &p->trust.loaded.policy,
			   &res);
	if (r < 0)
		return sigargs_exit_code(r);
	if (res.version != p->ch.version) {
		log_error("refusing image %s: its signature gives security version %" PRIu64 ", "
			  "the channel %" PRIu64 "; publish it again", p->hex, res.version,
			  p->ch.version);
		return EXIT_PULL_IMAGE;
	}
	progress_step(&p->prog, "image %s: signed by %s, version %" PRIu64, p->hex, res.signer,
		      res.version);
	r = cfs_image_open_buf(p->image, p->image_len, path, &img);
	if (r < 0)
		return cfs_image_is_bad(r) ? EXIT_PULL_IMAGE : EXIT_FAILED;
	r = objlist_build(img, objs);
	cfs_image_close(img);
	if (r < 0)
		return r == -EBADMSG ? EXIT_PULL_SOURCE : EXIT_FAILED;
	if (objs->n != p->ch.objects || objs->bytes != p->ch.object_bytes) {
		log_error("refusing image %s: it needs %zu objects of %" PRIu64 " bytes, the "
			  "channel says %" PRIu64 " of %" PRIu64 "; publish it again", p->hex,
			  objs->n, objs->bytes, p->ch.objects, p->ch.object_bytes);
		return EXIT_PULL_IMAGE;
	}
	for (size_t i = 0; i < objs->n; i++) {
		if (objs->v[i].alg != CFS_HASH_SHA256) {
			log_error("refusing image %s: object %s is not named by SHA-256", p->hex,
				  objs->v[i].path);
			return EXIT_PULL_IMAGE;
		}
	}
	return EXIT_OK;
}

/* Step 3: the objects the store lacks, then the image, then the record. */
static int step_objects(struct pull *p, const struct objlist *objs)
{
	struct source_progress sp = { progress_bytes, progress_file, &p->prog };
	struct object_sink *sinks;
	struct import_pipe pipe;
	struct fetch *fetches;
	uint64_t bytes = 0;
	size_t n;
	int r;

	r = import_plan(&p->store, objs, p->ch.encoding, &pipe, &fetches, &sinks, &n);
	if (r < 0)
		return EXIT_FAILED;
	for (size_t i = 0; i < n; i++)
		bytes += sinks[i].obj->size;
	progress_step(&p->prog, "fetching %zu of %zu objects (%" PRIu64 " bytes); %zu present",
		      n, objs->n, bytes, objs->n - n);
	progress_begin(&p->prog, n, bytes);
	r = import_fetch(&pipe, p->src, fetches, n, &sp);
	progress_end(&p->prog);
	if (r < 0 && fetch_exit(r, EXIT_PULL_OBJECT) != EXIT_PULL_TRANSFER)
		import_plan_rollback(&p->store, sinks, n);
	import_plan_free(fetches, sinks, n);
	if (r < 0)
		return fetch_exit(r, EXIT_PULL_OBJECT);
	if (n > 0 && p->store.no_verity)
		progress_step(&p->prog, "%s has no fs-verity: objects are stored without it, and "
			      "overlayfs verity=require will refuse them", p->store_dir);
	r = import_image(&p->store, p->image, p->image_len, p->ch.digest, p->sig, p->sig_len);
	if (r == 0)
		r = import_record_channel(&p->store, p->channel, p->chan_file, p->chan_len);
	if (r < 0)
		return EXIT_FAILED;
	printf("%s:%s\n", cfs_hash_name(p->ch.alg), p->hex);
	progress_step(&p->prog, "image %s is in %s: %zu objects fetched (%" PRIu64 " bytes)",
		      p->hex, p->store_dir, n, p->prog.bytes);
	return EXIT_OK;
}

static int run(struct pull *p, const char *spec)
{
	struct objlist objs = {};
	bool fresh = true;
	int r;

	r = sig_trust_load(&p->trust);
	if (r < 0)
		return r == -ENOTRECOVERABLE ? EXIT_FAILED : EXIT_TRUST_CONFIG;
	if (read_floor(p) < 0)
		return EXIT_FAILED;
	if (store_open(&p->store, p->store_dir, CFS_HASH_SHA256, 1) < 0 ||
	    cfs_store_migrate_signatures(p->store.dir_fd, p->store_dir) < 0)
		return EXIT_FAILED;
	r = source_open(spec, &p->sopts, &p->src);
	if (r < 0)
		return r == -EINVAL ? EXIT_PULL_SOURCE : EXIT_FAILED;
	r = step_channel(p, &fresh);
	if (r == EXIT_OK && !fresh &&
	    faccessat(p->store.images_fd, p->hex, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		printf("%s:%s\n", cfs_hash_name(p->ch.alg), p->hex);
		progress_step(&p->prog, "channel %s serial %" PRIu64 " was pulled already",
			      p->channel, p->ch.serial);
		p->already = true;
		return EXIT_OK;
	}
	if (r == EXIT_OK)
		r = step_image(p, &objs);
	if (r == EXIT_OK)
		r = step_objects(p, &objs);
	objlist_free(&objs);
	return r;
}

int cmd_pull(int argc, char **argv)
{
	static const struct option opts[] = {
		SIG_TRUST_OPTIONS, SIG_TRUST_TPM_OPTION, PULL_DEPLOY_OPTIONS,
		{ "channel",  required_argument, NULL, 'C' },
		{ "parallel", required_argument, NULL, 'P' },
		{ "retries",  required_argument, NULL, 'R' },
		{ "timeout",  required_argument, NULL, 'O' },
		{ "help",     no_argument,       NULL, 'h' },
		{}
	};
	struct pull p = {
		.channel = "stable",
		.sopts = { .parallel = 8, .retries = 4, .timeout = 30 },
	};
	int c, r, at;

	sig_trust_init(&p.trust, SIG_TRUST_TPM);
	while ((c = getopt_long(argc, argv, "h", opts, &at)) != -1) {
		if ((r = sig_trust_option(&p.trust, c, optarg)) < 0) {
			r = EXIT_USAGE;
			goto done;
		}
		/* Trust options serve both; deploy's own are only passed on. */
		if (r > 0 || pull_deploy_takes(c)) {
			if (pull_deploy_option(&p.deploy, &opts[at], optarg) < 0) {
				r = EXIT_USAGE;
				goto done;
			}
			continue;
		}
		switch (c) {
		case 'C': p.channel = optarg; break;
		case SITE_OPT_STORE: p.store_dir = optarg; break;
		case 'P': r = parse_count("--parallel", optarg, 1, 64, &p.sopts.parallel); break;
		case 'R': r = parse_count("--retries", optarg, 0, 20, &p.sopts.retries); break;
		case 'O': r = parse_count("--timeout", optarg, 1, 3600, &p.sopts.timeout); break;
		case 'h':
			usage(stdout);
			r = EXIT_OK;
			goto done;
		default:
			usage(stderr);
			r = EXIT_USAGE;
			goto done;
		}
		if (r < 0) {
			r = EXIT_USAGE;
			goto done;
		}
	}
	if (argc - optind != 1) {
		log_error("give one SOURCE: a repository directory or URL (see --help)");
		r = EXIT_USAGE;
		goto done;
	}
	if (!channel_name_ok(p.channel)) {
		log_error("--channel %s: a channel name is letters, digits, '.', '_' and '-', "
			  "not starting with '.', at most %d bytes", p.channel, CHANNEL_NAME_MAX);
		r = EXIT_USAGE;
		goto done;
	}
	if (!p.trust.files.trust) {
		log_error("--trust DIR is required: a pull verifies against trust anchors");
		r = EXIT_USAGE;
		goto done;
	}
	if (pull_deploy_check(&p.deploy, &p.store_dir, "/composefs") < 0) {
		r = EXIT_USAGE;
		goto done;
	}
	progress_init(&p.prog);
	r = run(&p, argv[optind]);
	source_free(p.src);
	store_close(&p.store);
	sig_trust_done(&p.trust);
	/* Deployed by the pull that brought it; a later one changes nothing. */
	if (r == EXIT_OK && p.deploy.on && p.already)
		progress_step(&p.prog, "image %s was pulled and handed to deploy before: not "
			      "deployed again (cfsboot deploy deploys it)", p.hex);
	else if (r == EXIT_OK && p.deploy.on)
		r = pull_deploy_run(&p.deploy, p.store_dir, p.hex);
done:
	/* Every exit, also a refused command line: deploy's words are copies. */
	pull_deploy_done(&p.deploy);
	free(p.chan_file);
	free(p.image);
	free(p.sig);
	return r;
}
