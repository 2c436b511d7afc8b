#!/usr/bin/env bash
# Benchmark: cfsboot gc over stores of 2, 20 and 200 images, of which two
# have entries (the booted one and the rollback) and the others none, so
# gc removes 0, 18 and 198 images with their own objects and keeps the
# objects all share.  Each image: 20 files of its own and 20 shared,
# 8 KiB each.  gc reads the kept and removed images, never lists the
# objects directory, so its time should grow with what it removes; the
# baseline, same run, is `rm -f` of exactly the objects gc removed (the
# floor for deleting them).  Each size is measured RUNS times on a fresh
# copy of the store (the copy not timed), the best reported.
#   RUNS=3  SIZES="2 20 200"
set -eu
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
SIZES=${SIZES:-"2 20 200"}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cfsboot-bench-gc.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
[ -x "$CFSBOOT" ] || { echo "bench: build $CFSBOOT first (make)" >&2; exit 1; }

mkdir -p "$WORK/shared"
for f in $(seq 20); do head -c 8192 /dev/urandom > "$WORK/shared/s$f"; done

# store N: N images in $WORK/store-N, entries for the first two
make_store() {
	local n=$1 s=$WORK/store-$1 i t
	mkdir -p "$s.boot/loader/entries"
	for i in $(seq "$n"); do
		t=$WORK/tree
		rm -rf "$t" && mkdir -p "$t/own" && cp -a "$WORK/shared" "$t/"
		for f in $(seq 20); do head -c 8192 /dev/urandom > "$t/own/o$f"; done
		"$CFSBOOT" mkimage --store "$s" --print-digest-only "$t" 2>/dev/null > "$WORK/d$i"
	done
	for i in 1 2; do
		printf 'title t\nversion %s\nsort-key cfsboot\nlinux /l\ninitrd /i\noptions o\n' "$i" \
			> "$s.boot/loader/entries/cfsboot-$(cat "$WORK/d$i").conf"
	done
	echo "composefs.digest=$(cat "$WORK/d1")" > "$s.cmdline"
}

gc_once() {
	local s=$1
	"$CFSBOOT" gc --boot "$s.run.boot" --store "$s.run" --state "$WORK/state" \
		--cmdline-file "$s.cmdline" --status-file "$WORK/none"
}

printf '%-7s %-9s %-9s %-10s %-10s %-9s\n' images removed objects gc_s rm_s ratio
for n in $SIZES; do
	make_store "$n"
	s=$WORK/store-$n
	best="" rm_best=""
	for _ in $(seq "$RUNS"); do
		rm -rf "$s.run" "$s.run.boot" && cp -a "$s" "$s.run" && cp -a "$s.boot" "$s.run.boot"
		find "$s.run/objects" -type f | sort > "$WORK/before"
		a=$(date +%s.%N); gc_once "$s" > "$WORK/gc.out"; b=$(date +%s.%N)
		t=$(echo "$b - $a" | bc -l)
		[ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ] && best=$t
		find "$s.run/objects" -type f | sort > "$WORK/after"
		comm -23 "$WORK/before" "$WORK/after" | sed "s|$s.run|$s.rm|" > "$WORK/removed"
		# the floor: the same objects removed by rm, in a fresh copy
		rm -rf "$s.rm" && cp -a "$s" "$s.rm"
		a=$(date +%s.%N); xargs -r rm -f < "$WORK/removed"; b=$(date +%s.%N)
		t=$(echo "$b - $a" | bc -l)
		[ -z "$rm_best" ] || [ "$(echo "$t < $rm_best" | bc -l)" = 1 ] && rm_best=$t
	done
	removed=$(wc -l < "$WORK/removed")
	printf '%-7s %-9s %-9s %-10.4f %-10.4f %-9s\n' "$n" "$((n > 2 ? n - 2 : 0))" "$removed" \
		"$best" "$rm_best" "$(ratio "$best" "$(echo "$rm_best + 0.0001" | bc -l)")"
	tail -1 "$WORK/gc.out" | sed 's/^/  gc: /'
	rm -rf "$s" "$s.run" "$s.rm" "$s.boot" "$s.run.boot"
done
