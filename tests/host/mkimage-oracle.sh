#!/usr/bin/env bash
# mkimage byte identity: images of the edge-case tree (mkimage-tree.py) and
# of dump files covering every case of the format notes, built by
# `cfsboot mkimage` and by upstream mkcomposefs ($MKCOMPOSEFS, built by
# scripts/build-deps.sh), must be equal byte for byte, and the digest
# mkimage prints must be `fsverity digest` of the image.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "mkimage reference tests need root (devices, trusted.* xattrs, chown)"
	done_testing
	exit
fi
S=$(scratch)

# same NAME ARGS...: builds $SRC both ways with ARGS and compares.
same() {
	local name=$1; shift
	local ours="$S/$name.cfs" ref="$S/$name.ref.cfs" printed want
	"$MKCOMPOSEFS" "$@" "$SRC" "$ref" >/dev/null 2>"$S/$name.ref.err" &
	local reference=$!
	if ! printed=$("$CFSBOOT" mkimage --print-digest "$@" "$SRC" "$ours" 2>"$S/$name.err"); then
		wait "$reference"
		fail "$name: mkimage failed: $(cat "$S/$name.err")"
		return
	fi
	if ! wait "$reference"; then
		fail "$name: mkcomposefs failed: $(tail -n 3 "$S/$name.ref.err")"
		return
	fi
	if cmp -s "$ours" "$ref"; then
		ok "$name: byte-identical to mkcomposefs"
	else
		fail "$name: differs from mkcomposefs ($(cmp "$ours" "$ref" 2>&1 | head -n 1))"
	fi
	want=$(fsverity digest "$ours" | cut -d' ' -f1)
	if [ "sha256:$printed" = "$want" ]; then
		ok "$name: printed digest is the image's fs-verity digest"
	else
		fail "$name: printed $printed, fsverity says $want"
	fi
}

# covers NAME CASE...: mkcomposefs's image of NAME holds each named rare
# layout case (image-layout.py reads them from the image), so the
# comparison above exercised them.
covers() {
	local name=$1; shift
	local missing=() p
	python3 "$TESTS_DIR/host/image-layout.py" "$S/$name.ref.cfs" > "$S/$name.layout"
	for p in "$@"; do
		grep -q "^$p " "$S/$name.layout" || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		ok "$name: exercises $*"
	else
		fail "$name: the tree does not exercise ${missing[*]}"
	fi
}

# ---- a directory tree, five ways -------------------------------------------

SRC=$S/tree
python3 "$TESTS_DIR/host/mkimage-tree.py" "$SRC"
same tree-default
same tree-min1 --min-version=1
same tree-max0 --max-version=0
same tree-v0 --min-version=0 --max-version=0
same tree-epoch --use-epoch
covers tree-default dir-last-block-not-inlined shared-over-128-inlined \
	symlink-out-of-line symlink-pad-to-block tail-extra-pad

# The versions must actually differ: the tree holds a whiteout.
check "default picks format 1 for a whiteout" test "$(od -An -tu4 -j12 -N4 "$S/tree-default.cfs")" -eq 1
check "--max-version=0 stays at format 0" test "$(od -An -tu4 -j12 -N4 "$S/tree-max0.cfs")" -eq 0
check "the ACL flag is set" test "$(od -An -tu4 -j8 -N4 "$S/tree-default.cfs")" -eq 1

check "fsck.erofs accepts the image" fsck.erofs "$S/tree-default.cfs"

# Hashing on one thread or many gives the same image.
check "--threads 1 gives the same image" \
	sh -c "'$CFSBOOT' mkimage --threads 1 '$SRC' '$S/t1.cfs' && cmp '$S/t1.cfs' '$S/tree-default.cfs'"
check "--print-digest-only prints the same digest and writes nothing" \
	sh -c "test \"\$('$CFSBOOT' mkimage --print-digest-only '$SRC')\" = \"\$(fsverity digest '$S/tree-default.cfs' | cut -c8-71)\""

# ---- dump files ----------------------------------------------------------------

