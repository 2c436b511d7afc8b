#!/usr/bin/env bash
# mkimage refuses bad input with one line that names the path, a non-zero
# exit, and nothing at IMAGE: not a partial image, not a temporary file, and
# an IMAGE that existed before is left as it was.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "error tests need root (tmpfs mounts, running as nobody)"
	done_testing
	exit
fi
S=$(scratch)
chmod 755 "$S"      # nobody must reach the trees below
OUT=$S/out
mkdir -p "$OUT"
chmod 1777 "$OUT"

# refused NAME EXIT PATTERN CMD...: CMD fails with EXIT and PATTERN in one
# line, and leaves nothing in $OUT.
refused() {
	local name=$1
	check_fails "$@"
	check "$name: nothing is left in IMAGE's directory" test -z "$(ls -A "$OUT")"
}

mkdir -p "$S/good"
echo content-over-sixty-four-bytes..................................... >"$S/good/file"

refused "SOURCE missing" 1 "cannot read $S/missing: No such file" \
	"$CFSBOOT" mkimage "$S/missing" "$OUT/image.cfs"
refused "IMAGE's directory missing" 1 "cannot create $S/nodir/image.cfs: directory $S/nodir: No such file" \
	"$CFSBOOT" mkimage "$S/good" "$S/nodir/image.cfs"
refused "IMAGE is a directory path" 1 "must name a file" \
	"$CFSBOOT" mkimage "$S/good" "$OUT/"

# Unreadable files and directories: run as nobody, whom modes do stop.
mkdir -p "$S/unreadable" "$S/closed-dir/inner"
echo secret-content-over-sixty-four-bytes.................................. >"$S/unreadable/secret"
chmod 000 "$S/unreadable/secret" "$S/closed-dir/inner"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
refused "an unreadable file" 1 "cannot open $S/unreadable/secret: Permission denied" \
	as_nobody "$CFSBOOT" mkimage "$S/unreadable" "$OUT/image.cfs"
refused "an unreadable directory" 1 "cannot open directory $S/closed-dir/inner: Permission denied" \
	as_nobody "$CFSBOOT" mkimage "$S/closed-dir" "$OUT/image.cfs"

# A file larger than 1024 chunks (8 PiB): refused before it is hashed.
mkdir -p "$S/tmpfs"
refused "a file too large for the format" 1 "/huge is 9007199254740993 bytes, larger than a composefs image" \
	unshare -m sh -c "mount -t tmpfs tmpfs '$S/tmpfs' && mkdir '$S/tmpfs/src' && \
		truncate -s 9007199254740993 '$S/tmpfs/src/huge' && \
		'$CFSBOOT' mkimage '$S/tmpfs/src' '$OUT/image.cfs'"

# The same limits for dump files, and names only a dump can hold.
printf '/ 0 40755 2 0 0 0 0.0 - - -\n/huge 9007199254740993 100644 1 0 0 0 0.0 - - -\n' >"$S/huge.dump"
refused "a dump file with a file too large" 1 "/huge is 9007199254740993 bytes" \
	"$CFSBOOT" mkimage "$S/huge.dump" "$OUT/image.cfs"
printf '/ 0 40755 2 0 0 0 0.0 - - -\n/%s 0 100644 1 0 0 0 0.0 - - -\n' "$(printf 'n%.0s' $(seq 256))" >"$S/long.dump"
refused "a name longer than 255 bytes" 1 "long.dump:2: PATH '/nnn.*' ends in .*a name longer than 255 bytes" \
	"$CFSBOOT" mkimage "$S/long.dump" "$OUT/image.cfs"

# An IMAGE that exists is replaced only by a complete image.
echo old >"$OUT/image.cfs"
check_fails "a failing run over an existing IMAGE" 1 "cannot read" \
	"$CFSBOOT" mkimage "$S/missing" "$OUT/image.cfs"
check "... leaves the old IMAGE as it was" test "$(cat "$OUT/image.cfs")" = old
check "... and no temporary file" test "$(ls -A "$OUT")" = image.cfs
check "a successful run replaces it" "$CFSBOOT" mkimage "$S/good" "$OUT/image.cfs"
check "... with the new image" test "$(od -An -tx4 -N4 "$OUT/image.cfs" | tr -d ' ')" = d078629a
rm -f "$OUT/image.cfs"

