#!/usr/bin/env bash
# cfsboot inspect: the dump of an image says what its source tree holds;
# the header and objects are right; fsck.erofs accepts the images; damaged
# images are refused with one line and exit 3, never a crash; and
# dump -> mkimage --from-file gives back the image byte for byte.
. "$(dirname "$0")/../lib.sh"
S=$(scratch)

has_mkimage() { "$CFSBOOT" mkimage --help >/dev/null 2>&1; }

# ---- a directory tree ------------------------------------------------------

SRC=$S/tree
mkdir -p "$SRC/dir/sub" "$SRC/empty" "$SRC/odd name"
printf 'hello\n' > "$SRC/small"
printf '%064d' 7 > "$SRC/exactly-64"
head -c 100000 /dev/urandom > "$SRC/big"
cp "$SRC/big" "$SRC/dir/same-as-big"
head -c 65 /dev/urandom > "$SRC/dir/sub/65-bytes"
: > "$SRC/dir/empty-file"
ln -s ../small "$SRC/dir/link"
ln -s "$(printf 'x%.0s' $(seq 1 3000))" "$SRC/long-link"
printf 'tab\there' > "$SRC/odd name/-"
mkfifo "$SRC/fifo"
chmod 4751 "$SRC/small"
setfattr -n user.comment -v 'a b=c' "$SRC/small"
setfattr -n user.empty "$SRC/dir"
TZ=UTC touch -h -d '1969-07-20 20:17:40.5' "$SRC/empty"
if [ "$(id -u)" -eq 0 ]; then
	mknod "$SRC/dir/whiteout" c 0 0
	mknod "$SRC/tty" c 4 1
	mknod "$SRC/disk" b 259 300000
	chown 1234:5678 "$SRC/dir/sub"
	setfattr -n trusted.overlay.opaque -v y "$SRC/empty"
	setfattr -n trusted.other -v 1 "$SRC/big"
fi

# The image under test is upstream mkcomposefs's, not ours.
"$MKCOMPOSEFS" --print-digest "$SRC" "$S/tree.cfs" > "$S/tree.digest" 2>/dev/null
check "inspect reads an image of a directory tree" sh -c "'$CFSBOOT' inspect '$S/tree.cfs' > '$S/tree.all'"
check "--dump matches the source tree" \
	sh -c "'$CFSBOOT' inspect --dump '$S/tree.cfs' > '$S/tree.dump' && python3 '$TESTS_DIR/host/inspect-check.py' '$SRC' '$S/tree.dump'"
check "without options it prints the header, the objects and the dump" \
	sh -c "grep -q '^digest: ' '$S/tree.all' && grep -qx '# objects' '$S/tree.all' && tail -n +\$((\$(grep -nx '# dump' '$S/tree.all' | cut -d: -f1) + 1)) '$S/tree.all' | cmp - '$S/tree.dump'"

"$CFSBOOT" inspect --header "$S/tree.cfs" > "$S/tree.header"
field() { sed -n "s/^$1: //p" "$2"; }
check "--header digest is the image's fs-verity digest" \
	test "$(field digest "$S/tree.header")" = "$(cut -c1-64 "$S/tree.digest")"
if [ "$(id -u)" -eq 0 ]; then
	check "--header says format 1 (the tree has a whiteout)" test "$(field format-version "$S/tree.header")" = 1
else
	check "--header says format 0 (no whiteout)" test "$(field format-version "$S/tree.header")" = 0
fi
check "--header counts the inodes: the tree's and 256 root whiteouts" \
	test "$(field inodes "$S/tree.header")" = "$(($(wc -l < "$S/tree.dump") + 256))"
check "--header size and blocks agree with the file" \
	test "$(field size "$S/tree.header")" = "$(stat -c %s "$S/tree.cfs")" -a \
	"$(field blocks "$S/tree.header")" = "$(($(stat -c %s "$S/tree.cfs") / 4096))"
check "--header build time is the oldest mtime" \
	grep -q '^build-time: -14182940.500000000 (1969-07-20 20:17:40 UTC)$' "$S/tree.header"

