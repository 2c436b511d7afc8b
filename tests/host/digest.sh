#!/usr/bin/env bash
# cfsboot digest against fsverity-utils' `fsverity digest`, on the sizes
# where a Merkle tree changes shape, where a file starts being hashed on
# several threads (4 MiB) and on a multi-GiB sparse file whose holes and
# data straddle the pieces and the 256 MiB windows the threads hash.
. "$(dirname "$0")/../lib.sh"
dir=$(scratch)

make_file() { # NAME SIZE
	head -c "$2" /dev/urandom > "$dir/$1"
}
make_file s0 0
make_file s1 1
make_file s4095 4095
make_file s4096 4096
make_file s4097 4097
make_file s128x4096p1 $((128 * 4096 + 1))
make_file s2level $((128 * 128 * 4096 + 3 * 4096))
make_file s512level $((64 * 64 * 4096 + 1))
make_file split-1 $((4 * 1024 * 1024 - 1))
make_file split $((4 * 1024 * 1024))
make_file split+odd $((5 * 1024 * 1024 + 4097))
# 6 GiB, mostly hole, with data in the middle and at the very end.
truncate -s 6G "$dir/sparse"
printf 'middle' | dd of="$dir/sparse" bs=1 seek=3000000001 conv=notrunc status=none
printf 'end' | dd of="$dir/sparse" bs=1 seek=$((6 * 1024 * 1024 * 1024 - 3)) conv=notrunc status=none
head -c 20000 /dev/urandom | dd of="$dir/sparse" bs=1 seek=$((256 * 1024 * 1024 - 10000)) \
	conv=notrunc status=none

for f in s0 s1 s4095 s4096 s4097 s128x4096p1 s2level s512level split-1 split split+odd sparse; do
	for alg in sha256 sha512; do
		want=$(fsverity digest --hash-alg="$alg" --compact "$dir/$f")
		got=$("$CFSBOOT" digest --hash "$alg" "$dir/$f" | cut -d' ' -f1)
		check "$f $alg equals fsverity digest" test "$alg:$want" = "$got"
	done
done

# Several files at once, each on its own line, in order.
check "several files, one line each" \
	test "$("$CFSBOOT" digest "$dir/s1" "$dir/s0" | awk '{print $2}' | tr '\n' ' ')" = "$dir/s1 $dir/s0 "

check_fails "a missing file is named" 1 "cannot open .*/nope" "$CFSBOOT" digest "$dir/nope"
check_fails "an unknown hash is refused" 2 "unknown hash 'md5'" "$CFSBOOT" digest --hash md5 "$dir/s1"
check_fails "no file is a usage error" 2 "no FILE given" "$CFSBOOT" digest
check "--help describes the command" sh -c "'$CFSBOOT' digest --help | grep -q 'fs-verity digest'"

done_testing
