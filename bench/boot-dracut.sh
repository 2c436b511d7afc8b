#!/usr/bin/env bash
# Benchmark: how long each dracut boot path takes to reach the real init
# through cfs-pivot (dracut-module/90cfsboot), in qemu under TCG with the VM
# tier's 6.12 kernel: the systemd initrd and the initrd without systemd,
# each booting the minimal test system (vm_dracut_tree) as a signed
# composefs image on an ext4 store with fs-verity.
#
# Baseline, same run, same initramfs: the same tree as a plain ext4 root,
# without composefs.digest= (the unit is skipped, the hook has nothing to
# do).  For each path, over RUNS boots of each (default 5, the two in turn;
# medians with their spread): the time from the kernel starting /init to
# the real init starting, by the guest's printk clock (bench/boot-lib.sh),
# which is what the initrd adds, and the ratio of the medians (target: at
# most 1.05); the guest's uptime when the real init started and the host's
# wall time from starting qemu to the guest's power-off, which include the
# kernel's own boot; and the median of each of cfs-pivot's phases.  The
# boots measured are not the first of the image: one boot before them
# creates its state (a first boot writes and syncs the files of etc-keep).
# The guest's clock counts its instructions (-icount, bench/boot-lib.sh),
# so the host's load barely moves the spans; every number is still many
# times what hardware takes: read the ratios.
#   RUNS=5  CFS_VM_TIMEOUT=300  PATHS="systemd plain" (the paths to measure)
#   APPEND="..." (more kernel command line words, for both sides: e.g.
#   "systemd.log_target=kmsg systemd.log_level=info" puts the start and
#   end of every unit of the systemd initrd into the kernel log, by the same
#   clock; CFS_VM_KEEP_LOGS=1 keeps the serial logs under build/vm/logs)
set -u
. "$(dirname "$0")/../tests/vm/lib.sh"
. "$(dirname "$0")/boot-lib.sh"
dir=$(scratch)

vm_kernel > /dev/null || bench_die "no guest kernel"
[ -x "$CFS_PIVOT" ] && [ -x "$CFSBOOT" ] || bench_die "build $CFS_PIVOT and $CFSBOOT first (make)"

# The tree, as a plain root and as a signed image in a store on the root.
vm_dracut_tree "$dir/tree" || bench_die "cannot assemble the tree"
vm_ext4 "$dir/tree" "$dir/plain.img" 64 || exit 1
mkdir -p "$dir/store"/{proc,sys,dev}
D=$("$CFSBOOT" mkimage --store "$dir/store/composefs" --print-digest "$dir/tree" "$dir/tree.cfs" \
	2> /dev/null) || bench_die "mkimage failed"
pki=$dir/pki
{ "$REPO/keys/mkpki.sh" root "$pki/root" && "$REPO/keys/mkpki.sh" signer "$pki/sig" --ca "$pki/root" &&
	"$CFSBOOT" sign --key "$pki/sig/key.pem" --cert "$pki/sig/cert.pem" --store "$dir/store/composefs" \
		"$dir/tree.cfs"; } > /dev/null || bench_die "cannot sign the image"
vm_ext4 "$dir/store" "$dir/store.img" 64 || exit 1
vm_verity_disks "$dir/store.img" > /dev/null || bench_die "enabling fs-verity on the store failed"

mkdir -p "$dir/etc-cfsboot/trust.d"
cp "$pki/root/cert.pem" "$dir/etc-cfsboot/trust.d/"
# The baseline boots the plain root with no image named: the policy must
# allow that (with a trust anchor, image = required is the default).
printf 'image = optional\n' > "$dir/etc-cfsboot/pivot.conf"
export cfsboot_pivot=$CFS_PIVOT cfsboot_confdir=$dir/etc-cfsboot
vm_dracut "$dir/initrd-systemd" -m "systemd-initrd dracut-systemd rootfs-block cfsboot" \
	--drivers "virtio_blk ext4" > /dev/null &&
	vm_dracut "$dir/initrd-plain" -m "rootfs-block cfsboot" -o "systemd systemd-initrd dracut-systemd" \
		--drivers "virtio_blk ext4" > /dev/null || bench_die "dracut failed"
echo "initramfs: systemd $(($(stat -c %s "$dir/initrd-systemd") / 1048576)) MiB," \
	"without systemd $(($(stat -c %s "$dir/initrd-plain") / 1048576)) MiB (uncompressed)"

# boot_once NAME INITRD DISK CMDLINE: one boot; prints "span uptime wall",
# and cfs-pivot's phases as "phase usec" lines into NAME.phases.
boot_once() {
	local name=$1 initrd=$2 disk=$3 cmdline=$4 up sp
	vm_boot "$name" --initrd "$initrd" --disk "$disk" --tpm "$dir/tpm" \
		--timeout "${CFS_VM_TIMEOUT:-300}" --append "root=/dev/vda rootfstype=ext4 rw ${APPEND:-} $cmdline" \
		> /dev/null || { echo "bench: boot $name failed" >&2; vm_keep_log "$name" >&2; return 1; }
	up=$(vm_marker "$name" uptime)
	sp=$(boot_span "$name")
	[ -n "$up" ] && [ -n "$sp" ] ||
		{ echo "bench: boot $name did not reach init, or did not say when" >&2; vm_keep_log "$name" >&2; return 1; }
	vm_marker "$name" status.phases | tr ' ' '\n' | tr ':' ' ' | grep . > "$dir/$name.phases"
	echo "$sp $up $VM_BOOT_SECONDS"
}

# run SIDE ROUND: one boot of path $kind, SIDE "$kind-composefs" (the
# image) or "$kind-ext4" (the plain root), on a fresh overlay of its disk.
run() {
	local name=$1-$2 disk=$dir/plain.img args='' r sp up w
	case $1 in *-composefs) disk=$dir/store.img args="composefs.digest=$D" ;; esac
	vm_cow "$disk" "$dir/$name.qcow2" || return 1
	r=$(boot_once "$name" "$dir/initrd-$kind" "$dir/$name.qcow2" "$args") || return 1
	read -r sp up w <<< "$r"
	bench_record "$1" "$2" "$sp" "$up" "$w"
	case $1 in *-composefs) cat "$dir/$name.phases" >> "$dir/$kind.phases" ;; esac
}

bench_header bench/boot-dracut.sh
# The image's first boot, which creates its state, is not measured.
boot_once first "$dir/initrd-systemd" "$dir/store.img" "composefs.digest=$D" > /dev/null || exit 1
for kind in ${PATHS:-systemd plain}; do
	: > "$dir/$kind.phases"
	bench_alternate run "$kind-ext4" "$kind-composefs"
	label=$([ "$kind" = systemd ] && echo "systemd initrd" || echo "initrd without systemd")
	echo "$label, load $(load):"
	bench_report "$kind-composefs" "$kind-ext4" 1.05
	echo "  cfs-pivot's phases, medians (ms): $(phase_medians "$dir/$kind.phases")"
done
