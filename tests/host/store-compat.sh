#!/usr/bin/env bash
# Stores as composefs-rs lays them out: sha512 end to end (mkimage --hash
# sha512 --store, checked against `fsverity digest --hash-alg=sha512` and the
# metacopy xattrs as the kernel reads them; inspect and fsck round-trip;
# sign and verify; cfs-pivot boots it by either spelling of the digest),
# meta.json's rules (the algorithm decides, what we do not support is
# refused by mkimage, sign, fsck and cfs-pivot in one line), and the
# store's flock (a held exclusive lock, a gc's, makes writers and readers
# wait).
. "$(dirname "$0")/../lib.sh"
private_mount_ns "cfs-pivot and EROFS mounts need root" "$@"

S=$(scratch)
cleanup() {
	[ -n "${HOLDER:-}" ] && pkill -P "$HOLDER" sleep
	unmount_scratch
	rm -rf "$S"
}
trap cleanup EXIT

# says NAME PATTERN CMD...: CMD must succeed and say PATTERN (an ERE).
says() {
	local name=$1 pattern=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -qE -- "$pattern"; then
		ok "$name"
	else
		fail "$name (exit $rc, expected 0 and /$pattern/)"
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'
	fi
}

SRC=$S/src
mkdir -p "$SRC/dir" "$SRC/sysroot"
for i in 1 2 3; do head -c $((i * 7000)) /dev/urandom > "$SRC/file$i"; done
cp "$SRC/file1" "$SRC/dir/same-as-file1"
echo inline > "$SRC/small"

# ---- sha512: names, digests and xattrs against independent tools
R=$S/root512/composefs
mkdir -p "$S/root512"
D=$("$CFSBOOT" mkimage --hash sha512 --store "$R" --print-digest "$SRC" "$S/image512.cfs" 2>/dev/null)
check "mkimage --hash sha512 prints a 128-hex digest" test ${#D} -eq 128
check "... which fsverity digest --hash-alg=sha512 computes for the image" \
	test "sha512:$D" = "$(fsverity digest --hash-alg=sha512 "$S/image512.cfs" | cut -d' ' -f1)"
bad=0
for f in "$R"/objects/*/*; do
	name=${f#"$R"/objects/}
	[[ $name =~ ^[0-9a-f]{2}/[0-9a-f]{126}$ ]] || { diag "bad object name $name"; bad=1; }
	[ "sha512:${name/\//}" = "$(fsverity digest --hash-alg=sha512 "$f" | cut -d' ' -f1)" ] ||
		{ diag "$name: not its sha512 fs-verity digest"; bad=1; }
done
check "every object is named by its sha512 fs-verity digest (126 hex after the fan-out)" test "$bad" -eq 0
want=$( (find "$SRC" -type f -size +64c -exec fsverity digest --hash-alg=sha512 {} + | cut -c8-135; echo "$D") | sort -u)
check "the objects are the distinct large files and the image" \
	test "$want" = "$(cd "$R/objects" && ls -d */* | tr -d / | sort)"
check "images/<digest> links to the image's object" \
	test "$(readlink "$R/images/$D")" = "../objects/${D:0:2}/${D:2}"
check "meta.json says fsverity-sha512-12" grep -q '"algorithm": "fsverity-sha512-12",' "$R/meta.json"

# The kernel's view: EROFS mounted, each large file's metacopy is version 0,
# length 68, flags 0, algorithm 2 (FS_VERITY_HASH_ALG_SHA512), its digest.
mkdir -p "$S/mnt"
if mount -t erofs -o ro,loop "$S/image512.cfs" "$S/mnt" 2>/dev/null; then
	f1=$(fsverity digest --hash-alg=sha512 "$SRC/file1" | cut -c8-135)
	check "trusted.overlay.metacopy of a file is 00440002 and its sha512 digest" test \
		"$(getfattr -e hex -n trusted.overlay.metacopy "$S/mnt/file1" 2>/dev/null | sed -n 's/^trusted.overlay.metacopy=//p')" = "0x00440002$f1"
	check "trusted.overlay.redirect names its sha512 object" test \
		"$(getfattr --only-values -n trusted.overlay.redirect "$S/mnt/file1" 2>/dev/null)" = "/${f1:0:2}/${f1:2}"
	umount "$S/mnt"
else
	skip "the kernel has no EROFS: metacopy xattrs not read back"
	skip "the kernel has no EROFS: redirect xattrs not read back"
fi

