#!/usr/bin/env bash
# Seeds for fuzz_image: small composefs images that between them use every
# structure the reader knows (inline and block dirents, compact and
# extended inodes, inline content and content in a block, symlinks inline
# and out of line, chunk maps, inline and shared xattrs, escaped overlay
# xattrs, whiteouts in format 0 and 1, hard links, devices, deep paths).
# They are built at run time from dump files by upstream mkcomposefs
# ($MKCOMPOSEFS, tests/lib.sh), so no binary image is kept in the repository.
#
#   tests/fuzz/seed_image.sh DIR     writes DIR/*.cfs
set -eu
out=$1
TESTS_DIR=$(cd "$(dirname "$0")/.." && pwd)
. "$TESTS_DIR/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

D1=0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0
D2=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100

# image NAME [mkcomposefs options]: the dump on standard input becomes NAME.cfs.
image() {
	local name=$1; shift
	cat > "$work/$name.dump"
	"$MKCOMPOSEFS" "$@" --from-file "$work/$name.dump" "$out/$name.cfs" >/dev/null 2>"$work/$name.err" ||
		{ echo "seed_image: mkcomposefs refused $name.dump: $(cat "$work/$name.err")" >&2; exit 1; }
}

image root-only <<EOF
/ 0 40755 2 0 0 0 1000.0 - - -
EOF

image varied <<EOF
/ 0 40755 4 0 0 0 1000.5 - - - security.selinux=system_u:object_r:root_t:s0\x00
/bin 0 40755 2 0 0 0 1001.0 - - - security.selinux=system_u:object_r:bin_t:s0\x00
/bin/sh 6000 100755 2 0 0 0 1002.25 $(echo $D1 | cut -c1-2)/$(echo $D1 | cut -c3-) - $D1 security.selinux=system_u:object_r:bin_t:s0\x00 user.note=a\x20b\x3dc
/bin/bash 6000 @100755 2 0 0 0 1002.25 /bin/sh - -
/bin/ls 100 100755 1 0 0 0 1003.0 $(echo $D2 | cut -c1-2)/$(echo $D2 | cut -c3-) - $D2 security.selinux=system_u:object_r:bin_t:s0\x00
/bin/true 100 100755 1 0 0 0 1003.0 $(echo $D2 | cut -c1-2)/$(echo $D2 | cut -c3-) - $D2 security.selinux=system_u:object_r:bin_t:s0\x00
/etc 0 40750 2 0 1000 0 999.0 - - - trusted.overlay.opaque=y system.posix_acl_default=\x02\x00\x00\x00
/etc/motd 12 100644 1 70000 70000 0 1004.0 - hello\x0aworld! - user.a=1 user.b=2 trusted.overlay.origin=x
/etc/link 9 120777 1 0 0 0 1005.0 /etc/motd - -
/etc/fifo 0 10600 1 0 0 0 1006.0 - - -
/etc/sock 0 140600 1 0 0 0 1006.0 - - -
/etc/tty 0 20620 1 0 5 1025 1006.0 - - -
/etc/sda 0 60660 1 0 6 2048 1006.0 - - -
/etc/gone 0 20000 1 0 0 0 1006.0 - - -
/empty 0 40700 2 0 0 0 -5.999999999 - - -
EOF

image whiteout-v0 --max-version=0 <<EOF
/ 0 40755 3 0 0 0 1000.0 - - -
/d 0 40755 2 0 0 0 1000.0 - - -
/d/wh 0 20644 1 0 0 0 1000.0 - - -
/d/f 5 100644 1 0 0 0 1000.0 - abcde -
/00 0 20644 1 0 0 0 1000.0 - - -
EOF

image compact <<EOF
/ 0 40755 3 0 0 0 0.0 - - -
/a 3 100644 1 0 0 0 0.0 - abc -
/b 0 40755 2 0 0 0 0.0 - - -
/b/c 70 100644 1 0 0 0 0.0 $(echo $D1 | cut -c1-2)/$(echo $D1 | cut -c3-) - -
EOF

{
	echo "/ 0 40755 3 0 0 0 1000.0 - - -"
	echo "/many 0 40755 2 0 0 0 1000.0 - - -"
	for i in $(seq 1 300); do
		printf '/many/entry-with-a-longish-name-%04d 1 100644 1 0 0 0 1000.0 - x -\n' "$i"
	done
	echo "/deep 0 40755 2 0 0 0 1000.0 - - -"
	p=/deep
	for i in $(seq 1 30); do
		p=$p/d$i
		echo "$p 0 40755 2 0 0 0 1000.0 - - -"
	done
} | image big-dirs

target=$(printf 'a%.0s' $(seq 1 4000))
content=$(printf 'z%.0s' $(seq 1 5000))
image big-data <<EOF
/ 0 40755 2 0 0 0 1000.0 - - -
/long-link 4000 120777 1 0 0 0 1000.0 $target - -
/inline-5000 5000 100644 1 0 0 0 1000.0 - $content -
/huge 17592186044416 100644 1 0 0 0 1000.0 $(echo $D2 | cut -c1-2)/$(echo $D2 | cut -c3-) - $D2
EOF