# The objects: one per distinct content over 64 bytes, named by its digest.
for f in big dir/sub/65-bytes; do
	fsverity digest "$SRC/$f" | sed -E 's/^sha256:(..)(\S*) .*/\1\/\2 \1\2/'
done | sort -u > "$S/objects.want"
check "--objects lists each distinct object once, with its digest" \
	sh -c "'$CFSBOOT' inspect --objects '$S/tree.cfs' | cmp - '$S/objects.want'"

# ---- images of dump files, and the round trip ------------------------------

SEEDS=$S/seeds
bash "$TESTS_DIR/fuzz/seed_image.sh" "$SEEDS"
python3 - "$S/edge.dump" <<'EOF'
import sys
D = "7d2f7e5c8b6ea42e6bd4c1f0a1f4f37c1b1d2f4e5a6b7c8d9e0f1a2b3c4d5e6f"
lines = [
    r"/ 0 40755 3 0 0 0 10.0 - - -",
    r"/00 0 20644 1 0 0 0 10.0 - - -",
    r"/0a 0 20644 1 0 0 0 10.0 - - - user.x=1",
    r"/a 0 40755 2 0 0 0 11.0 - - - trusted.overlay.opaque=y",
    r"/a/late 5 @100644 3 0 0 0 0.0 /z/target - -",
    r"/z 0 40755 2 0 0 0 12.0 - - - trusted.overlay.overlay.opaque=x",
    f"/z/target 70000 100644 3 0 0 0 13.0 {D[:2]}/{D[2:]} - {D} user.b=2",
    r"/z/target2 3 @100644 3 0 0 0 0.0 /z/target - -",
    r"/z/wh 0 20000 1 0 0 0 14.0 - - -",
    r"/huge 9000000000000000 100644 1 0 0 0 1.0 - - - user.x=y",
    r"/big-fifo 5000000000 10644 1 0 0 0 1.0 - - -",
    r"/nodigest 5000 100644 1 0 0 0 1.0 some/payload - -",
    f"/nopayload 100 100644 1 0 0 0 1.0 - - {D}",
]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
EOF
"$MKCOMPOSEFS" --from-file "$S/edge.dump" "$SEEDS/edge.cfs" >/dev/null 2>&1
"$MKCOMPOSEFS" --max-version=0 --from-file "$S/edge.dump" "$SEEDS/edge-v0.cfs" >/dev/null 2>&1
"$MKCOMPOSEFS" --min-version=1 --from-file "$S/edge.dump" "$SEEDS/edge-v1.cfs" >/dev/null 2>&1
# Nanoseconds of 10^9 and more: the format stores a u32, mkcomposefs
# writes a dump's as given (the root's is the build time), and the kernel
# shows them unchanged in stat.  The round trips below cover them.
printf '%s\n' '/ 0 40755 2 0 0 0 5.4000000000 - - -' '/f 0 100644 1 0 0 0 7.1999999999 - - -' \
	'/g 0 100644 1 0 0 0 5.4294967295 - - -' > "$S/nsec.dump"
"$MKCOMPOSEFS" --from-file "$S/nsec.dump" "$SEEDS/nsec.cfs" >/dev/null 2>&1
cp "$S/tree.cfs" "$SEEDS/tree.cfs"
if has_mkimage; then
	"$CFSBOOT" mkimage "$SRC" "$SEEDS/tree-mkimage.cfs" >/dev/null
fi

# roundtrip IMAGE LABEL WRITER...: dump, write back with the same format
# version, compare.
roundtrip() {
	local img=$1 label=$2 name; shift 2
	local v
	name=$(basename "$img" .cfs)
	v=$("$CFSBOOT" inspect --header "$img" | sed -n 's/^format-version: //p')
	if ! "$CFSBOOT" inspect --dump "$img" > "$S/$name.rt.dump" 2> "$S/$name.rt.err"; then
		fail "$name: inspect --dump failed: $(head -n 2 "$S/$name.rt.err")"
	elif ! "$@" --min-version="$v" --max-version="$v" --from-file "$S/$name.rt.dump" "$S/$name.rt.cfs" \
			>/dev/null 2> "$S/$name.rt.err"; then
		fail "$name: $label --from-file failed: $(tail -n 2 "$S/$name.rt.err")"
	elif cmp -s "$img" "$S/$name.rt.cfs"; then
		ok "$name: dump -> $label --from-file gives the same bytes"
	else
		fail "$name: dump -> $label differs: $(cmp "$img" "$S/$name.rt.cfs" 2>&1 | head -n 1)"
	fi
}

