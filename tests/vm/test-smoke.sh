#!/usr/bin/env bash
# The layers every VM test stands on, each proved with a busybox guest:
#   1. Debian's 6.12 kernel boots an initramfs under TCG and powers off;
#   2. swtpm gives the guest a TPM, with PCRs readable through sysfs;
#   3. ext4 on a virtio disk: fs-verity enabled and measured in the guest
#      equals `fsverity digest` on the host;
#   4. composefs: EROFS + overlayfs verity=require over a verity object
#      store reads correctly, and a flipped byte, a substituted object and
#      an object without fs-verity each read as EIO.
. "$(dirname "$0")/lib.sh"
dir=$(scratch)
t0=$SECONDS

vm_kernel > /dev/null || { fail "fetch or find the 6.12 kernel"; done_testing; exit; }
diag "kernel: $VM_KVER (package version $VM_KERNEL_VERSION)"

# The guest's helper for fs-verity and plain mount(2) (busybox has neither).
cc -static -O2 -Wall -Wextra -Werror -o "$dir/vmtool" "$VM_GUEST_SRC/vmtool.c" ||
	{ fail "build the guest helper"; done_testing; exit; }

# ---- the composefs tree, its image and the store disk
tree=$dir/tree
mkdir -p "$tree/dir"
printf 'hello from composefs\n' > "$tree/hello.txt"	# inline in the image
head -c 10000 /dev/urandom > "$tree/good.bin"
head -c 12293 /dev/urandom > "$tree/flip.bin"
head -c 5000 /dev/urandom > "$tree/swap.bin"
head -c 6000 /dev/urandom > "$tree/plain.bin"
seq 1 100 > "$tree/dir/nested.txt"
files="hello.txt good.bin flip.bin swap.bin plain.bin dir/nested.txt"

disk=$dir/disk
mkdir -p "$disk/composefs/objects" "$disk/composefs/images"
head -c 20000 /dev/urandom > "$disk/probe.bin"
image_digest=$("$MKCOMPOSEFS" --print-digest "$tree" "$dir/image.cfs" 2>/dev/null) ||
	{ fail "build the composefs image with mkcomposefs"; done_testing; exit; }
cp "$dir/image.cfs" "$disk/composefs/images/$image_digest"
# The objects, named by fs-verity digest as the image's redirects expect.
object() { # FILE: prints the object path (XX/YYYY...) of FILE
	local d
	d=$(fsverity digest --compact "$1") && echo "${d:0:2}/${d:2}"
}
for f in good.bin flip.bin swap.bin plain.bin dir/nested.txt; do
	o=$(object "$tree/$f")
	mkdir -p "$disk/composefs/objects/${o%/*}"
	cp "$tree/$f" "$disk/composefs/objects/$o"
done
vm_ext4 "$disk" "$dir/store.img" 64 || { fail "make the ext4 store disk"; done_testing; exit; }

# ---- one initramfs for every boot of this test
root=$dir/root
vm_busybox_root "$root" && vm_modules "$root" virtio_blk ext4 erofs overlay loop ||
	{ fail "assemble the initramfs"; done_testing; exit; }
