#!/usr/bin/env bash
# Benchmark: cfs-pivot composing an image of a Debian bookworm minbase tree
# (the one the mkimage tests cache under build/) at a fake physical root,
# against a plain `mount -t erofs` + `mount -t overlay` of the same image in
# the same run.  Prints the median wall time of each (RUNS runs), cfs-pivot's
# phases from its status file, user-space instructions under callgrind, peak
# RSS, and the ratios.  Needs root; runs in a private mount namespace.
#
# The host kernel has no fs-verity, so cfs-pivot runs with verity =
# insecure-dev and computes the image's digest in user space (the "digest"
# phase); with fs-verity that phase is one ioctl.  Both sides mount EROFS
# from a loop device for the main ratio (mount(8) always makes one for a
# file); cfs-pivot's file-backed EROFS is measured too.
#   RUNS=15  CFS_PIVOT=build/cfs-pivot  CFS_DEBOOTSTRAP_DIR=build/debootstrap-bookworm
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: mounting needs root" >&2
	exit 1
fi
if [ -z "${CFS_BENCH_NS:-}" ]; then
	CFS_BENCH_NS=1 exec unshare -m --propagation private "$BASH" "$0" "$@"
fi
PIVOT=${CFS_PIVOT:-build/cfs-pivot}
CFSBOOT=${CFSBOOT:-build/cfsboot}
TREE=${CFS_DEBOOTSTRAP_DIR:-build/debootstrap-bookworm}
RUNS=${RUNS:-15}
for tool in "$PIVOT" "$CFSBOOT"; do
	[ -x "$tool" ] || { echo "bench: build $tool first (make)" >&2; exit 1; }
done
for tool in /usr/bin/time valgrind python3; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is needed" >&2; exit 1; }
done

# On build/'s file system (not a tmpfs), so that EROFS can read the image
# file directly, as on a real physical root.
W=$(mktemp -d "$PWD/build/bench-compose.XXXXXX")
cleanup() {
	awk -v w="$W/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$W"
}
trap cleanup EXIT

if [ -e "$TREE.complete" ] && [ -d "$TREE" ]; then
	what="debootstrap bookworm minbase ($TREE)"
else
	# The cached tree comes from tests/host/mkimage-debootstrap.sh.
	TREE=$W/tree
	mkdir -p "$TREE/usr"
	cp -a /usr/bin /usr/sbin "$TREE/usr/" && cp -a /etc "$TREE/"
	what="SMALLER TREE: /usr/bin, /usr/sbin and /etc of this host (no cached debootstrap tree; run tests/host/mkimage-debootstrap.sh once)"
fi
P=$W/phys
mkdir -p "$P/composefs" "$W/sysroot" "$W/run" "$W/erofs" "$W/mnt"
# The status file goes to a tmpfs, as /run is at boot.
mount -t tmpfs run "$W/run"
D=$("$CFSBOOT" mkimage --store "$P/composefs" --print-digest "$TREE" "$W/image.cfs" 2>/dev/null)
IMG=$P/composefs/images/$D
echo "tree: $what"
echo "  $(find "$TREE" | wc -l) paths, image $(stat -c %s "$IMG") bytes, $(find "$P/composefs/objects" -type f | wc -l) objects"
echo "composefs.digest=$D" > "$W/cmdline"
policy() { printf 'verity = %s\nsignature = off\netc = %s\nvar = %s\n' "$@" > "$W/pivot.conf"; }
cat "$IMG" $(find "$P/composefs/objects" -type f) > /dev/null   # page cache warm for both

