#!/usr/bin/env bash
# cfsboot fsck: a store made by hand (objects copied to their digest paths,
# images named by theirs) passes; a deleted object is reported missing by
# path, a changed one corrupt; bad images are caught; exit codes are those
# of docs/errors.md (0 clean, 3 bad image, 4 missing, 5 corrupt).
. "$(dirname "$0")/../lib.sh"
S=$(scratch)

# A tree with contents shared between files, and a second tree sharing some.
SRC=$S/src
mkdir -p "$SRC/a" "$SRC/b"
for i in 1 2 3 4 5 6; do
	head -c $((i * 3000)) /dev/urandom > "$SRC/a/file$i"
done
cp "$SRC/a/file1" "$SRC/b/copy-of-file1"
head -c 1000000 /dev/urandom > "$SRC/b/large"
truncate -s 50M "$SRC/b/sparse" && printf 'end' >> "$SRC/b/sparse"
printf 'small\n' > "$SRC/b/inline"
SRC2=$S/src2
cp -a "$SRC" "$SRC2" && rm "$SRC2/b/large" && head -c 7000 /dev/urandom > "$SRC2/new"

STORE=$S/store
mkdir -p "$STORE/objects" "$STORE/images"
# add_objects DIR: every file over 64 bytes, at objects/XX/REST.
add_objects() {
	find "$1" -type f -size +64c | while read -r f; do
		d=$(fsverity digest "$f" | sed 's/^sha256:\(\S*\) .*/\1/')
		mkdir -p "$STORE/objects/${d:0:2}"
		cp "$f" "$STORE/objects/${d:0:2}/${d:2}"
	done
}
# add_image DIR: the image of DIR, named by its digest; prints the digest.
add_image() {
	local d
	d=$("$MKCOMPOSEFS" --print-digest "$1" "$S/tmp.cfs" 2>/dev/null)
	mv "$S/tmp.cfs" "$STORE/images/$d"
	echo "$d"
}
add_objects "$SRC"
add_objects "$SRC2"
IMG1=$(add_image "$SRC")
IMG2=$(add_image "$SRC2")
touch "$STORE/images/$IMG1.sig"
N_OBJECTS=$(find "$STORE/objects" -type f | wc -l)

# fsck_is NAME EXIT [PATTERN...]: run fsck on the store (plus $ARGS), expect
# the exit status and every pattern as a line of its output.
ARGS=()
fsck_is() {
	local name=$1 want=$2 rc=0 out p; shift 2
	out=$("$CFSBOOT" fsck --store "$STORE" "${ARGS[@]}" 2>"$S/fsck.err") || rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name: exit $rc, expected $want"
		printf '%s\n' "$out" "$(cat "$S/fsck.err")" | head -n 6 | sed 's/^/#   /'
		return
	fi
	for p in "$@"; do
		if ! printf '%s\n' "$out" | grep -qxE -- "$p"; then
			fail "$name: no line /$p/"
			printf '%s\n' "$out" | head -n 6 | sed 's/^/#   /'
			return
		fi
	done
	ok "$name"
}

fsck_is "a clean store passes" 0 \
	"2 images, $N_OBJECTS objects: 0 missing, 0 corrupt, 0 bad images"
check "the same with --threads 1" \
	sh -c "'$CFSBOOT' fsck --threads 1 --store '$STORE' | tail -n 1 | grep -q ' 0 missing, 0 corrupt'"

# A deleted object: missing, by path, with the one image that needs it.
D=$(fsverity digest "$SRC/b/large" | cut -c8-71)
REL=objects/${D:0:2}/${D:2}
VICTIM=$STORE/$REL
mv "$VICTIM" "$S/victim"
fsck_is "a deleted object is reported missing by path" 4 \
	"missing: $STORE/$REL \(needed by $STORE/images/$IMG1\)" \
	"2 images, $N_OBJECTS objects: 1 missing, 0 corrupt, 0 bad images"

