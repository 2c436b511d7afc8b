// SPDX-License-Identifier: MIT
/*
 * xxHash32 as specified by its author (the "xxhash_spec" document): four
 * accumulator lanes over 16-byte stripes, then the remaining 4-byte words
 * and single bytes, then an avalanche.  Everything is modulo 2^32, which
 * uint32_t arithmetic gives for free.
 */
#include "lib/image/xxhash.h"

#include "lib/base/util.h"

#define XXH_PRIME1 0x9E3779B1u
#define XXH_PRIME2 0x85EBCA77u
#define XXH_PRIME3 0xC2B2AE3Du
#define XXH_PRIME4 0x27D4EB2Fu
#define XXH_PRIME5 0x165667B1u

static inline uint32_t rotl32(uint32_t x, unsigned r)
{
	return (x << r) | (x >> (32 - r));
}

/* One lane step: mix a 4-byte input word into an accumulator. */
static inline uint32_t lane_round(uint32_t acc, uint32_t word)
{
	return rotl32(acc + word * XXH_PRIME2, 13) * XXH_PRIME1;
}

uint32_t cfs_xxh32(const void *data, size_t len, uint32_t seed)
{
	const uint8_t *p = data;
	const uint8_t *end = p + len;
	uint32_t h;

	if (len >= 16) {
		uint32_t v1 = seed + XXH_PRIME1 + XXH_PRIME2;
		uint32_t v2 = seed + XXH_PRIME2;
		uint32_t v3 = seed;
		uint32_t v4 = seed - XXH_PRIME1;

		for (; end - p >= 16; p += 16) {
			v1 = lane_round(v1, get_le32(p));
			v2 = lane_round(v2, get_le32(p + 4));
			v3 = lane_round(v3, get_le32(p + 8));
			v4 = lane_round(v4, get_le32(p + 12));
		}
		h = rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18);
	} else {
		h = seed + XXH_PRIME5;
	}
	h += (uint32_t)len;

	for (; end - p >= 4; p += 4)
		h = rotl32(h + get_le32(p) * XXH_PRIME3, 17) * XXH_PRIME4;
	for (; p < end; p++)
		h = rotl32(h + *p * XXH_PRIME5, 11) * XXH_PRIME1;

	/* Avalanche: make every input bit affect every output bit. */
	h ^= h >> 15;
	h *= XXH_PRIME2;
	h ^= h >> 13;
	h *= XXH_PRIME3;
	h ^= h >> 16;
	return h;
}
