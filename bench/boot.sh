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
# Prints both initramfs sizes (zstd, as each boots; the minimal one also
# as it was with the modules as Debian ships them, .ko.xz), then, over RUNS
# boots of each (default 5, the two in turn; medians with their spread):
# the time from the kernel starting /init to the real init starting, by
# the guest's printk clock (bench/boot-lib.sh), which is what an initramfs
# adds, and the ratio of the medians (target: at most 1.1); the guest's
# uptime when the real init started and the host's wall time from starting
# qemu to the guest's power-off, which include the kernel's own boot; and
# the median of each of cfs-pivot's phases (its status file).  The boots
# measured are not the first on their disk: one boot before them creates
# the image's state (the state phase of a first boot writes and syncs the
# files of etc-keep); its phases are printed too.  The guest's clock counts
# its instructions (-icount, bench/boot-lib.sh), so the host's load barely
# moves the spans; every number is still many times what hardware takes:
# read the ratios.
#   RUNS=5  CFS_VM_TIMEOUT=300
set -u
# A boot of a loaded machine outlasts the VM tier's 120 s.
: "${CFS_VM_TIMEOUT:=300}"
. "$(dirname "$0")/../tests/vm/lib.sh"
. "$(dirname "$0")/boot-lib.sh"
dir=$(scratch)

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
# The same with the modules as shipped: without compression of its own the
# archive keeps them so; compressed afterwards as the builder would.
"$REPO/initramfs/mkinitramfs.sh" -o "$dir/shipped.cpio" -c none -k "$VM_KVER" -b "$VM_MODROOT" \
	-m virtio_blk --policy "$dir/pivot.conf" --trust "$pki/root/cert.pem" > /dev/null 2>&1 &&
	zstd -q -19 -T1 "$dir/shipped.cpio" -o "$dir/shipped.img" || bench_die "mkinitramfs.sh -c none failed"
busybox_initramfs() {
	vm_busybox_root "$dir/bb" && vm_modules "$dir/bb" virtio_blk ext4 erofs overlay &&
		vm_vmtool "$dir/bb/vmtool" && install -m 755 "$VM_GUEST_SRC/baseline/init" "$dir/bb/init" &&
		mkdir -p "$dir/bb/sysroot" && vm_initramfs "$dir/bb" "$dir/bb.cpio" &&
		zstd -q -19 -T1 "$dir/bb.cpio" -o "$dir/busybox.img"
}
busybox_initramfs || bench_die "cannot build the busybox initramfs"

# ---- the boots: a fresh qcow2 overlay each, of a disk that has been booted once
: > "$dir/phases"
# boot KIND NAME DISK: one boot; sets $up and $sp, or says why not.
boot() {
	local kind=$1 name=$2
	vm_boot_until "$name" 'reboot: System halted' --initrd "$dir/$kind.img" --disk "$3" \
		--tpm "$dir/tpm" --append "root=UUID=$UUID ro composefs.digest=$D" > "$dir/$name.out"
	up=$(vm_marker "$name" init_uptime)
	sp=$(boot_span "$name")
	if [ "$(vm_marker "$name" real_init)" != ran ] || [ -z "$up" ] || [ -z "$sp" ]; then
		cat "$dir/$name.out"
		vm_keep_log "$name"
		bench_die "$kind boot $name did not reach the image's init, or did not say when"
	fi
}
phases_of() { # NAME: "phase usec" lines of cfs-pivot's status in boot NAME
	vm_marker_file "$1" status "$dir/$1.status" &&
		vm_status_fields "$dir/$1.status" | sed -n 's/^phase\.\([^=]*\)=\(.*\)/\1 \2/p'
}
run() { # KIND ROUND
	local kind=$1 name=$1-$2 up sp
	vm_cow "$dir/disk.img" "$dir/$name.qcow2" || bench_die "qemu-img failed"
	boot "$kind" "$name" "$dir/$name.qcow2"
	bench_record "$kind" "$2" "$sp" "$up" "$VM_BOOT_SECONDS"
	[ "$kind" != minimal ] || phases_of "$name" >> "$dir/phases"
}
bench_header bench/boot.sh
boot minimal first "$dir/disk.img"
printf '  first boot (creates the state): /init to real init %.3f s\n' "$sp"
phases_of first > "$dir/first.phases"
bench_alternate run minimal busybox

size() { stat -c %s "$1"; }
echo
echo "load after the boots: $(load)"
printf 'initramfs size (zstd):  minimal %d bytes (modules decompressed; %d with them as shipped,' \
	"$(size "$dir/minimal.img")" "$(size "$dir/shipped.img")"
printf ' .ko.xz), busybox %d bytes; ratio %s\n' "$(size "$dir/busybox.img")" \
	"$(ratio "$(size "$dir/minimal.img")" "$(size "$dir/busybox.img")")"
bench_report minimal busybox 1.1
echo "cfs-pivot's phases, medians (ms): $(phase_medians "$dir/phases")"
echo "  its first boot (ms):              $(phase_medians "$dir/first.phases")"
