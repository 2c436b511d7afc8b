// SPDX-License-Identifier: MIT
/*
 * A channel file comes from the network, before anything about it is
 * verified (src/tool/pull/channel.h).  Any bytes must be accepted or
 * refused cleanly; an accepted file must hold a valid name and digest, and
 * its text must be exactly what channel_format() writes for what was read,
 * so that what is signed and what is acted on cannot differ.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/log.h"
#include "tool/pull/channel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct channel c, back;
	const char *json, *error = NULL;
	uint8_t *sig = NULL, *sig2 = NULL;
	size_t json_len, sig_len, len, sig2_len;
	char *text = NULL, *file;
	int r;

	cfs_log_set_level(LOG_CRIT);
	r = channel_parse((const char *)data, size, &c, &json, &json_len, &sig, &sig_len, &error);
	if (r == -EBADMSG && !error)
		abort();
	if (r < 0)
		return 0;
	if (!channel_name_ok(c.name) || !cfs_hash_digest_size(c.alg) || !sig || json_len >= size)
		abort();
	/* What was read formats as a text that reads back to the same. */
	if (channel_format(&c, &text, &len) < 0)
		abort();
	file = malloc(len + 6);
	memcpy(file, text, len);
	memcpy(file + len, "\nAA==\n", 6);
	if (channel_parse(file, len + 6, &back, &json, &json_len, &sig2, &sig2_len, &error) < 0 ||
	    memcmp(&c, &back, sizeof(c)) != 0)
		abort();
	free(file);
	free(text);
	free(sig);
	free(sig2);
	return 0;
}
