/*
 * Test-only helper for the busybox VM guests, for what busybox cannot do:
 *
 *   vmtool enable [--sha512] FILE...
 *                                FS_IOC_ENABLE_VERITY (SHA-256, or SHA-512
 *                                for a store whose meta.json names it;
 *                                4 KiB, no salt)
 *   vmtool measure FILE          FS_IOC_MEASURE_VERITY, printed as "sha256:HEX"
 *   vmtool read FILE             reads FILE to the end; prints "ok" or the
 *                                errno name (EIO when a check refuses)
 *   vmtool mount TYPE SRC DIR OPTIONS
 *                                a read-only mount(2) with OPTIONS as data;
 *                                busybox mount turns a regular-file source
 *                                into a loop device, which hides EROFS's
 *                                file-backed mounts
 *
 * Built with `cc -static` by the VM tests into their scratch directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fsverity.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

static int open_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "vmtool: cannot open %s: %m\n", path);
	return fd;
}

static int enable(const char *path, unsigned hash_algorithm)
{
	struct fsverity_enable_arg arg = {
		.version = 1,
		.hash_algorithm = hash_algorithm,
		.block_size = 4096,
	};
	int fd = open_file(path), r = 0;

	if (fd < 0)
		return 1;
	if (ioctl(fd, FS_IOC_ENABLE_VERITY, &arg) < 0) {
		fprintf(stderr, "vmtool: enabling fs-verity on %s: %m\n", path);
		r = 1;
	}
	close(fd);
	return r;
}

static int measure(const char *path)
{
	struct {
		struct fsverity_digest d;
		unsigned char buf[64];
	} m = { .d.digest_size = sizeof(m.buf) };
	int fd = open_file(path), r = 0;

	if (fd < 0)
		return 1;
	if (ioctl(fd, FS_IOC_MEASURE_VERITY, &m) < 0) {
		fprintf(stderr, "vmtool: measuring %s: %m\n", path);
		r = 1;
	} else if (m.d.digest_algorithm != FS_VERITY_HASH_ALG_SHA256) {
		fprintf(stderr, "vmtool: %s uses hash algorithm %u, not SHA-256\n",
			path, m.d.digest_algorithm);
		r = 1;
	} else {
		printf("sha256:");
		for (unsigned i = 0; i < m.d.digest_size; i++)
			printf("%02x", m.d.digest[i]);
		printf("\n");
	}
	close(fd);
	return r;
}

/* Prints how reading ends rather than failing: a refusal is the result the
 * tests look for. */
static int read_all(const char *path)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		printf("%s\n", strerrorname_np(errno));
		return 0;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	printf("%s\n", n < 0 ? strerrorname_np(errno) : "ok");
	close(fd);
	return 0;
}

static int do_mount(const char *type, const char *src, const char *dir, const char *opts)
{
	if (mount(src, dir, type, MS_RDONLY, opts) < 0) {
		fprintf(stderr, "vmtool: mounting %s (%s) on %s: %m\n", src, type, dir);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int r = 0;

	if (argc >= 3 && strcmp(argv[1], "enable") == 0) {
		unsigned alg = FS_VERITY_HASH_ALG_SHA256;
		int i = 2;

		if (strcmp(argv[i], "--sha512") == 0) {
			alg = FS_VERITY_HASH_ALG_SHA512;
			i++;
		}
		for (; i < argc; i++)
			r |= enable(argv[i], alg);
		return r;
	}
	if (argc == 3 && strcmp(argv[1], "measure") == 0)
		return measure(argv[2]);
	if (argc == 3 && strcmp(argv[1], "read") == 0)
		return read_all(argv[2]);
	if (argc == 6 && strcmp(argv[1], "mount") == 0)
		return do_mount(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: vmtool enable [--sha512] FILE... | measure FILE | read FILE |\n"
		"              mount TYPE SOURCE DIR OPTIONS\n");
	return 2;
}
