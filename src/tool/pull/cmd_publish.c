// SPDX-License-Identifier: MIT
/*
 * cfsboot publish: images of a store, with their signatures and objects,
 * into a static repository any web server can serve (docs/update.md
 * "Repository layout"), and a signed channel naming the last of them.
 * Files are only added, each under its final name once complete; the
 * objects are durable before the images naming them, and the channel is
 * replaced last, so a client never sees a channel naming missing files.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/base/hex.h"
#include "lib/base/log.h"
#include "lib/base/parse.h"
#include "lib/base/read_file.h"
#include "lib/base/util.h"
#include "lib/image/image.h"
#include "lib/store/beneath.h"
#include "lib/store/store_image.h"
#include "lib/store/store_sig.h"
#include "tool/commands.h"
#include "tool/common/atomic_file.h"
#include "tool/mkimage/store.h"
#include "tool/pull/channel_sig.h"
#include "tool/pull/encoding.h"
#include "tool/pull/objlist.h"
#include "tool/sign/sigargs.h"
#include "tool/sign/sigsigner.h"
#include "tool/sign/sigtrust.h"

#define DEFAULT_VALID (7 * 24 * 3600)

/* The repository: a store (tool/mkimage/store.h) as far as its plain
 * files go, so that a repository of plain files and a copy of a store are
 * the same layout, plus the encoded files and the channels. */
struct repo {
	struct store st;
	enum encoding enc;
	size_t added, present;
};

static void usage(FILE *out)
{
	fputs("Usage: cfsboot publish --store S --out DIR --trust DIR [OPTIONS] IMAGE...\n\n"
		     "Copy each IMAGE (the digest of an image in S/images, signed there with\n"
		     "cfsboot sign --store) with its signature and the objects it needs into the\n"
		     "repository DIR: images/<digest>, signatures/<digest>.sig (and a copy at\n"
		     "images/<digest>.sig for older devices), objects/XX/<rest>.\n"
		     "Only files DIR lacks are written.  Each signature is verified first, as a\n"
		     "device would.  With --channel, then writes channels/NAME naming the last\n"
		     "IMAGE, with the next serial, signed by the channel key.\n\n"
		     "  --store S          the store holding the images\n"
		     "  --out DIR          the repository (created when missing)\n", out);
	sig_trust_help(out, 0);
	fputs("  --compress zstd    write the images and objects zstd-compressed, as NAME.zst\n"
	      "                     (default none: as they are in the store)\n"
	      "  --channel NAME     the channel to point at the last IMAGE; its key and\n"
	      "                     certificate: keys/mkpki.sh channel\n", out);
	sig_signer_help(out, "the channel key, with --channel");
	fputs("  --valid SECONDS    how long devices accept the channel (default 7 days)\n"
	      "  -h, --help         show this help\n", out);
}

static int open_dir(int parent, const char *name, const char *shown)
{
	int fd;

	if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
		return log_errno(-errno, "cannot create %s: %m", shown);
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return log_errno(-errno, "cannot open %s: %m", shown);
	return fd;
}

/* data as dir_fd/name, zstd-compressed; an existing file is kept. */
static int write_encoded(int dir_fd, const char *shown, const char *name, const uint8_t *data,
			 size_t len)
{
	struct atomic_file f = { .fd = -1 };
	int k;

	if ((k = atomic_file_open(&f, dir_fd, shown)) < 0)
		return k;
	if ((k = encoding_compress(data, len, f.fd, shown)) < 0) {
		atomic_file_discard(&f);
		return k;
	}
	/* Synced once for all files (syncfs), before a channel names them. */
	k = atomic_file_finish(&f, false);
	if (k == 0)
		k = atomic_file_place(&f, name, 0, 0, NULL, NULL);
	return k < 0 ? k : 0;
}

/* An object of the store, read where it lies (mapped), compressed into
 * the repository. */
static int compress_object(int dir, const char *shown, const char *name, int src,
			   const struct objlist_entry *e)
{
	void *map = NULL;
	int k;

	if (e->size > 0) {
		map = mmap(NULL, e->size, PROT_READ, MAP_PRIVATE, src, 0);
		if (map == MAP_FAILED)
			return log_errno(-errno, "cannot map object %s: %m", e->path);
	}
	k = write_encoded(dir, shown, name, map, e->size);
	if (map)
		munmap(map, e->size);
	return k;
}

