#!/usr/bin/env bash
# Benchmark: an update of a device, cfsboot pull + deploy, then gc, against
# the floor: cp (and fsync) of only the objects the update adds, in the
# same run on the same disk.  v1 is a Debian bookworm minbase tree and v2
# the same with a few packages upgraded (bench_update_trees, bench/lib.sh);
# both ship the VM tests' Debian kernel and an initramfs that
# cfs-mkinitramfs makes of it with the root as trust anchor.  The device
# has v1 deployed and booted; the update pulls v2 from a directory
# (cfsboot publish's layout, a second disk) and deploys it; gc runs once v2
# is booted and blessed with --keep 1, and removes v1.  Measured: wall
# time, bytes each writes (write(2) calls, /proc/PID/io wchar), what the
# store and the boot partition (a tmpfs) grow by, and objects added.
#   CFSBOOT=build/cfsboot  CFS_DEBOOTSTRAP_DIR=build/debootstrap-bookworm
#   needs build/vm/kernel (tests/vm makes it) and root (a tmpfs mount)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
TREE=${CFS_DEBOOTSTRAP_DIR:-build/debootstrap-bookworm}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (the boot partition is a tmpfs)" >&2; exit 1; }
[ -x "$CFSBOOT" ] || { echo "bench: build $CFSBOOT first (make)" >&2; exit 1; }
KERNEL=$(ls -d build/vm/kernel/linux-image-* 2>/dev/null | head -n 1)
[ -n "$KERNEL" ] || { echo "bench: needs the VM tests' kernel in build/vm/kernel (tests/vm/run.sh makes it)" >&2; exit 1; }
# The rest runs in a mount namespace of its own, where the tmpfs goes with it.
[ -n "${CFS_BENCH_NS:-}" ] || CFS_BENCH_NS=1 exec unshare -m --propagation private "$BASH" "$0" "$@"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cfsboot-bench-deploy.XXXXXX")
trap 'umount "$WORK/boot" 2>/dev/null; rm -rf "$WORK"' EXIT
scripts/debootstrap-tree.sh "$TREE"
bench_update_trees "$TREE" "$WORK"

P=$WORK/pki
bench_pki "$P"
kver=$(basename "$(echo "$KERNEL"/lib/modules/*)")
echo "bench: the initramfs of kernel $kver (cfs-mkinitramfs)" >&2
initramfs/mkinitramfs.sh -o "$WORK/initramfs.img" -k "$kver" -b "$KERNEL" --pivot build/cfs-pivot \
	--trust "$P/root/cert.pem" > "$WORK/mkinitramfs.log" 2>&1 ||
	{ tail -n 5 "$WORK/mkinitramfs.log" >&2; exit 1; }
for v in v1 v2; do
	m=$WORK/$v/usr/lib/modules/$kver
	mkdir -p "$m" && cp "$KERNEL/boot/vmlinuz-$kver" "$m/vmlinuz" && cp "$WORK/initramfs.img" "$m/initramfs.img"
done
V1=$(bench_image "$WORK/build" "$WORK/v1" 1)
V2=$(bench_image "$WORK/build" "$WORK/v2" 2)
publish() {
	"$CFSBOOT" publish --store "$WORK/build" --out "$WORK/srv" --trust "$P/trust" \
		--channel stable --key "$P/ch/key.pem" --cert "$P/ch/cert.pem" \
		--chain "$P/ch/chain.pem" "$1" >/dev/null
}

# The device: its store and state on this disk, the boot partition a tmpfs.
D=$WORK/dev
mkdir -p "$D/state" "$WORK/boot"
mount -t tmpfs -o size=1g tmpfs "$WORK/boot" && mkdir -p "$WORK/boot/loader/entries"
booted() { echo "root=/dev/vda2 composefs.digest=$1" > "$D/cmdline"; }
SITE=(--boot "$WORK/boot" --store "$D/store" --state "$D/state" --cmdline-file "$D/cmdline"
	--status-file "$D/none")
TRUST=(--trust "$P/trust" --tpm none)
pull() { "$CFSBOOT" pull "${TRUST[@]}" --store "$D/store" "$WORK/srv"; }
deploy() { "$CFSBOOT" deploy "${SITE[@]}" "${TRUST[@]}" "$1"; }
publish "$V1"
pull > /dev/null
booted "$V1"
deploy "$V1" > /dev/null

