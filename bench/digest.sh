#!/usr/bin/env bash
# Single-file fs-verity digest throughput against `openssl dgst -sha256` of
# the same 1 GiB file, both from the page cache, best of $RUNS runs each.
# The fs-verity digest hashes every byte once plus the Merkle tree (1/128
# more), so a ratio near 1 means the tree and I/O cost next to nothing.
. "$(dirname "$0")/lib.sh"

file=$(mktemp "${TMPDIR:-/tmp}/cfsboot-bench.XXXXXX")
trap 'rm -f "$file"' EXIT
head -c 1G /dev/urandom > "$file"
cat "$file" > /dev/null   # warm the page cache for both

ours=$(best_time "$CFSBOOT" digest "$file")
base=$(best_time openssl dgst -sha256 "$file")
echo "digest 1 GiB: cfsboot digest ${ours}s ($(echo "1024 / $ours" | bc) MiB/s), openssl dgst -sha256 ${base}s ($(echo "1024 / $base" | bc) MiB/s)"
echo "throughput ratio (cfsboot / openssl): $(ratio "$base" "$ours")  (target >= 0.9)"