cp "$VM_GUEST_SRC"/smoke/*.sh "$dir/vmtool" "$root/tests/"
swap_obj=$(object "$tree/swap.bin")
plain_obj=$(object "$tree/plain.bin")
cat > "$root/tests/params.sh" <<EOF
IMAGE=$image_digest
FILES="$files"
SWAP_OBJ=$swap_obj
PLAIN_OBJ=$plain_obj
EOF
vm_initramfs "$root" "$dir/initrd" || { fail "pack the initramfs"; done_testing; exit; }

# ---- 1. boot and power off
vm_boot boot --initrd "$dir/initrd"
vm_check boot "boots a busybox initramfs under TCG and powers off" test $? -eq 0
diag "boot: ${VM_BOOT_SECONDS} s from qemu start to exit; /init ran at $(vm_marker boot init_uptime) s guest uptime"
nmod=$(wc -l < "$root/lib/modules/load-order")
vm_expect boot "all $nmod modules of the initramfs load" modules "$nmod/$nmod"

# ---- 2. TPM
vm_boot tpm --initrd "$dir/initrd" --tpm "$dir/tpm"
vm_check tpm "boots with swtpm attached" test $? -eq 0
vm_expect tpm "the guest has /dev/tpm0" tpm0 present
vm_expect tpm "the guest has /dev/tpmrm0" tpmrm0 present
vm_expect tpm "the TPM is a TPM 2.0" tpm_version 2
vm_expect tpm "PCR 15 reads as zero through sysfs" pcr15 \
	0000000000000000000000000000000000000000000000000000000000000000

# ---- 3. fs-verity on ext4
vm_boot verity --initrd "$dir/initrd" --disk "$dir/store.img"
vm_check verity "boots with the ext4 disk" test $? -eq 0
vm_expect verity "fs-verity digest measured in the guest equals fsverity digest" probe \
	"sha256:$(fsverity digest --compact "$disk/probe.bin")"

# ---- 4. composefs over the verity store
vm_boot composefs --initrd "$dir/initrd" --disk "$dir/store.img"
vm_check composefs "boots and mounts composefs with verity=require" test $? -eq 0
vm_expect composefs "fs-verity enabled on every object and the image" store_verity enabled
vm_expect composefs "the image's kernel-measured digest is mkcomposefs's" image_digest "sha256:$image_digest"
vm_check composefs "EROFS mounts the image file itself (no loop device)" \
	test "$(vm_marker composefs file.erofs_source)" = "/mnt/composefs/images/$image_digest"
vm_check composefs "EROFS mounts the image through a loop device" \
	grep -q '^/dev/loop' <<< "$(vm_marker composefs loop.erofs_source)"
for how in file loop; do
	vm_expect composefs "$how: overlayfs mounts with verity=require" $how.overlay mounted
	for f in $files; do
		vm_expect composefs "$how: $f reads with its content" "$how.file.$f" \
			"$(sha256sum < "$tree/$f" | cut -d' ' -f1)"
	done
done

# One byte of flip.bin's object changes on the disk, under fs-verity: on a
# copy-on-write overlay of the installed disk, at the byte's place in the
# image (from debugfs), so the installed disk stays as it is.
flip_obj=/composefs/objects/$(object "$tree/flip.bin")
block=$(debugfs -R "bmap $flip_obj 1" "$dir/store.img" 2>/dev/null)
offset=$((block * 4096 + 100))
byte=$(od -An -tu1 -j "$offset" -N1 "$dir/store.img" | tr -d ' ')
vm_cow "$dir/store.img" "$dir/tamper.qcow2" &&
	qemu-io -f qcow2 -c "write -P $((byte ^ 0xff)) $offset 1" "$dir/tamper.qcow2" > /dev/null
check "flip one byte of an object on a qcow2 overlay" \
	test "$(qemu-io -f qcow2 -c "read -v $offset 1" "$dir/tamper.qcow2" | awk 'NR == 1 { print $2 }')" = \
	"$(printf '%02x' $((byte ^ 0xff)))"

vm_boot tamper --initrd "$dir/initrd" --disk "$dir/tamper.qcow2"
vm_check tamper "boots with the tampered store" test $? -eq 0
vm_expect tamper "an object is replaced by other bytes with fs-verity" swapped yes
vm_expect tamper "an object is replaced by a copy without fs-verity" unverified yes
vm_expect tamper "overlayfs mounts over the tampered store" file.overlay mounted
vm_expect tamper "an intact object still reads" file.file.good.bin "$(sha256sum < "$tree/good.bin" | cut -d' ' -f1)"
vm_expect tamper "an inline file still reads" file.file.hello.txt "$(sha256sum < "$tree/hello.txt" | cut -d' ' -f1)"
vm_expect tamper "a flipped byte in an object reads as EIO" file.file.flip.bin EIO
vm_expect tamper "an object with another digest reads as EIO" file.file.swap.bin EIO
vm_expect tamper "an object without fs-verity reads as EIO" file.file.plain.bin EIO
# Each refusal comes from the check meant to catch it.
vm_check tamper "fs-verity caught the flipped byte" \
	vm_klog tamper "fs-verity \(vda, inode [0-9]+\): FILE CORRUPTED! pos=4096"
vm_check tamper "overlayfs caught the other digest" \
	vm_klog tamper "overlayfs: lower file '${swap_obj#*/}' has the wrong fs-verity digest"
vm_check tamper "overlayfs caught the missing fs-verity" \
	vm_klog tamper "overlayfs: lower file '${plain_obj#*/}' has no fs-verity digest"

diag "smoke tests: $((SECONDS - t0)) s in all"
done_testing