objects() { find "$1" -type f | sed "s|^$1/||" | LC_ALL=C sort; }
bytes() { du -sb --apparent-size "$1" | cut -f1; }
# run NAME CMD...: wall time and the bytes CMD wrote, its output in WORK/NAME.out.
run() {
	local name=$1 s e io; shift
	sync
	s=$(date +%s.%N)
	# A subshell's counters take in those of the children it waited for.
	io=$("$@" > "$WORK/$name.out" 2>&1 && sed -n 's/^wchar: //p' "/proc/$BASHPID/io") ||
		{ tail -n 5 "$WORK/$name.out" >&2; exit 1; }
	e=$(date +%s.%N)
	TIME=$(echo "$e - $s" | bc -l)
	printf '%-36s %8.3f s %12s bytes written\n' "$name" "$TIME" "$io"
}

echo "v1: $(du -sh --apparent-size "$WORK/v1" | cut -f1), $(find "$WORK/v1" -type f | wc -l) files; v2: $UPGRADED packages upgraded; kernel $kver"
publish "$V2"
objects "$D/store/objects" > "$WORK/before"
store0=$(bytes "$D/store") boot0=$(bytes "$WORK/boot")
run "cfsboot pull v2 (from a directory)" pull
t_pull=$TIME
run "cfsboot deploy v2" deploy "$V2"
t_deploy=$TIME
# most of it: every object of v2 read and its digest computed, as cfs-pivot's boot check
sed -n 's/^cfsboot: boot-check: /  of which the object check: /p' "$WORK/cfsboot deploy v2.out"
objects "$D/store/objects" > "$WORK/after"
comm -13 "$WORK/before" "$WORK/after" > "$WORK/new"
new_bytes=$(cd "$D/store/objects" && xargs -a "$WORK/new" -d '\n' stat -c %s | awk '{ s += $1 } END { print s + 0 }')
printf '  objects added: %d (%d bytes); the store grew by %d bytes, the boot partition by %d\n' \
	"$(wc -l < "$WORK/new")" "$new_bytes" "$(( $(bytes "$D/store") - store0 ))" \
	"$(( $(bytes "$WORK/boot") - boot0 ))"
# The floor: the same new objects copied from the build store and synced.
mkdir -p "$WORK/floor"
copy_new() {
	# one syncfs for all, as pull syncs its objects
	(cd "$WORK/build/objects" && xargs -a "$WORK/new" -d '\n' cp --parents -t "$WORK/floor") &&
		sync -f "$WORK/floor"
}
run "cp + fsync of the new objects" copy_new
t_cp=$TIME
echo "  pull + deploy / cp: $(ratio "$(echo "$t_pull + $t_deploy" | bc -l)" "$t_cp")"
# deploy's own floor: the kernel and initramfs copied to the boot partition.
copy_boot() {
	mkdir -p "$WORK/boot/floor" && cp "$WORK/v2/usr/lib/modules/$kver/vmlinuz" \
		"$WORK/v2/usr/lib/modules/$kver/initramfs.img" "$WORK/boot/floor/" && sync -f "$WORK/boot/floor"
}
run "cp of the kernel and initramfs to boot" copy_boot
echo "  deploy / cp to boot: $(ratio "$t_deploy" "$TIME")"
rm -rf "$WORK/boot/floor"

# v2 boots and is blessed keeping it alone; gc then removes v1.
booted "$V2"
"$CFSBOOT" bless "${SITE[@]}" "${TRUST[@]}" --keep 1 > /dev/null
n0=$(objects "$D/store/objects" | wc -l) store0=$(bytes "$D/store") boot0=$(bytes "$WORK/boot")
run "cfsboot gc (v1 pruned)" "$CFSBOOT" gc "${SITE[@]}"
printf '  objects removed: %d; the store shrank by %d bytes, the boot partition by %d\n' \
	"$(( n0 - $(objects "$D/store/objects" | wc -l) ))" "$(( store0 - $(bytes "$D/store") ))" \
	"$(( boot0 - $(bytes "$WORK/boot") ))"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