ns_now() { date +%s%N; }
# The kernel finishes tearing down the previous run's mounts and loop
# device in the background; a boot composes on a quiet system.
settle() { sleep 0.2; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ms() { echo "scale=3; $1 / 1000000" | bc -l; }

# pivot_once OUT [OPTIONS...]: one compose; appends "nanoseconds KiB" to OUT
# and the status file's phase times ("name usec" lines) to OUT.phases.
pivot_once() {
	local out=$1 s e; shift
	mount --bind "$P" "$W/sysroot"
	settle
	s=$(ns_now)
	/usr/bin/time -f %M -o "$W/rss" "$PIVOT" --cmdline "$W/cmdline" --config "$W/pivot.conf" \
		--sysroot "$W/sysroot" --status "$W/run/status.json" "$@" 2>"$W/stderr" ||
		{ cat "$W/stderr" >&2; exit 1; }
	e=$(ns_now)
	echo "$((e - s)) $(cat "$W/rss")" >> "$out"
	python3 -c 'import json, sys
for p in json.load(open(sys.argv[1]))["phases"]: print(p["name"], p["usec"])' \
		"$W/run/status.json" >> "$out.phases"
	umount -R "$W/sysroot"
}

# mount_once OUT: the baseline; appends "nanoseconds KiB" (the larger RSS
# of the two mount(8) processes).
mount_once() {
	local out=$1 s e r1 r2
	settle
	s=$(ns_now)
	/usr/bin/time -f %M -o "$W/rss1" mount -t erofs -o ro,loop "$IMG" "$W/erofs"
	/usr/bin/time -f %M -o "$W/rss2" mount -t overlay overlay -o \
		"ro,lowerdir+=$W/erofs,datadir+=$P/composefs/objects,metacopy=on,redirect_dir=on" "$W/mnt"
	e=$(ns_now)
	r1=$(cat "$W/rss1") r2=$(cat "$W/rss2")
	echo "$((e - s)) $((r1 > r2 ? r1 : r2))" >> "$out"
	umount "$W/mnt" "$W/erofs"
}

policy insecure-dev none none
for _ in $(seq "$RUNS"); do
	pivot_once "$W/loop" --avoid erofs-file
	pivot_once "$W/file"
	mount_once "$W/base"
done
policy insecure-dev overlay bind
for _ in $(seq "$RUNS"); do
	pivot_once "$W/state"
done

col() { awk -v c="$2" '{ print $c }' "$1" | median; }
phase() { awk -v n="$2" '$1 == n { print $2 }' "$1.phases" | median; }
loop=$(col "$W/loop" 1) file=$(col "$W/file" 1) base=$(col "$W/base" 1) state=$(col "$W/state" 1)
echo "wall time, median of $RUNS (ms):"
echo "  mount -t erofs -o loop + mount -t overlay     $(ms "$base")"
echo "  cfs-pivot, EROFS from a loop device           $(ms "$loop")   ratio $(echo "scale=3; $loop / $base" | bc -l)  (target <= 1.2)"
echo "  cfs-pivot, EROFS from the file                $(ms "$file")   ratio $(echo "scale=3; $file / $base" | bc -l)"
echo "  cfs-pivot, etc = overlay, var = bind          $(ms "$state")"
for run in loop file state; do
	line="  phases ($run), median usec:"
	for name in cmdline policy store digest mount state attach; do
		line="$line $name $(phase "$W/$run" "$name")"
	done
	echo "$line"
done
digest=$(phase "$W/loop" digest)
echo "  without the user-space image digest (one ioctl with fs-verity): loop $(ms "$((loop - digest * 1000))") ms," \
	"ratio $(echo "scale=3; ($loop - $digest * 1000) / $base" | bc -l)"

echo "peak RSS (KiB): cfs-pivot $(col "$W/loop" 2) (loop), $(col "$W/file" 2) (file), $(col "$W/state" 2) (state);" \
	"mount(8) $(col "$W/base" 2)  (target <= 4096)"

# User-space instructions (callgrind counts no kernel work).  Valgrind 3.19
# (Debian 12) knows neither openat2() nor the new mount API: under it
# cfs-pivot walks its paths itself and stops at its first fsopen(), the
# overlayfs probe, refusing the boot.  What is counted is everything before
# that; everything after is system calls and the status file.  Valgrind
# does not run set-user-ID programs, so mount(8) runs from a plain copy.
policy insecure-dev none none
mount --bind "$P" "$W/sysroot"
valgrind --tool=callgrind --callgrind-out-file="$W/cg.pivot" "$PIVOT" --cmdline "$W/cmdline" \
	--config "$W/pivot.conf" --sysroot "$W/sysroot" --status "$W/run/status.json" \
	>/dev/null 2>"$W/cg.err" || true
umount -R "$W/sysroot" 2>/dev/null || umount "$W/sysroot"
reached=$(grep -q 'unhandled amd64-linux syscall: 430' "$W/cg.err" && echo "up to its first fsopen()" ||
	echo "the whole run")
inclusive() { callgrind_annotate --inclusive=yes "$1" 2>/dev/null | awk -v f="$2" 'index($0, f) { gsub(",", "", $1); print $1; exit }'; }
pivot_ir=$(inclusive "$W/cg.pivot" "PROGRAM TOTALS")
digest_ir=$(inclusive "$W/cg.pivot" "verity.c:pivot_check_image")
cp /usr/bin/mount "$W/mount.copy"
base_ir=0
for args in "-t erofs -o ro,loop $IMG $W/erofs" \
	"-t overlay overlay -o ro,lowerdir+=$W/erofs,datadir+=$P/composefs/objects,metacopy=on,redirect_dir=on $W/mnt"; do
	# shellcheck disable=SC2086 # the arguments are split on purpose
	valgrind --tool=callgrind --callgrind-out-file="$W/cg.base" "$W/mount.copy" $args 2>/dev/null
	base_ir=$((base_ir + $(inclusive "$W/cg.base" "PROGRAM TOTALS")))
done
umount "$W/mnt" "$W/erofs"
echo "instructions (callgrind, user space): mount + mount $base_ir;" \
	"cfs-pivot $pivot_ir ($reached), of which $digest_ir hash the image"
echo "  cfs-pivot without the image hash: $((pivot_ir - digest_ir)), ratio" \
	"$(echo "scale=3; ($pivot_ir - $digest_ir) / $base_ir" | bc -l); with it, ratio" \
	"$(echo "scale=3; $pivot_ir / $base_ir" | bc -l)"

# verity = boot-check: every object hashed before the switch.
policy boot-check none none
rm -f "$W/bc" "$W/bc.phases"
pivot_once "$W/bc"
echo "boot-check: $(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["objects_checked"])' "$W/run/status.json") objects in" \
	"$(ms "$(($(phase "$W/bc" boot-check) * 1000))") ms (phase), whole run $(ms "$(col "$W/bc" 1)") ms," \
	"peak RSS $(col "$W/bc" 2) KiB"