SRC=$S/edge.dump
python3 - "$SRC" <<'EOF'
import sys
D = "7d2f7e5c8b6ea42e6bd4c1f0a1f4f37c1b1d2f4e5a6b7c8d9e0f1a2b3c4d5e6f"
lines = [
    r"/ 4096 40755 7 0 0 0 1700000000.5 - - - security.selinux=system_u:object_r:root_t:s0\x00",
    r"/dir 4096 40755 2 1000 1000 0 1700000001.123456789 - - - user.a=1 trusted.overlay.opaque=y",
    f"/dir/ext 123456 100644 3 1000 1000 0 1700000002.0 {D[:2]}/{D[2:]} - {D} user.b=2",
    f"/dir/hl 123456 @100644 3 1000 1000 0 1700000002.0 /dir/ext - {D}",
    r"/dir/hl-of-hl 0 @100644 0 0 0 0 0.0 /dir/hl - -",
    r"/dir/forward 0 @100644 0 0 0 0 0.0 /late - -",
    r"/nodigest 5000 100644 1 0 0 0 1.0 some/payload - -",
    f"/nopayload 100 100644 1 0 0 0 1.0 - - {D}",
    r"/small-external 10 100644 1 0 0 0 1.0 - - -",
    r"/inline-10 10 100644 1 0 0 0 5.0 - hello\x20wor\n -",
    "/inline-3000 3000 100644 1 0 0 0 5.0 - " + "a" * 3000 + " -",
    "/inline-4097 4097 100644 1 0 0 0 5.0 - " + "b" * 4097 + " -",
    "/inline-5000 5000 100644 1 0 0 0 5.0 - " + "c\\tde" * 1250 + " -",
    # 9 PB: the chunk map (1024 entries) does not fit beside an xattr
    r"/bigfile-xattr 9000000000000000 100644 1 0 0 0 1.0 - - - user.x=y",
    r"/bigfile 9000000000000000 100644 1 0 0 0 1.0 - - -",
    # the oldest mtime: compact, unless the size needs 64 bits
    r"/compact 70000 100644 1 0 0 0 -100.5 - - -",
    r"/over-4g 4294967297 100644 1 0 0 0 -100.5 - - -",
    r"/fifo-over-4g 4294967297 10644 1 0 0 0 -100.5 - - -",
    r"/chr 0 20600 70000 4294967295 7 2049 -100.5 - - -",
    r"/blk 0 60600 1 0 0 66307 -100.5 - - -",
    r"/fifo 0 10644 1 0 0 0 1.0 - - -",
    r"/socket 0 140755 1 0 0 0 1.0 - - -",
    r"/whiteout 0 20644 1 0 0 0 1.0 - - -",
    r"/sym 11 120777 1 0 0 0 1.0 tar\x20get\\x - -",
    r"/keys 0 100644 1 0 0 0 2.0 - - - system.posix_acl_access_x=1 unknown.prefix=2"
    r" user.eq\x3dkey=v=al user.sp\x20ace=\x00\xff lustre.x=3 trusted.overlay.overlay.x=4"
    # both a name and its escaped form: each is escaped once more
    r" trusted.overlay.y=5 trusted.overlay.overlay.y=6",
    r"/late 10 100644 2 0 0 0 -100.5 - 0123456789 -",
    r"/odd\x20dir\n 0 40700 0 0 0 0 3.0 - - - ",
    r"/odd\x20dir\n/-\x2d 0 100644 1 0 0 0 3.0 - - -",
]
open(sys.argv[1], "w").write("\n".join(lines))
EOF
same dump-default --from-file
same dump-min1 --from-file --min-version=1
same dump-max0 --from-file --max-version=0
same dump-v0 --from-file --min-version=0 --max-version=0
covers dump-default tail-no-fit
check "fsck.erofs accepts the dump's image" fsck.erofs "$S/dump-default.cfs"
check "a regular SOURCE file is read as a dump without --from-file" \
	sh -c "'$CFSBOOT' mkimage '$SRC' '$S/auto.cfs' && cmp '$S/auto.cfs' '$S/dump-default.cfs'"
check "a dump file is read from standard input with --from-file -" \
	sh -c "'$CFSBOOT' mkimage --from-file - '$S/stdin.cfs' < '$SRC' && cmp '$S/stdin.cfs' '$S/dump-default.cfs'"

done_testing
