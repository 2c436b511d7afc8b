#!/usr/bin/env bash
# Benchmark: the minimal initramfs (initramfs/mkinitramfs.sh), cfs-pivot as
# PID 1 verifying, measuring and mounting a signed composefs image, in
# qemu under TCG with the VM tier's 6.12 kernel and swtpm.
#
# Baseline, same run, same kernel, disk, image and /sbin/init: a busybox
# initramfs that mounts the same root the same way (EROFS from the image
# file, overlayfs over the objects) without verifying or measuring
# anything, then switches root (tests/vm/guest/baseline/init).
#
# Prints both initramfs sizes (zstd, as each boots), and for each the
# guest's uptime when the image's /sbin/init started (kernel start to init,
# by the guest's clock) and the host's wall time from starting qemu to the
# guest's power-off, the best of RUNS boots (default 3, alternating), with
# the ratios; then cfs-pivot's own time, the sum of its phases in the
# status file.  Under TCG every number is many times what hardware takes,
# and a loaded machine stretches them further: read the ratios.
#   RUNS=3  CFS_VM_TIMEOUT=300
set -u
. "$(dirname "$0")/../tests/vm/lib.sh"
RUNS=${RUNS:-3}
dir=$(scratch)
bench_die() { echo "bench: $*" >&2; exit 1; }

vm_kernel > /dev/null || bench_die "no guest kernel"
for p in "$CFS_PIVOT" "$CFSBOOT"; do
	[ -x "$p" ] || bench_die "build $p first (make)"
done

# ---- the image, signed, in a store on an ext4 disk with fs-verity
vm_os_tree "$dir/os" || bench_die "cannot assemble the OS tree"
head -c 100000 /dev/urandom > "$dir/os/usr/share/payload/data.bin"
mkdir -p "$dir/disk"
D=$("$CFSBOOT" mkimage --store "$dir/disk/composefs" --print-digest "$dir/os" "$dir/os.cfs" \
	2> /dev/null) || bench_die "mkimage failed"
pki=$dir/pki
{ "$REPO/keys/mkpki.sh" root "$pki/root" && "$REPO/keys/mkpki.sh" signer "$pki/sig" --ca "$pki/root" &&
	"$CFSBOOT" sign --key "$pki/sig/key.pem" --cert "$pki/sig/cert.pem" --version 1 \
		--store "$dir/disk/composefs" "$dir/os.cfs"; } > /dev/null 2>&1 || bench_die "cannot sign the image"
vm_ext4 "$dir/disk" "$dir/disk.img" 64 || bench_die "cannot make the disk"
UUID=$(blkid -s UUID -o value "$dir/disk.img")
vm_verity_disks "$dir/disk.img" > "$dir/provision.log" || bench_die "cannot enable fs-verity on the store"
vm_swtpm_commit "$dir/tpm" 1 || bench_die "cannot set the TPM's floor"

# ---- the two initramfs images, both zstd-compressed
printf 'tpm = required\nmin-version = 1\n' > "$dir/pivot.conf"
"$REPO/initramfs/mkinitramfs.sh" -o "$dir/minimal.img" -k "$VM_KVER" -b "$VM_MODROOT" -m virtio_blk \
	--policy "$dir/pivot.conf" --trust "$pki/root/cert.pem" > "$dir/mkinit.log" 2>&1 ||
	{ cat "$dir/mkinit.log" >&2; bench_die "mkinitramfs.sh failed"; }
busybox_initramfs() {
	vm_busybox_root "$dir/bb" && vm_modules "$dir/bb" virtio_blk ext4 erofs overlay &&
		vm_vmtool "$dir/bb/vmtool" && install -m 755 "$VM_GUEST_SRC/baseline/init" "$dir/bb/init" &&
		mkdir -p "$dir/bb/sysroot" && vm_initramfs "$dir/bb" "$dir/bb.cpio" &&
		zstd -q -19 -T1 "$dir/bb.cpio" -o "$dir/busybox.img"
}
busybox_initramfs || bench_die "cannot build the busybox initramfs"

# ---- the boots: a fresh qcow2 overlay each, so every boot is a first one
declare -A best_init best_wall
pivot_usec=''
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a + 0 < b + 0) ? a : b }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
run() { # KIND N
	local kind=$1 name=$1-$2 init wall
	vm_cow "$dir/disk.img" "$dir/$name.qcow2" || bench_die "qemu-img failed"
	vm_boot_until "$name" 'reboot: System halted' --initrd "$dir/$kind.img" --disk "$dir/$name.qcow2" \
		--tpm "$dir/tpm" --append "root=UUID=$UUID ro composefs.digest=$D" > "$dir/$name.out"
	init=$(vm_marker "$name" init_uptime)
	if [ "$(vm_marker "$name" real_init)" != ran ] || [ -z "$init" ]; then
		cat "$dir/$name.out"
		vm_keep_log "$name"
		bench_die "$kind boot $2 did not reach the image's init"
	fi
	wall=$VM_BOOT_SECONDS
	printf '  %-8s boot %d: init at %6.2f s guest uptime, %5.1f s qemu start to power-off\n' \
		"$kind" "$2" "$init" "$wall"
	best_init[$kind]=$(min "$init" "${best_init[$kind]:-}")
	best_wall[$kind]=$(min "$wall" "${best_wall[$kind]:-}")
	if [ "$kind" = minimal ] && vm_marker_file "$name" status "$dir/$name.status"; then
		pivot_usec="$pivot_usec $(vm_status_fields "$dir/$name.status" |
			awk -F= '/^phase\./ { s += $2 } END { print s }')"
	fi
}
echo "bench/boot.sh: kernel $VM_KVER, TCG, $RUNS boots each"
for i in $(seq "$RUNS"); do
	run minimal "$i"
	run busybox "$i"
done

size() { stat -c %s "$1"; }
echo
printf 'initramfs size:    minimal %d bytes, busybox %d bytes (zstd; %d uncompressed); ratio %s\n' \
	"$(size "$dir/minimal.img")" "$(size "$dir/busybox.img")" "$(size "$dir/bb.cpio")" \
	"$(div "$(size "$dir/minimal.img")" "$(size "$dir/busybox.img")")"
printf 'to the real init:  minimal %.2f s, busybox %.2f s (best of %d); ratio %s\n' \
	"${best_init[minimal]}" "${best_init[busybox]}" "$RUNS" "$(div "${best_init[minimal]}" "${best_init[busybox]}")"
printf 'qemu to power-off: minimal %.1f s, busybox %.1f s (best of %d); ratio %s\n' \
	"${best_wall[minimal]}" "${best_wall[busybox]}" "$RUNS" "$(div "${best_wall[minimal]}" "${best_wall[busybox]}")"
printf 'cfs-pivot, the sum of its phases (ms):%s\n' "$(for u in $pivot_usec; do printf ' %s' "$(div "$u" 1000)"; done)"
vm_status_fields "$dir/minimal-1.status" | sed -n 's/^phase\.\([^=]*\)=\(.*\)/\1 \2/p' |
	awk '{ printf "%s %.1f ms  ", $1, $2 / 1000 } END { print "" }' | sed 's/^/  first boot: /'
