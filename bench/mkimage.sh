#!/usr/bin/env bash
# Benchmark: `cfsboot mkimage --store` of a Debian bookworm minbase tree
# against `cp -a` of the same tree onto the same file system, and against
# upstream mkcomposefs (`--digest-store` into an empty store, and
# `--print-digest-only`), measured in the same run (page cache warm for
# all; each measured RUNS times, the median reported).  Prints wall time
# and peak RSS of each, and the ratios.
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
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

# measure NAME CMD...: runs CMD with an empty $WORK/out, appends
# "seconds kilobytes" to $WORK/NAME.
measure() {
	local name=$1; shift
	rm -rf "$WORK/out"
	sync
	/usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/$name.stderr" ||
		{ cat "$WORK/$name.stderr" >&2; exit 1; }
	cat "$WORK/time" >>"$WORK/$name"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Warm the page cache, so that neither side pays for the first read.
cat $(find "$TREE" -type f) >/dev/null 2>&1 || true

for i in $(seq "$RUNS"); do
	measure mkimage "$CFSBOOT" mkimage --store "$WORK/out" "$TREE" "$WORK/image.cfs"
	measure mkimage-nostore "$CFSBOOT" mkimage "$TREE" "$WORK/image.cfs"
	measure cp cp -a "$TREE" "$WORK/out"
	measure cp-sync sh -c "cp -a '$TREE' '$WORK/out' && sync -f '$WORK'"
	measure mkcomposefs "$MKCOMPOSEFS" --digest-store="$WORK/out" "$TREE" "$WORK/ref.cfs"
	measure mkimage-digest "$CFSBOOT" mkimage --print-digest-only "$TREE"
	measure mkcomposefs-digest "$MKCOMPOSEFS" --print-digest-only "$TREE"
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
objects=$(sed -n 's/.*: \([0-9]*\) objects added.*/\1/p' "$WORK/mkimage.stderr")
printf 'tree: %s (%s files, %s MiB), %s objects; %s CPUs; median of %s runs, warm cache\n' \
	"$TREE" "$(find "$TREE" -type f | wc -l)" "$(du -sm "$TREE" | cut -f1)" "$objects" \
	"$(nproc)" "$RUNS"
for n in mkimage mkimage-nostore cp cp-sync mkcomposefs mkimage-digest mkcomposefs-digest; do
	t[$n]=$(cut -d' ' -f1 "$WORK/$n" | median)
	printf '%-36s %8.2f s %9d KiB peak RSS\n' "${label[$n]}" "${t[$n]}" \
		"$(cut -d' ' -f2 "$WORK/$n" | median)"
done
printf 'ratio mkimage --store / cp -a:          %.2f\n' "$(echo "${t[mkimage]} / ${t[cp]}" | bc -l)"
printf 'ratio mkimage --store / (cp -a; sync):  %.2f\n' "$(echo "${t[mkimage]} / ${t[cp-sync]}" | bc -l)"
printf 'ratio mkimage --store / mkcomposefs --digest-store:  %.2f\n' \
	"$(echo "${t[mkimage]} / ${t[mkcomposefs]}" | bc -l)"
printf 'ratio --print-digest-only, mkimage / mkcomposefs:    %.2f\n' \
	"$(echo "${t[mkimage-digest]} / ${t[mkcomposefs-digest]}" | bc -l)"
