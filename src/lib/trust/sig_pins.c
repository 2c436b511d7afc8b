// SPDX-License-Identifier: MIT
/*
 * Pinned issuing CAs.  With the root as the anchor, every intermediate
 * under it signs for every product; pinning the intermediates of one
 * product (by their keys, like the revocation list's spki: entries) makes
 * a key of another product's intermediate useless here, while the chain
 * still ends at the root, whose revocation and rotation work as before.
 */
#include "lib/trust/sig_pins.h"

#include <errno.h>
#include <string.h>

#include "lib/base/hex.h"

#define PREFIX "spki:"
#define HEX_LEN (2 * CFS_SIG_FINGERPRINT_SIZE)

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int cfs_sig_pins_parse(const char *text, struct cfs_sig_pins *out)
{
	const char *p = skip_blanks(text);

	memset(out, 0, sizeof(*out));
	if (strncmp(p, "any", 3) == 0 && *skip_blanks(p + 3) == '\0')
		return 0;
	for (;;) {
		const char *hex = p + strlen(PREFIX);

		if (out->n == CFS_SIG_MAX_PINS || strncmp(p, PREFIX, strlen(PREFIX)) != 0 ||
		    strnlen(hex, HEX_LEN) != HEX_LEN || !cfs_hex_is_lower(hex, HEX_LEN) ||
		    cfs_hex_decode(hex, HEX_LEN, out->fp[out->n], CFS_SIG_FINGERPRINT_SIZE) < 0)
			return -EINVAL;
		out->n++;
		p = skip_blanks(hex + HEX_LEN);
		if (*p == '\0')
			return 0;
		if (*p != ',')
			return -EINVAL;
		p = skip_blanks(p + 1);
	}
}