# inspect --dump prints 128-hex digests; mkimage --hash sha512 --from-file
# writes the same image back.
"$CFSBOOT" inspect --dump "$S/image512.cfs" > "$S/image512.dump"
check "inspect --dump shows the sha512 digest of a file" grep -q " $f1\$" "$S/image512.dump"
"$CFSBOOT" mkimage --hash sha512 --from-file "$S/image512.dump" "$S/rt512.cfs" 2>/dev/null
check "mkimage --hash sha512 --from-file of that dump is the same image" cmp "$S/image512.cfs" "$S/rt512.cfs"
check "fsck accepts the sha512 store" sh -c "'$CFSBOOT' fsck --store '$R' | grep -qx '1 images, 3 objects: 0 missing, 0 corrupt, 0 bad images'"
obj=$(cd "$R/objects" && find . -type f ! -path "./${D:0:2}/*" | head -n 1 | cut -c3-)
cp "$R/objects/$obj" "$S/obj.saved"
printf 'X' | dd of="$R/objects/$obj" bs=1 count=1 conv=notrunc 2>/dev/null
check_fails "fsck finds a changed sha512 object" 5 "corrupt: $R/objects/$obj: fs-verity digest sha512:" \
	"$CFSBOOT" fsck --store "$R"
cp "$S/obj.saved" "$R/objects/$obj"

# Signed into the store's signatures/, verified, booted.
PKI=$S/pki
for step in "root $PKI/root" "intermediate $PKI/int --ca $PKI/root" "signer $PKI/sig --ca $PKI/int"; do
	# shellcheck disable=SC2086 # the words of a step
	"$REPO/keys/mkpki.sh" $step >/dev/null 2>&1
done
mkdir -p "$PKI/trust" && cp "$PKI/root/cert.pem" "$PKI/trust/root.pem"
SIGN=(--key "$PKI/sig/key.pem" --cert "$PKI/sig/cert.pem" --chain "$PKI/sig/chain.pem")
check "sign --hash sha512 --store writes signatures/<digest>.sig, nothing in images/" sh -c \
	"'$CFSBOOT' sign ${SIGN[*]} --version 2 --hash sha512 --store '$R' '$R/images/$D' >/dev/null &&
	 test -f '$R/signatures/$D.sig' -a ! -e '$R/images/$D.sig'"
check "verify --hash sha512 accepts it" "$CFSBOOT" verify --trust "$PKI/trust" --hash sha512 "$R/images/$D" "$R/signatures/$D.sig"
check_fails "verify refuses it for the sha256 digest of the same image" nonzero "" \
	"$CFSBOOT" verify --trust "$PKI/trust" "$R/images/$D" "$R/signatures/$D.sig"
check_fails "sign --store refuses a sha256 digest in a sha512 store" 1 \
	"refusing the digest to sign: a sha256 digest, but $R/meta.json says the store's objects and images are named by sha512 digests" \
	"$CFSBOOT" sign "${SIGN[@]}" --store "$R" "$R/images/$D"

# pivot STORE DIGEST: cfs-pivot boots a copy of STORE on a fresh physical
# root (booting takes the root away), a signature required from $PKI.
pivot() {
	local root
	root=$(mktemp -d "$S/boot.XXXXXX")
	mkdir -p "$root.run" && cp -a "$1" "$root/composefs"
	mount --bind "$root" "$root"
	printf 'composefs.digest=%s\n' "$2" > "$root.run/cmdline"
	printf 'verity = boot-check\nsignature = required\ntrust = %s\ntpm = off\netc = none\nvar = none\n' \
		"$PKI/trust" > "$root.run/pivot.conf"
	"$CFS_PIVOT" --cmdline "$root.run/cmdline" --config "$root.run/pivot.conf" --sysroot "$root" \
		--status "$root.run/status.json"
}
says "cfs-pivot boots the signed sha512 store by v1-sha512-12:<hex>" \
	"booted composefs image sha512:$D at $S/boot.[^:]*: signed by CN=cfsboot image signing" pivot "$R" "v1-sha512-12:$D"
says "... and by the bare 128-hex digest, as bootc writes composefs=" \
	"booted composefs image sha512:$D" pivot "$R" "$D"
D256=$("$CFSBOOT" digest "$S/image512.cfs" | cut -d' ' -f1 | cut -d: -f2)
ln -s "../objects/${D:0:2}/${D:2}" "$R/images/$D256"
check_fails "cfs-pivot refuses a sha256 digest in a sha512 store" 5 \
	"refusing composefs.digest=: a sha256 digest, but $S/boot.[^/]*/composefs/meta.json says the store's objects and images are named by sha512 digests" \
	pivot "$R" "$D256"
check_fails "fsck counts an image of the other algorithm as bad" 3 "bad-image: $R/images/$D256" \
	"$CFSBOOT" fsck --store "$R"
rm "$R/images/$D256"

# ---- meta.json decides the algorithm
check "mkimage --store without --hash follows a sha512 store's meta.json" \
	test "$("$CFSBOOT" mkimage --store "$R" --print-digest "$SRC" "$S/again.cfs" 2>/dev/null)" = "$D"
check_fails "mkimage --hash sha256 is refused for a sha512 store" 1 \
	"refusing --hash sha256: a sha256 digest, but $R/meta.json says the store's objects and images are named by sha512 digests" \
	"$CFSBOOT" mkimage --hash sha256 --store "$R" "$SRC" "$S/x.cfs"
