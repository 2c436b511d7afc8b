// SPDX-License-Identifier: MIT
/*
 * tests/host/deploy-anchors.sh's view of an initramfs through
 * lib/initramfs: one line per name the kernel would leave in place (the
 * last entry of each), "f SHA256 PATH", "l TARGET PATH", "d - PATH" or
 * "o - PATH" (devices, fifos, sockets), to compare with what cpio
 * extracts.  Exits 1 when the reader refuses the file.
 */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "lib/base/hex.h"
#include "lib/base/read_file.h"
#include "lib/initramfs/initramfs.h"

int main(int argc, char **argv)
{
	struct cfs_initramfs ir;
	uint8_t *data, md[SHA256_DIGEST_LENGTH];
	char hex[2 * SHA256_DIGEST_LENGTH + 1];
	size_t len;

	if (argc != 2 || cfs_read_file(argv[1], 1u << 30, &data, &len) < 0 ||
	    cfs_initramfs_read(data, len, argv[1], 0, &ir) < 0)
		return 1;
	for (size_t i = 0; i < ir.n_entries; i++) {
		const struct cfs_initramfs_entry *e = &ir.entries[i];

		if (cfs_initramfs_find(&ir, e->path) != e || !e->path[0])
			continue;
		if (S_ISREG(e->mode)) {
			SHA256(e->data, e->size, md);
			cfs_hex_encode(md, sizeof(md), hex);
			printf("f %s %s\n", hex, e->path);
		} else if (S_ISLNK(e->mode)) {
			printf("l %.*s %s\n", (int)e->size, (const char *)e->data, e->path);
		} else {
			printf("%c - %s\n", S_ISDIR(e->mode) ? 'd' : 'o', e->path);
		}
	}
	cfs_initramfs_free(&ir);
	free(data);
	return 0;
}
