#!/usr/bin/env bash
# Benchmark: `cfsboot mkimage --store` of a Debian bookworm minbase tree
# against `cp -a` of the same tree onto the same file system, and against
# upstream mkcomposefs (`--digest-store` into an empty store, and
# `--print-digest-only`), measured in the same run, alternated (page cache
# warm for all; each measured RUNS times, the median reported).  Prints
# wall, user and system time and peak RSS of each, the ratios, and the
# load average, since other work on the machine depresses them.
#
# As root, every measurement gets a new journaled ext4 file system (a loop
# device) holding a copy of the tree and the empty store: creating files
# where thousands were just deleted is slow on an ext4 without a journal,
# which skips inodes freed in the last minute, so the runs would measure
# what the previous one removed.  Without root, the work directory is used.
#   RUNS=3  CFSBOOT=build/cfsboot  MKCOMPOSEFS=build/deps/bin/mkcomposefs
#   CFS_DEBOOTSTRAP_DIR=build/debootstrap-bookworm
set -eu
cd "$(dirname "$0")/.."
CFSBOOT=${CFSBOOT:-build/cfsboot}
MKCOMPOSEFS=${MKCOMPOSEFS:-build/deps/bin/mkcomposefs}
TREE=${CFS_DEBOOTSTRAP_DIR:-build/debootstrap-bookworm}
RUNS=${RUNS:-3}
WORK=build/bench-mkimage

if [ ! -x /usr/bin/time ]; then
	echo "bench: GNU time (/usr/bin/time, Debian package 'time') is needed for peak RSS" >&2
	exit 1
fi
[ -x "$CFSBOOT" ] || { echo "bench: build $CFSBOOT first (make)" >&2; exit 1; }
[ -x "$MKCOMPOSEFS" ] || { echo "bench: build $MKCOMPOSEFS first (make deps)" >&2; exit 1; }
scripts/debootstrap-tree.sh "$TREE"
rm -rf "$WORK"
mkdir -p "$WORK/fs"
FRESH_FS=
if [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null; then FRESH_FS=1; fi
cleanup() {
	mountpoint -q "$WORK/fs" && umount "$WORK/fs"
	rm -rf "$WORK"
}
trap cleanup EXIT

# fresh: $FS holds a copy of the tree ($FS/tree) and nothing else, on a
# new file system when FRESH_FS is set; the copy is synced and cached.
fresh() {
	if [ -n "$FRESH_FS" ]; then
		mountpoint -q "$WORK/fs" && umount "$WORK/fs"
		rm -f "$WORK/fs.img"
		truncate -s 2G "$WORK/fs.img"
		mkfs.ext4 -q -F -E nodiscard "$WORK/fs.img"
		mount -o loop "$WORK/fs.img" "$WORK/fs"
	else
		rm -rf "$WORK/fs/tree" "$WORK/fs/out"
	fi
	cp -a "$TREE" "$WORK/fs/tree"
	sync
	find "$WORK/fs/tree" -type f -print0 | xargs -0 cat >/dev/null 2>&1 || true
}
FS=$WORK/fs

# measure NAME CMD...: runs CMD with an empty $FS/out, appends
# "seconds kilobytes user system" to $WORK/NAME.
measure() {
	local name=$1; shift
	fresh
	/usr/bin/time -f "%e %M %U %S" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/$name.stderr" ||
		{ cat "$WORK/$name.stderr" >&2; exit 1; }
	cat "$WORK/time" >>"$WORK/$name"
	uptime | sed 's/.*load average: //; s/,.*//' >>"$WORK/load"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for _ in $(seq "$RUNS"); do
	measure mkimage "$CFSBOOT" mkimage --store "$FS/out" "$FS/tree" "$WORK/image.cfs"
	measure mkcomposefs "$MKCOMPOSEFS" --digest-store="$FS/out" "$FS/tree" "$WORK/ref.cfs"
	cmp -s "$WORK/image.cfs" "$WORK/ref.cfs" ||
		{ echo "bench: mkimage and mkcomposefs wrote different images" >&2; exit 1; }
	measure mkimage-nostore "$CFSBOOT" mkimage "$FS/tree" "$WORK/image.cfs"
	measure cp cp -a "$FS/tree" "$FS/out"
	measure cp-sync sh -c "cp -a '$FS/tree' '$FS/out' && sync -f '$FS'"
	measure mkimage-digest "$CFSBOOT" mkimage --print-digest-only "$FS/tree"
	measure mkcomposefs-digest "$MKCOMPOSEFS" --print-digest-only "$FS/tree"
done

declare -A label=(
	[mkimage]="cfsboot mkimage --store"
	[mkimage-nostore]="cfsboot mkimage (no store)"
	[cp]="cp -a"
	[cp-sync]="cp -a; sync -f"
	[mkcomposefs]="mkcomposefs --digest-store"
	[mkimage-digest]="cfsboot mkimage --print-digest-only"
	[mkcomposefs-digest]="mkcomposefs --print-digest-only"
)
declare -A t
col() { cut -d' ' -f"$2" "$WORK/$1" | median; }
objects=$(sed -n 's/.*: \([0-9]*\) objects added.*/\1/p' "$WORK/mkimage.stderr")
where="in $WORK"
[ -z "$FRESH_FS" ] || where="on a new ext4 for each run"
printf 'tree: %s (%s files, %s MiB), %s objects; %s CPUs; median of %s runs, warm cache, %s\n' \
	"$TREE" "$(find "$TREE" -type f | wc -l)" "$(du -sm "$TREE" | cut -f1)" "$objects" \
	"$(nproc)" "$RUNS" "$where"
printf 'load average (1 min) during the runs: %s to %s\n' "$(sort -n "$WORK/load" | head -1)" \
	"$(sort -n "$WORK/load" | tail -1)"
for n in mkimage mkcomposefs mkimage-nostore cp cp-sync mkimage-digest mkcomposefs-digest; do
	t[$n]=$(col "$n" 1)
	printf '%-36s %8.2f s (user %5.2f, sys %5.2f) %9d KiB peak RSS\n' "${label[$n]}" "${t[$n]}" \
		"$(col "$n" 3)" "$(col "$n" 4)" "$(col "$n" 2)"
done
printf 'ratio mkimage --store / cp -a:          %.2f\n' "$(echo "${t[mkimage]} / ${t[cp]}" | bc -l)"
printf 'ratio mkimage --store / (cp -a; sync):  %.2f\n' "$(echo "${t[mkimage]} / ${t[cp-sync]}" | bc -l)"
printf 'ratio mkimage --store / mkcomposefs --digest-store:  %.2f  (target <= 0.6)\n' \
	"$(echo "${t[mkimage]} / ${t[mkcomposefs]}" | bc -l)"
printf 'ratio --print-digest-only, mkimage / mkcomposefs:    %.2f\n' \
	"$(echo "${t[mkimage-digest]} / ${t[mkcomposefs-digest]}" | bc -l)"
printf 'peak RSS, mkimage --store / mkcomposefs --digest-store: %.2f\n' \
	"$(echo "$(col mkimage 2) / $(col mkcomposefs 2)" | bc -l)"