/* One object from the store into the repository, unless it is there. */
static int copy_object(struct repo *r, int store_objects, const char *store,
		       const struct objlist_entry *e)
{
	char fanout[CFS_OBJECT_FANOUT_LEN + 1], shown[PATH_MAX], name[SOURCE_PATH_MAX];
	_cleanup_close_ int src = -1, dir = -1;
	struct atomic_file f = { .fd = -1 };
	int k;

	snprintf(name, sizeof(name), "%s%s", e->path, encoding_suffix(r->enc));
	if (faccessat(r->st.objects_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		r->present++;
		return 0;
	}
	src = cfs_open_beneath_regular(store_objects, e->path);
	if (src < 0)
		return log_errno(src, "cannot open %s/" CFS_STORE_OBJECTS "/%s: %s; cfsboot fsck "
				 "--store %s says what the store lacks", store, e->path,
				 strerror(-src), store);
	memcpy(fanout, e->path, CFS_OBJECT_FANOUT_LEN);
	fanout[CFS_OBJECT_FANOUT_LEN] = '\0';
	snprintf(shown, sizeof(shown), "%s/" CFS_STORE_OBJECTS "/%s", r->st.dir, fanout);
	dir = open_dir(r->st.objects_fd, fanout, shown);
	if (dir < 0)
		return dir;
	if (r->enc == ENCODING_ZSTD) {
		k = compress_object(dir, shown, name + CFS_OBJECT_FANOUT_LEN + 1, src, e);
		if (k == 0)
			r->added++;
		return k;
	}
	if ((k = atomic_file_open(&f, dir, shown)) < 0)
		return k;
	k = atomic_file_copy_from(&f, src, e->path, &r->st.no_clone);
	if (k < 0) {
		atomic_file_discard(&f);
		return k;
	}
	/* Synced once for all objects (syncfs), before any image names them. */
	k = atomic_file_finish(&f, false);
	if (k == 0)
		k = atomic_file_place(&f, e->path + CFS_OBJECT_FANOUT_LEN + 1, 0, 0, NULL, NULL);
	if (k < 0)
		return k;
	r->added++;
	return 0;
}

struct published {
	char hex[2 * CFS_SHA256_DIGEST_SIZE + 1];
	uint8_t digest[CFS_SHA256_DIGEST_SIZE];
	uint8_t *image, *sig;
	size_t image_len, sig_len;
	uint64_t version, objects, object_bytes;
};

/* Reads, checks and copies the objects of one image of the store. */
static int publish_objects(struct repo *r, const struct sig_trust *t, const char *store,
			   int store_fd, int store_objects, struct published *p)
{
	char name[PATH_MAX], rel[CFS_STORE_SIGNATURE_REL_SIZE];
	_cleanup_close_ int fd = -1;
	struct cfs_image_file *img = NULL;
	struct cfs_sig_result res;
	struct objlist objs;
	uint8_t digest[CFS_SHA256_DIGEST_SIZE];
	int k;

	snprintf(name, sizeof(name), "%s/" CFS_STORE_IMAGES "/%s", store, p->hex);
	fd = cfs_store_open_image(store_fd, p->hex, p->hex, name,
				  "make it with cfsboot mkimage --store");
	if (fd < 0)
		return fd;
	k = cfs_read_fd(fd, name, CHANNEL_IMAGE_MAX, (char **)&p->image, &p->image_len);
	if (k < 0)
		return k;
	if ((k = cfs_verity_digest_buf(CFS_HASH_SHA256, p->image, p->image_len, digest)) < 0)
		return k;
	if (memcmp(digest, p->digest, sizeof(digest)) != 0)
		return log_errno(-EBADMSG, "%s is not the image of that digest; cfsboot fsck "
				 "--store %s", name, store);
	safe_close(fd);
	fd = cfs_store_open_signature(store_fd, p->hex, rel);
	snprintf(name, sizeof(name), "%s/%s", store, rel);
	if (fd < 0)
		return cfs_beneath_refusal(fd, "the signature", name, "sign the image first: "
					   "cfsboot sign --store");
	if ((k = cfs_sig_read_fd(fd, name, &p->sig, &p->sig_len)) < 0)
		return k;
	k = cfs_sig_verify(name, p->sig, p->sig_len, CFS_HASH_SHA256, p->digest, &t->loaded.policy, &res);
	if (k < 0)
		return k;
	p->version = res.version;
	k = cfs_image_open_buf(p->image, p->image_len, name, &img);
	if (k < 0)
		return k;
	k = objlist_build(img, &objs);
	cfs_image_close(img);
	for (size_t i = 0; k == 0 && i < objs.n; i++)
		k = copy_object(r, store_objects, store, &objs.v[i]);
	p->objects = objs.n;
	p->object_bytes = objs.bytes;
	objlist_free(&objs);
	return k;
}

/* The image files, once every object is durable: the signature, then the
 * image, as mkimage --store adds one (an object and its link) or encoded. */
static int publish_image(struct repo *r, const struct published *p)
{
	char shown[PATH_MAX], name[sizeof(p->hex) + 8];
	int k;

	k = store_add_signature(&r->st, p->hex, p->sig, p->sig_len);
	if (k < 0)
		return k;
	snprintf(shown, sizeof(shown), "%s/" CFS_STORE_IMAGES, r->st.dir);
	/* A copy where a device whose cfsboot predates signatures/ fetches
	 * it, so that such a device can still pull the update that brings a
	 * newer cfsboot (docs/update.md).  A repository is served, not run by
	 * composefs-rs, and a store made from a copy of it moves the copy
	 * (store_sig.h). */
	snprintf(name, sizeof(name), "%s" CFS_STORE_SIG_SUFFIX, p->hex);
	k = atomic_file_write(r->st.images_fd, shown, name, p->sig, p->sig_len,
			      ATOMIC_FILE_REPLACE);
	if (k < 0)
		return k;
	if (r->enc == ENCODING_NONE)
		return store_add_image(&r->st, p->image, p->image_len, p->digest);
	snprintf(name, sizeof(name), "%s%s", p->hex, encoding_suffix(r->enc));
	k = write_encoded(r->st.images_fd, shown, name, p->image, p->image_len);
	if (k == 0 && fsync(r->st.images_fd) < 0)
		k = log_errno(-errno, "cannot sync %s: %m", shown);
	return k;
}

/* channels/NAME for p, with the serial after the one there. */
static int publish_channel(struct repo *r, const char *name, const struct signer *s,
			   uint64_t valid, const struct published *p, uint64_t *serial)
{
	_cleanup_free_ char *file = NULL, *old = NULL;
	_cleanup_free_ uint8_t *old_sig = NULL;
	_cleanup_close_ int dir = -1, fd = -1;
	struct channel c = {}, prev;
	char shown[PATH_MAX];
	const char *json, *error;
	size_t len, json_len, sig_len;
	int k;

	snprintf(shown, sizeof(shown), "%s/" CHANNEL_DIR, r->st.dir);
	if ((dir = open_dir(r->st.dir_fd, CHANNEL_DIR, shown)) < 0)
		return dir;
	c.serial = 1;
	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return log_errno(-errno, "cannot open %s/%s: %m", shown, name);
	if (fd >= 0) {
		if ((k = cfs_read_fd(fd, name, CHANNEL_FILE_MAX, &old, &len)) < 0)
			return k;
		k = channel_parse(old, len, &prev, &json, &json_len, &old_sig, &sig_len, &error);
		if (k < 0)
			return log_errno(k, "%s/%s is damaged (%s): its serial is unknown; restore "
					 "it, a new serial must be above every one published",
					 shown, name, k == -EBADMSG ? error : strerror(-k));
		c.serial = prev.serial + 1;
	}
	snprintf(c.name, sizeof(c.name), "%s", name);
	c.published = (uint64_t)time(NULL);
	c.expires = c.published + valid;
	c.alg = CFS_HASH_SHA256;
	memcpy(c.digest, p->digest, sizeof(p->digest));
	c.version = p->version;
	c.size = p->image_len;
	c.objects = p->objects;
	c.object_bytes = p->object_bytes;
	c.encoding = r->enc;
	if ((k = channel_sign(s, &c, &file, &len)) < 0)
		return k;
	k = atomic_file_write(dir, shown, name, file, len, ATOMIC_FILE_REPLACE);
	*serial = c.serial;
	return k < 0 ? k : 0;
}

static int parse_image_arg(const char *arg, struct published *p)
{
	const char *hex = strncmp(arg, "sha256:", 7) == 0 ? arg + 7 : arg;

	if (strlen(hex) != 2 * CFS_SHA256_DIGEST_SIZE ||
	    !cfs_hex_is_lower(hex, strlen(hex)) ||
	    cfs_hex_decode(hex, strlen(hex), p->digest, sizeof(p->digest)) < 0)
		return log_errno(-EINVAL, "IMAGE %s: give the image's sha256 digest (64 lowercase "
				 "hex digits, as cfsboot mkimage --print-digest shows it)", arg);
	memcpy(p->hex, hex, sizeof(p->hex));
	return 0;
}

static int run(struct repo *r, const char *store, struct sig_trust *t, struct published *imgs,
	       size_t n, const char *channel, const struct signer *s, uint64_t valid)
{
	_cleanup_close_ int store_fd = -1, store_objects = -1;
	uint64_t serial = 0;
	int k;

	store_fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (store_fd < 0)
		return log_errno(-errno, "cannot open the store %s: %m", store);
	store_objects = cfs_open_beneath(store_fd, CFS_STORE_OBJECTS, true);
	if (store_objects < 0)
		return log_errno(store_objects, "cannot open %s/" CFS_STORE_OBJECTS ": %s", store,
				 strerror(-store_objects));
	for (size_t i = 0; i < n; i++) {
		size_t before = r->added;

		if ((k = publish_objects(r, t, store, store_fd, store_objects, &imgs[i])) < 0)
			return k;
		printf("publish: image %s, version %" PRIu64 ": %zu objects added, %" PRIu64
		       " needed\n", imgs[i].hex, imgs[i].version, r->added - before,
		       imgs[i].objects);
	}
	if (syncfs(r->st.dir_fd) < 0)
		return log_errno(-errno, "cannot sync %s: %m", r->st.dir);
	for (size_t i = 0; i < n; i++)
		if ((k = publish_image(r, &imgs[i])) < 0)
			return k;
	if (!channel)
		return 0;
	k = publish_channel(r, channel, s, valid, &imgs[n - 1], &serial);
	if (k == 0)
		printf("publish: channel %s serial %" PRIu64 " names image %s\n", channel, serial,
		       imgs[n - 1].hex);
	return k;
}

int cmd_publish(int argc, char **argv)
{
	static const struct option opts[] = {
		SIG_TRUST_OPTIONS,
		{ "store",   required_argument, NULL, 's' },
		{ "out",     required_argument, NULL, 'o' },
		{ "channel", required_argument, NULL, 'C' },
		{ "compress", required_argument, NULL, 'z' },
		SIG_SIGNER_OPTIONS,
		{ "valid",   required_argument, NULL, 'v' },
		{ "help",    no_argument,       NULL, 'h' },
		{}
	};
	const char *store = NULL, *out = NULL, *channel = NULL;
	struct sig_signer files = {};
	struct sig_trust trust;
	struct signer signer = {};
	struct repo repo = { .st = { .dir_fd = -1, .objects_fd = -1, .images_fd = -1,
				     .lock_fd = -1 } };
	struct published *imgs = NULL;
	uint64_t valid = DEFAULT_VALID;
	size_t n;
	int c, r;

	sig_trust_init(&trust, 0);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((r = sig_trust_option(&trust, c, optarg)) < 0)
			return EXIT_USAGE;
		if (r > 0 || sig_signer_option(&files, c, optarg))
			continue;
		switch (c) {
		case 's': store = optarg; break;
		case 'o': out = optarg; break;
		case 'C': channel = optarg; break;
		case 'z':
			if (encoding_from_name(optarg, &repo.enc) < 0) {
				log_error("--compress %s: give zstd, or none", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v':
			if (cfs_parse_u64(optarg, &valid) < 0 || valid == 0 || valid > UINT32_MAX) {
				log_error("--valid %s: give seconds, from 1 to %u", optarg, UINT32_MAX);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!store || !out || !trust.files.trust || optind == argc) {
		log_error("give --store S, --out DIR, --trust DIR and at least one IMAGE (see --help)");
		return EXIT_USAGE;
	}
	if (channel && (!channel_name_ok(channel) || !sig_signer_given(&files))) {
		log_error("--channel %s: a channel name is letters, digits, '.', '_' and '-', not "
			  "starting with '.', and the channel needs --key and --cert", channel);
		return EXIT_USAGE;
	}
	n = (size_t)(argc - optind);
	imgs = calloc(n, sizeof(*imgs));
	if (!imgs)
		return log_oom(), EXIT_FAILED;
	r = 0;
	for (size_t i = 0; i < n && r == 0; i++)
		r = parse_image_arg(argv[optind + (int)i], &imgs[i]);
	if (r < 0) {
		free(imgs);
		return EXIT_USAGE;
	}
	r = sig_trust_load(&trust);
	if (r < 0) {
		r = r == -ENOTRECOVERABLE ? EXIT_FAILED : EXIT_TRUST_CONFIG;
	} else if (channel && sig_signer_load(&files, &signer) < 0) {
		r = EXIT_FAILED;
	} else {
		r = store_open(&repo.st, out, CFS_HASH_SHA256, 1);
		/* A server's files need no fs-verity: devices check every
		 * digest as the bytes arrive. */
		repo.st.no_verity = true;
		if (r == 0)
			r = run(&repo, store, &trust, imgs, n, channel, &signer, valid);
		r = r == 0 ? EXIT_OK : cfs_sig_error_name(r) ? sigargs_exit_code(r) : EXIT_FAILED;
	}
	store_close(&repo.st);
	signer_done(&signer);
	sig_trust_done(&trust);
	for (size_t i = 0; i < n; i++) {
		free(imgs[i].image);
		free(imgs[i].sig);
	}
	free(imgs);
	return r;
}