# Usage errors: exit 2.
refused "an unknown format version" 2 "--min-version 2: the format versions are 0 and 1" \
	"$CFSBOOT" mkimage --min-version 2 "$S/good" "$OUT/image.cfs"
refused "an unknown hash" 2 "unknown hash 'sha384': use sha256 or sha512" \
	"$CFSBOOT" mkimage --hash sha384 "$S/good" "$OUT/image.cfs"
refused "a missing IMAGE" 2 "give SOURCE and IMAGE" \
	"$CFSBOOT" mkimage "$S/good"
refused "IMAGE with --print-digest-only" 2 "give SOURCE only" \
	"$CFSBOOT" mkimage --print-digest-only "$S/good" "$OUT/image.cfs"
refused "--store with a dump file" 2 "huge.dump is a dump file: .*--store" \
	"$CFSBOOT" mkimage --store "$S/store" "$S/huge.dump" "$OUT/image.cfs"
refused "--threads 0" 2 "--threads 0: give a number" \
	"$CFSBOOT" mkimage --threads 0 "$S/good" "$OUT/image.cfs"

# Bad dump lines: FILE:LINE and what is wrong.
bad_dump() {
	local name=$1 line=$2 pattern=$3 text=$4
	printf '/ 0 40755 2 0 0 0 0.0 - - -\n%b' "$text" >"$S/bad.dump"
	refused "dump: $name" 1 "bad.dump:$line: .*$pattern" "$CFSBOOT" mkimage "$S/bad.dump" "$OUT/image.cfs"
}
bad_dump "a line cut short" 2 "GID '' is not a decimal number" '/a 0 100644 1 0\n'
bad_dump "a bad escape" 2 "unknown escape" '/a\\q 0 100644 1 0 0 0 0.0 - - -\n'
bad_dump "a parent that is missing" 2 "'/no' is not a directory listed before" '/no/a 0 100644 1 0 0 0 0.0 - - -\n'
bad_dump "a duplicate path" 3 "'/a' is listed twice" '/a 0 100644 1 0 0 0 0.0 - - -\n/a 0 100644 1 0 0 0 0.0 - - -\n'
bad_dump "a mode of no file type" 2 "MODE 170644 has no known file type" '/a 0 170644 1 0 0 0 0.0 - - -\n'
bad_dump "a mode not in octal" 2 "MODE '100648' is not an octal number" '/a 0 100648 1 0 0 0 0.0 - - -\n'
bad_dump "content of the wrong size" 2 "CONTENT has 2 bytes but SIZE says 3" '/a 3 100644 1 0 0 0 0.0 - ab -\n'
bad_dump "a short digest" 2 "DIGEST 'abcd' does not start with 64 hex digits" '/a 100 100644 1 0 0 0 0.0 - - abcd\n'
bad_dump "a dangling hardlink" 2 "target '/b' is not in the file" '/a 0 @100644 1 0 0 0 0.0 /b - -\n'
bad_dump "a hardlink loop" 2 "part of a loop" '/a 0 @100644 1 0 0 0 0.0 /b - -\n/b 0 @100644 1 0 0 0 0.0 /a - -\n'
bad_dump "a hardlinked directory" 3 "target '/d' is a directory" '/d 0 40755 2 0 0 0 0.0 - - -\n/a 0 @100644 1 0 0 0 0.0 /d - -\n'
bad_dump "an xattr without =" 2 "has no '='" '/a 0 100644 1 0 0 0 0.0 - - - user.x\n'
bad_dump "an MTIME without its dot" 2 "MTIME '5' is not SECONDS.NANOSECONDS" '/a 0 100644 1 0 0 0 5 - - -\n'
bad_dump "an empty line" 2 "PATH is empty" '\n/a 0 100644 1 0 0 0 0.0 - - -\n'
bad_dump "a symlink without target" 2 "a symlink needs its target" '/a 0 120777 1 0 0 0 0.0 - - -\n'
printf '/a 0 100644 1 0 0 0 0.0 - - -\n' >"$S/noroot.dump"
refused "dump: no root line first" 1 "noroot.dump:1: the first entry must be the root" \
	"$CFSBOOT" mkimage "$S/noroot.dump" "$OUT/image.cfs"

done_testing