mkdir -p "$S/old"
"$CFSBOOT" mkimage --store "$S/old/store" "$SRC" "$S/old.cfs" 2>/dev/null
rm "$S/old/store/meta.json"
"$CFSBOOT" mkimage --store "$S/old/store" "$SRC" "$S/old.cfs" 2>/dev/null
check "an existing store without meta.json is not given one" test ! -e "$S/old/store/meta.json"

# meta NAME TEXT: a copy of the sha512 store under $S/NAME with meta.json TEXT.
meta() {
	mkdir -p "$S/$1" && cp -a "$R" "$S/$1/" && printf '%s\n' "$2" > "$S/$1/composefs/meta.json"
}
# refused NAME TEXT LINE: mkimage --store, fsck and cfs-pivot all refuse the
# store of meta.json TEXT, each with LINE.
refused() {
	meta "$1" "$2"
	check_fails "$1: mkimage --store refuses it" 1 "$3" \
		"$CFSBOOT" mkimage --store "$S/$1/composefs" "$SRC" "$S/x.cfs"
	check_fails "$1: fsck refuses it" 1 "$3" "$CFSBOOT" fsck --store "$S/$1/composefs"
	check_fails "$1: cfs-pivot refuses it" 5 "$3" pivot "$S/$1/composefs" "$D"
}
refused alg-unknown '{"version":1,"algorithm":"fsverity-sha384-12"}' \
	"refusing the store: .*/meta.json names the algorithm 'fsverity-sha384-12'; cfsboot supports fsverity-sha256-12 and fsverity-sha512-12"
refused incompat '{"version":1,"algorithm":"fsverity-sha512-12","features":{"incompatible":["chunked-objects"]}}' \
	"refusing the store: .*/meta.json requires the incompatible feature 'chunked-objects', which cfsboot does not know"
refused version2 '{"version":2,"algorithm":"fsverity-sha512-12"}' \
	"refusing the store: .*/meta.json says repository format version 2, cfsboot knows version 1"
refused garbage '{"version":1,' ".*/meta.json is not valid JSON"

meta ro '{"version":1,"algorithm":"fsverity-sha512-12","features":{"read-only-compatible":["new-index"],"compatible":["hint"]}}'
check_fails "a read-only-compatible feature: mkimage --store refuses to write" 1 \
	"refusing to write to the store $S/ro/composefs: its meta.json has the read-only-compatible feature 'new-index'" \
	"$CFSBOOT" mkimage --store "$S/ro/composefs" "$SRC" "$S/x.cfs"
check_fails "... sign --store too" 1 "read-only-compatible feature 'new-index'" \
	"$CFSBOOT" sign "${SIGN[@]}" --hash sha512 --store "$S/ro/composefs" "$S/image512.cfs"
check "... fsck reads it" "$CFSBOOT" fsck --store "$S/ro/composefs"
says "... and cfs-pivot boots it" "booted composefs image sha512:$D" pivot "$S/ro/composefs" "$D"

meta metalink ''
cp "$R/meta.json" "$S/metalink/real-meta.json"
ln -sf ../real-meta.json "$S/metalink/composefs/meta.json"
check_fails "meta.json a symbolic link is refused" 5 \
	"refusing the repository metadata .*/meta.json: it is or passes through a symbolic link" pivot "$S/metalink/composefs" "$D"

# ---- the flock: a held exclusive lock (gc's) makes a writer and a reader
# wait, a shared one does not.
L=$S/lockstore
"$CFSBOOT" mkimage --store "$L" "$SRC" "$S/l.cfs" 2>/dev/null
flock -s "$L" true
check "a shared lock held elsewhere does not stop mkimage --store" \
	flock -s "$L" "$CFSBOOT" mkimage --store "$L" "$SRC" "$S/l.cfs"
# release: ends the holder's sleep, which holds the lock (flock(1) passes it
# the fd), so that the lock goes at once.
release() {
	pkill -P "$HOLDER" sleep
	wait "$HOLDER" 2>/dev/null
	HOLDER=
}
# waits NAME CMD...: CMD is still running 2 s after it starts while
# another process holds the store's exclusive lock, says why, and
# finishes once the lock is released.
waits() {
	local name=$1 pid rc=0
	shift
	flock -x "$L" sleep 60 & HOLDER=$!
	sleep 0.5
	"$@" > "$S/wait.out" 2> "$S/wait.err" & pid=$!
	sleep 2
	if ! kill -0 "$pid" 2>/dev/null; then
		fail "$name waits for the exclusive lock (it finished)"
		release
		return
	fi
	ok "$name waits while the exclusive lock is held"
	check "... saying why, once" test "$(grep -c "^cfsboot: $L is locked exclusively (a garbage collection, cfsctl gc?): waiting for it" "$S/wait.err")" -eq 1
	release
	wait "$pid" || rc=$?
	check "... and finishes once it is released" test "$rc" -eq 0
}
waits "mkimage --store" "$CFSBOOT" mkimage --store "$L" "$SRC" "$S/l2.cfs"
waits "fsck" "$CFSBOOT" fsck --store "$L"

done_testing
