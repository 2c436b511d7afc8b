#!/usr/bin/env bash
# cfs-pivot on the guest's 6.12 kernel, which has what the host lacks:
# fs-verity (the image measured by the kernel, overlayfs verity=require, the
# refusal of objects without fs-verity) and a kernel older than 6.15, whose
# overlayfs cannot take detached layers (so they are staged).  One boot runs
# cfs-pivot seven times against stores on an ext4 disk (guest/pivot/).
. "$(dirname "$0")/lib.sh"
dir=$(scratch)

vm_kernel > /dev/null || { fail "fetch or find the 6.12 kernel"; done_testing; exit; }
cc -static -O2 -Wall -Wextra -Werror -o "$dir/vmtool" "$VM_GUEST_SRC/vmtool.c" ||
	{ fail "build the guest helper"; done_testing; exit; }

tree=$dir/tree
mkdir -p "$tree/etc" "$tree/var/lib" "$tree/sysroot" "$tree/usr/bin"
echo guest > "$tree/etc/hostname"
head -c 7000 /dev/urandom > "$tree/etc/conf.bin"
head -c 10000 /dev/urandom > "$tree/usr/bin/good.bin"
disk=$dir/disk
mkdir -p "$disk"
D=$("$CFSBOOT" mkimage --store "$disk/composefs" --print-digest "$tree" "$dir/image.cfs" 2>/dev/null) ||
	{ fail "mkimage --store"; done_testing; exit; }
cp -a "$disk/composefs" "$disk/plain"
cp -a "$disk/composefs" "$disk/noverity"
vm_ext4 "$disk" "$dir/store.img" 64 || { fail "make the ext4 store disk"; done_testing; exit; }

root=$dir/root
vm_busybox_root "$root" && vm_modules "$root" virtio_blk ext4 erofs overlay loop ||
	{ fail "assemble the initramfs"; done_testing; exit; }
cp "$VM_GUEST_SRC"/pivot/*.sh "$dir/vmtool" "$CFS_PIVOT" "$root/tests/"
echo "IMAGE=$D" > "$root/tests/params.sh"
echo "ro composefs.digest=$D" > "$root/tests/cmdline"
vm_initramfs "$root" "$dir/initrd" || { fail "pack the initramfs"; done_testing; exit; }

vm_boot compose --initrd "$dir/initrd" --disk "$dir/store.img"
vm_check compose "boots, runs cfs-pivot seven times and powers off" test $? -eq 0
good=$(sha256sum < "$tree/usr/bin/good.bin" | cut -d' ' -f1)
conf=$(sha256sum < "$tree/etc/conf.bin" | cut -d' ' -f1)

# composed: RUN PATHS [ETC_WRITE]: a boot that composed the tree and left
# it usable; /etc writes land in the deployment's upper directory, or
# ETC_WRITE says where.
composed() {
	local run=$1 paths=$2 etc_write=${3:-upper}
	vm_expect compose "$run: exit 0" "$run.exit" 0
	vm_check compose "$run: kernel paths $paths layers:..." \
		grep -qx "$paths layers:\(attached\|detached\)" <<< "$(vm_marker compose "$run.paths")"
	vm_expect compose "$run: a file of the image reads right" "$run.good" "$good"
	vm_expect compose "$run: a file of /etc reads right" "$run.etc_file" "$conf"
	vm_expect compose "$run: /etc is writable, the writes land $etc_write" "$run.etc_write" "$etc_write"
	vm_expect compose "$run: the root is read-only" "$run.root" read-only
	vm_expect compose "$run: only the status is left in /run/cfsboot" "$run.run" "status.json "
	vm_expect compose "$run: all unmounted afterwards" "$run.left" 0
}
composed require "image:fs-verity erofs:file overlay:lowerdir+ verity:require"
vm_expect compose "require: the status says require" require.verity require
diag "layers on this kernel: $(vm_marker compose require.paths | grep -o 'layers:[a-z]*')"
composed avoid "image:fs-verity erofs:loop overlay:lowerdir:: verity:require"
composed bootcheck "image:fs-verity erofs:file overlay:lowerdir+ verity:boot-check"
vm_expect compose "boot-check: both objects checked" bootcheck.objects 2
composed plaincheck "image:fs-verity erofs:file overlay:lowerdir+ verity:boot-check"
composed transient "image:fs-verity erofs:file overlay:lowerdir+ verity:require" elsewhere

# refused RUN EXIT PATTERN: a refusal, leaving nothing mounted.
refused() {
	local run=$1 want=$2 pattern=$3
	vm_expect compose "$run: refused with exit $want" "$run.exit" "$want"
	vm_check compose "$run: says why" grep -qE -- "$pattern" <<< "$(vm_marker compose "$run.last")"
	vm_expect compose "$run: nothing left mounted" "$run.left" 0
}
refused plainobj 7 "refusing object /sysroot/plain/objects/[0-9a-f/]+ \(nid [0-9]+\): it has no fs-verity, and overlayfs verity=require refuses"
refused noverity 7 "refusing the image /sysroot/noverity/images/$D: it has no fs-verity"
done_testing
