#!/usr/bin/env bash
# mkimage --store: the object store layout (objects/XX/<62 hex>, named by
# fs-verity digest; the image one of them, images/<digest> a relative link
# to it; meta.json), deduplication, modes, atomicity (no
# temporary or partial files), the one-line notice when the file system has
# no fs-verity, and independence from --threads.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "store tests need root (the test tree has devices)"
	done_testing
	exit
fi
S=$(scratch)
SRC=$S/tree
python3 "$TESTS_DIR/host/mkimage-tree.py" "$SRC" --no-sparse

STORE=$S/store
"$CFSBOOT" mkimage --store "$STORE" --print-digest "$SRC" "$S/image.cfs" >"$S/out" 2>"$S/err"
check "mkimage --store succeeds" test -s "$S/out"
digest=$(cat "$S/out")

# Every object is named by its own fs-verity digest, in a fan-out
# directory named by the digest's first byte.
bad=0
for f in "$STORE"/objects/*/*; do
	name=${f#"$STORE"/objects/}
	[[ $name =~ ^[0-9a-f]{2}/[0-9a-f]{62}$ ]] || { diag "bad object name $name"; bad=1; }
	[ "sha256:${name/\//}" = "$(fsverity digest "$f" | cut -d' ' -f1)" ] || { diag "$name: wrong content"; bad=1; }
done
check "each object is named by its fs-verity digest" test "$bad" -eq 0

# Exactly the files over 64 bytes are stored, each content once, and the
# image.
want=$( (find "$SRC" -type f -size +64c -exec fsverity digest {} + | cut -c8-71; echo "$digest") | sort -u)
have=$(cd "$STORE/objects" && ls -d */* | tr -d / | sort)
check "the objects are the distinct contents of files over 64 bytes and the image" \
	test "$want" = "$have"
n_big=$(find "$SRC" -type f -size +64c | wc -l)
check "identical contents are stored once ($n_big files, $(echo "$want" | wc -l) objects)" \
	test "$(echo "$want" | wc -l)" -lt "$n_big"

check "objects and images are mode 0644" \
	test -z "$(find "$STORE/objects" "$STORE/images" -type f ! -perm 0644)"
check "no temporary files are left" test -z "$(find "$STORE" -name '.tmp-*')"
check "the image is an object" cmp "$STORE/objects/${digest:0:2}/${digest:2}" "$S/image.cfs"
check "images/<digest> is a relative link to it, as composefs-rs makes it" \
	test "$(readlink "$STORE/images/$digest")" = "../objects/${digest:0:2}/${digest:2}"
check "a new store gets meta.json of its algorithm, as composefs-rs writes it" \
	diff - "$STORE/meta.json" <<'EOF'
{
  "version": 1,
  "algorithm": "fsverity-sha256-12",
  "features": {
    "compatible": [],
    "read-only-compatible": [],
    "incompatible": []
  }
}
EOF

# Without fs-verity in the kernel or file system: one notice line, once.
probe=$S/probe
echo probe >"$probe"
if fsverity enable "$probe" 2>/dev/null; then
	check "objects have fs-verity" fsverity measure "$(find "$STORE/objects" -type f | head -n 1)"
	check "the image has fs-verity" fsverity measure "$STORE/images/$digest"
else
	check "one notice says fs-verity is missing" test "$(grep -c 'fs-verity' "$S/err")" -eq 1
	check "the notice names the store" grep -q "^cfsboot: $STORE: .*fs-verity" "$S/err"
fi

# A second run finds everything in place and replaces nothing.
touch -d 2001-01-01 "$STORE"/objects/*/*
"$CFSBOOT" mkimage --store "$STORE" "$SRC" "$S/image2.cfs" 2>"$S/err2"
check "a second run adds no object" grep -q " 0 objects added" "$S/err2"
check "a second run leaves existing objects alone" \
	test -z "$(find "$STORE/objects" -type f -newermt 2002-01-01)"
check "a second run writes the same image" cmp "$S/image.cfs" "$S/image2.cfs"

# An existing name is never replaced, even by different bytes (the store
# is content-addressed; checking it is fsck's job).
victim=$(find "$STORE/objects" -type f | head -n 1)
cp "$victim" "$S/victim.orig"
chmod u+w "$victim" && printf 'X' | dd of="$victim" bs=1 count=1 conv=notrunc 2>/dev/null
"$CFSBOOT" mkimage --store "$STORE" "$SRC" "$S/image3.cfs" 2>/dev/null
check "an existing object is not overwritten" sh -c "! cmp -s '$victim' '$S/victim.orig'"

# The store does not depend on the number of threads.
for t in 1 7; do
	"$CFSBOOT" mkimage --threads $t --store "$S/store-$t" "$SRC" "$S/image-$t.cfs" 2>/dev/null
done
check "--threads 1 and 7 give the same image" cmp "$S/image-1.cfs" "$S/image-7.cfs"
check "--threads 1 and 7 give the same store" diff -r "$S/store-1" "$S/store-7"
check "--threads 1 gives the image of the default thread count" cmp "$S/image-1.cfs" "$S/image.cfs"

# --print-digest-only still fills the store, image included.
"$CFSBOOT" mkimage --print-digest-only --store "$S/store-only" "$SRC" >"$S/only" 2>/dev/null
check "--print-digest-only --store stores the image" cmp "$S/store-only/images/$(cat "$S/only")" "$S/image.cfs"

# Holes stay holes: a 4 GiB sparse file is stored sparse.
mkdir -p "$S/sparse"
truncate -s 4G "$S/sparse/big"
echo data >>"$S/sparse/big"
sparse_d=$("$CFSBOOT" mkimage --print-digest --store "$S/store-sparse" "$S/sparse" "$S/sparse.cfs" 2>/dev/null)
obj=$(find "$S/store-sparse/objects" -type f ! -path "*/${sparse_d:0:2}/${sparse_d:2}")
check "a sparse file is stored sparse" test "$(du -k "$obj" | cut -f1)" -lt 1024
check "the sparse object holds the file" cmp "$obj" "$S/sparse/big"

# A copy that fails half way (ENOSPC on a small tmpfs) leaves no partial
# object and no temporary file.
mkdir -p "$S/full" "$S/large"
head -c $((3 * 1024 * 1024)) /dev/urandom >"$S/large/file"
echo small-but-over-sixty-four-bytes-------------------------------------- >"$S/large/other"
check_fails "a store that fills up fails the run" 1 "No space left" \
	unshare -m sh -c "mount -t tmpfs -o size=1m tmpfs '$S/full' && \
		'$CFSBOOT' mkimage --threads 1 --store '$S/full/store' '$S/large' '$S/large.cfs'; \
		rc=\$?; find '$S/full/store' -type f > '$S/full.list'; exit \$rc"
large_obj=$(fsverity digest "$S/large/file" | cut -c10-71)  # its name after the fan-out
check "... and leaves no partial object behind" sh -c "! grep -q '$large_obj' '$S/full.list'"
check "... and no temporary file" sh -c "! grep -q '/[.]tmp-' '$S/full.list'"
check "... and no image" test ! -e "$S/large.cfs"

done_testing