for img in "$SEEDS"/*.cfs; do
	if command -v fsck.erofs >/dev/null; then
		check "$(basename "$img"): fsck.erofs accepts it" fsck.erofs "$img"
	fi
	roundtrip "$img" "mkcomposefs" "$MKCOMPOSEFS"
	if has_mkimage; then
		roundtrip "$img" "cfsboot mkimage" "$CFSBOOT" mkimage
	else
		skip "$(basename "$img"): round trip through cfsboot mkimage (no mkimage)"
	fi
done

check "the dump keeps what the writer cannot tell from its own additions" \
	grep -qx '/0a 0 20644 1 0 0 0 10.0 - - - user.x=1' "$S/edge.rt.dump"
# The first of the three names in breadth-first order that keeps the
# layout holds the inode: /a/late, not /z/target as in the source.
check "hard links name the entry that holds the inode" \
	grep -qE '^/z/target2? 70000 @100644 3 0 0 0 13.0 /a/late - 7d2f' "$S/edge.rt.dump"
check "a special file's size over 4 GiB shows (it made the inode extended)" \
	grep -qx '/big-fifo 4294967296 10644 1 0 0 0 1.0 - - -' "$S/edge.rt.dump"
check "escaped overlay xattrs come back unescaped" \
	grep -qE '^/a [0-9]+ 40755 2 0 0 0 11.0 - - - trusted.overlay.opaque=y$' "$S/edge.rt.dump"
check "a source xattr equal to a whiteout marker survives, escaped once" \
	grep -qE '^/z [0-9]+ 40755 2 0 0 0 12.0 - - - trusted.overlay.overlay.opaque=x$' "$S/edge.rt.dump"

check "nanoseconds of 10^9 and more read as stored" sh -c \
	"grep -qx '/ [0-9]* 40755 2 0 0 0 5.4000000000 - - -' '$S/nsec.rt.dump' &&
	 grep -qx '/f 0 100644 1 0 0 0 7.1999999999 - - -' '$S/nsec.rt.dump' &&
	 grep -qx '/g 0 100644 1 0 0 0 5.4294967295 - - -' '$S/nsec.rt.dump'"
check "... the build time too" \
	grep -q '^build-time: 5.4000000000 ' <<< "$("$CFSBOOT" inspect --header "$SEEDS/nsec.cfs")"
if [ "$(id -u)" -eq 0 ] && grep -qw erofs /proc/filesystems; then
	mkdir -p "$S/nsec.mnt"
	check "... as the kernel shows them: st_mtime_ns is seconds * 10^9 + nanoseconds" test \
		"$(unshare -m sh -c "mount -t erofs -o loop,ro '$SEEDS/nsec.cfs' '$S/nsec.mnt' &&
			cd '$S/nsec.mnt' && python3 -c 'import os; print(*(os.lstat(p).st_mtime_ns for p in \".fg\"))'")" \
		= "9000000000 8999999999 9294967295"
else
	skip "nanoseconds as the kernel shows them (needs root and EROFS)"
fi

# ---- damaged images -------------------------------------------------------

BASE=$SEEDS/varied.cfs
SIZE=$(stat -c %s "$BASE")

# patch FILE OFFSET HEXBYTES: overwrite bytes in place.
patch() {
	printf '%b' "$(echo "$3" | sed 's/../\\x&/g')" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# refused NAME PATTERN IMAGE: exit 3, exactly one line on stderr naming it.
refused() {
	local name=$1 pattern=$2 img=$3 rc=0 err
	err=$("$CFSBOOT" inspect "$img" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" -ne 3 ]; then
		fail "$name: exit $rc, expected 3 ($(printf '%s' "$err" | head -n 3))"
	elif [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then
		fail "$name: more than one line: $(printf '%s' "$err" | head -n 3)"
	elif ! printf '%s' "$err" | grep -qE -- "$pattern"; then
		fail "$name: message '$err' does not match /$pattern/"
	else
		ok "$name: refused in one line"
	fi
}

head -c $((SIZE - 4096)) "$BASE" > "$S/truncated.cfs"
refused "truncated image" "truncated" "$S/truncated.cfs"
cp "$BASE" "$S/magic.cfs" && patch "$S/magic.cfs" 1024 00
refused "flipped superblock magic" "bad EROFS superblock magic" "$S/magic.cfs"
cp "$BASE" "$S/nid.cfs" && patch "$S/nid.cfs" 1038 ffff
refused "root nid out of range" "nid 65535 is outside the image" "$S/nid.cfs"
cp "$BASE" "$S/icount.cfs" && patch "$S/icount.cfs" 1154 ffff
refused "oversize xattr count" "xattr area runs past" "$S/icount.cfs"
# Writers refuse a directory hard link: the loop is made by hand, pointing
# the dirent of /a/up (a directory) at the root.  /a's dirents are inline,
# three of 12 bytes, then their names ".", ".." and "up".
printf '/ 0 40755 3 0 0 0 1.0 - - -\n/a 0 40755 3 0 0 0 1.0 - - -\n/a/up 0 40755 2 0 0 0 1.0 - - -\n' > "$S/loop.dump"
"$MKCOMPOSEFS" --from-file "$S/loop.dump" "$S/loop.cfs" >/dev/null 2>&1
python3 - "$S/loop.cfs" <<'EOF2'
import struct, sys
img = bytearray(open(sys.argv[1], "rb").read())
names = img.index(b"...up") - 36
root = struct.unpack_from("<H", img, 1024 + 14)[0]
struct.pack_into("<Q", img, names + 24, root)
open(sys.argv[1], "wb").write(img)
EOF2
refused "dirent loop back to the root" "directory reached a second time" "$S/loop.cfs"
head -c 16384 /dev/urandom > "$S/garbage.cfs"
refused "random garbage" "not a composefs image" "$S/garbage.cfs"
check_fails "a missing image is a failure, not a bad image" 1 "cannot open" \
	"$CFSBOOT" inspect "$S/no-such-image"

# Every byte of the superblock and the first inodes flipped in turn, and
# deterministic random damage all over: each is read or refused in one
# line, never a crash (the ASan build turns a crash into another status).
python3 - "$BASE" "$S/flips" <<'EOF'
import os, random, sys
data = open(sys.argv[1], "rb").read()
os.makedirs(sys.argv[2])
rng = random.Random(7)
cases = [(off, 0xff) for off in range(1024, 1024 + 128)]
cases += [(off, 0x80) for off in range(1152, 1152 + 512, 3)]
cases += [(rng.randrange(len(data)), rng.randrange(1, 256)) for _ in range(300)]
for i, (off, x) in enumerate(cases):
    b = bytearray(data)
    b[off] ^= x
    open(os.path.join(sys.argv[2], "%04d-%06d.cfs" % (i, off)), "wb").write(b)
EOF
bad=0 refusals=0
for img in "$S"/flips/*.cfs; do
	rc=0
	err=$("$CFSBOOT" inspect "$img" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" -eq 3 ]; then
		refusals=$((refusals + 1))
		[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && continue
	elif [ "$rc" -eq 0 ]; then
		continue
	fi
	bad=$((bad + 1))
	[ "$bad" -le 3 ] && diag "$(basename "$img"): exit $rc: $(printf '%s' "$err" | head -n 2)"
done
if [ "$bad" -eq 0 ]; then
	ok "$(ls "$S/flips" | wc -l) damaged images: each read or refused in one line ($refusals refused)"
else
	fail "$bad damaged images crashed or said more than one line"
fi

check "inspect --help" "$CFSBOOT" inspect --help
check_fails "inspect without an image" 2 "exactly one IMAGE" "$CFSBOOT" inspect

done_testing