# A changed byte: corrupt, by path, with both digests.
cp "$S/victim" "$VICTIM"
OTHER=$(find "$STORE/objects" -type f -size -10k | head -n 1)
OREL=${OTHER#"$STORE/"}
cp "$OTHER" "$S/other"
printf 'X' | dd of="$OTHER" bs=1 seek=100 conv=notrunc status=none
fsck_is "a flipped byte is reported corrupt by path" 5 \
	"corrupt: $STORE/$OREL: fs-verity digest sha256:[0-9a-f]{64}, expected ${OREL:8:2}${OREL:11}" \
	"2 images, $N_OBJECTS objects: 0 missing, 1 corrupt, 0 bad images"
rm "$VICTIM"
fsck_is "missing and corrupt together: corrupt wins" 5 \
	"missing: $STORE/$REL \(needed by $STORE/images/$IMG1\)" \
	"2 images, $N_OBJECTS objects: 1 missing, 1 corrupt, 0 bad images"
mv "$S/victim" "$VICTIM"
cp "$S/other" "$OTHER"

# Objects are not followed through symlinks, even to the right content.
cp "$VICTIM" "$S/outside"
ln -sf "$S/outside" "$VICTIM"
fsck_is "an object that is a symlink is corrupt" 5 \
	"corrupt: $STORE/$REL: it is or passes through a symbolic link, which the boot does not follow"
rm "$VICTIM" && mv "$S/outside" "$VICTIM"
fsck_is "the store is clean again" 0

# Bad images: a wrong name, a damaged file, a redirect out of the store.
mv "$STORE/images/$IMG2" "$STORE/images/$IMG1"0
WRONG=$(printf '%064d' 0)
cp "$STORE/images/$IMG1" "$STORE/images/$WRONG"
fsck_is "an image not named by its digest is a bad image" 3 \
	"bad-image: $STORE/images/$WRONG"
if grep -q "images/$WRONG: its fs-verity digest is $IMG1, not its name" "$S/fsck.err"; then
	ok "... and the message says so"
else
	fail "no message about the name: $(cat "$S/fsck.err")"
fi
rm "$STORE/images/$WRONG"
head -c 8192 "$STORE/images/$IMG1" > "$STORE/images/$WRONG"
fsck_is "a truncated image is a bad image" 3 "bad-image: $STORE/images/$WRONG"
rm "$STORE/images/$WRONG"
printf '/ 0 40755 2 0 0 0 1.0 - - -\n/f 100 100644 1 0 0 0 1.0 ../../../etc/passwd - %064d\n' 1 > "$S/escape.dump"
"$MKCOMPOSEFS" --from-file "$S/escape.dump" "$S/escape.cfs" >/dev/null 2>&1
ARGS=("$S/escape.cfs")
fsck_is "a redirect that leaves the store makes a bad image" 3 "bad-image: $S/escape.cfs"
if grep -q "redirect '/../../../etc/passwd' leaves the object store" "$S/fsck.err"; then
	ok "... and the message names the redirect"
else
	fail "message: $(cat "$S/fsck.err")"
fi
mv "$STORE/images/$IMG1"0 "$STORE/images/$IMG2"

# Named images: a digest in the store, or any path.
ARGS=("$IMG2")
fsck_is "an image named by its digest" 0 "1 images, [0-9]+ objects: 0 missing, 0 corrupt, 0 bad images"
"$MKCOMPOSEFS" "$SRC" "$S/outside.cfs" >/dev/null 2>&1
ARGS=("$S/outside.cfs")
fsck_is "an image given by path" 0 "1 images, [0-9]+ objects: 0 missing, 0 corrupt, 0 bad images"
ARGS=()

if "$CFSBOOT" mkimage --help >/dev/null 2>&1; then
	STORE=$S/mkstore
	"$CFSBOOT" mkimage --store "$STORE" "$SRC" "$S/mk.cfs" >/dev/null 2>&1
	"$CFSBOOT" mkimage --store "$STORE" "$SRC2" "$S/mk2.cfs" >/dev/null 2>&1
	fsck_is "a store filled by cfsboot mkimage --store passes" 0 \
		"2 images, $N_OBJECTS objects: 0 missing, 0 corrupt, 0 bad images"
else
	skip "a store filled by cfsboot mkimage --store (no mkimage)"
fi

check_fails "fsck without --store" 2 "no store given" "$CFSBOOT" fsck
check_fails "fsck --threads 0" 2 "--threads 0: give a number" "$CFSBOOT" fsck --threads 0 --store "$STORE"
check_fails "fsck of a directory that is no store" 1 "the objects directory $S/src/objects does not exist \(is it a store\?" \
	"$CFSBOOT" fsck --store "$S/src"
check "fsck --help" "$CFSBOOT" fsck --help

done_testing
