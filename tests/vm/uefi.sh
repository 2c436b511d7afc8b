# Helpers for VM tests that boot through UEFI firmware and a real boot
# loader: OVMF (Debian's ovmf) starts systemd-boot (Debian's
# systemd-boot-efi) from the EFI system partition (ESP) of a GPT disk, and
# systemd-boot boots a Boot Loader Specification (BLS) Type #1 entry, with
# its boot counting.  Sourced after tests/vm/lib.sh.
#
# A disk (uefi_disk) has two partitions: the ESP, FAT32, holding
# systemd-boot, loader/loader.conf, the entries and the kernel and
# initramfs files; and the root, an ext4 image with fs-verity (vm_ext4)
# holding the store.  Nothing is mounted on the host: the FAT is written
# and read with mtools at the ESP's offset in a raw disk, and the
# partitions are copied into place with dd.  Boots run on qcow2 overlays
# of such a disk (vm_cow); the ESP of an overlay is read back after a boot
# through a raw copy made by qemu-img convert.  Each disk gets its own copy
# of OVMF's variable store (uefi_vars), which the firmware and systemd-boot
# write.

UEFI_SDBOOT=${CFS_VM_SDBOOT:-/usr/lib/systemd/boot/efi/systemd-bootx64.efi}
# The ESP starts at 1 MiB, where sfdisk puts the first partition; mtools
# reads the FAT at that offset of the raw disk ("disk@@offset").
UEFI_ESP_OFFSET=1048576
# mtools checks the FAT's geometry against a floppy's unless told not to.
export MTOOLS_SKIP_CHECK=1

# uefi_esp_tree DIR KERNEL INITRD: the files of an ESP, in DIR: systemd-boot
# as the removable-media default loader (EFI/BOOT/BOOTX64.EFI, which the
# firmware starts with no boot option set in its variables) and at its own
# place (EFI/systemd/), a loader.conf that boots the default entry at once,
# with no menu and no editor, and KERNEL and INITRD as cfsboot/linux and
# cfsboot/initrd.  Entries are added with uefi_entry.
uefi_esp_tree() {
	local dir=$1 kernel=$2 initrd=$3
	uefi_loader_tree "$dir" && mkdir -p "$dir/cfsboot" &&
		cp "$kernel" "$dir/cfsboot/linux" && cp "$initrd" "$dir/cfsboot/initrd"
}

# uefi_loader_tree DIR: the loader's part of uefi_esp_tree, no entry and no
# kernel: what `cfsboot deploy` finds on a device's ESP.
uefi_loader_tree() {
	local dir=$1
	[ -r "$UEFI_SDBOOT" ] || { vm_die "no $UEFI_SDBOOT (package systemd-boot-efi)"; return 1; }
	mkdir -p "$dir/EFI/BOOT" "$dir/EFI/systemd" "$dir/loader/entries" &&
		cp "$UEFI_SDBOOT" "$dir/EFI/BOOT/BOOTX64.EFI" &&
		cp "$UEFI_SDBOOT" "$dir/EFI/systemd/systemd-bootx64.efi" || return 1
	# timeout 0: no menu, the default entry boots at once.  No `default`
	# line: the default is the first entry in systemd-boot's order, and
	# an entry with no tries left sorts last (docs/testing.md).
	printf 'timeout 0\neditor no\n' > "$dir/loader/loader.conf"
}

# uefi_entry DIR FILE VERSION OPTIONS: a BLS Type #1 entry
# DIR/loader/entries/FILE (a name like NAME.conf, or NAME+3.conf for
# three counted tries) booting the ESP's cfsboot/linux and cfsboot/initrd
# with OPTIONS and the serial console.  All entries share cfsboot's
# sort-key, so systemd-boot orders them by VERSION, the newest first, and
# `cfsboot bless` takes those named cfsboot-<digest>... as its own.
uefi_entry() {
	local dir=$1 file=$2 version=$3 options=$4
	cat > "$dir/loader/entries/$file" <<-EOF
	title cfsboot test $version
	sort-key cfsboot
	version $version
	linux /cfsboot/linux
	initrd /cfsboot/initrd
	options console=ttyS0 panic=-1 no_timer_check $options
	EOF
}

# uefi_disk OUT ESP_DIR ROOT_IMG [ESP_MIB]: a raw GPT disk OUT: partition 1
# the ESP (FAT32 of ESP_MIB MiB, default 300, holding ESP_DIR), partition 2
# ROOT_IMG as it is (an image from vm_ext4).  In the guest they are vda1
# and vda2.
uefi_disk() {
	local out=$1 espdir=$2 root=$3 mib=${4:-300} esp root_sectors
	esp=$out.esp
	rm -f "$esp" && truncate -s "${mib}M" "$esp" || return 1
	# 4 KiB clusters: with 512-byte ones, systemd-boot took twice as long
	# to read the kernel and initramfs under TCG.  FAT32 needs 65525
	# clusters, hence the ESP's 300 MiB (sparse, on the host too).
	mkfs.vfat -F 32 -s 8 -n CFSESP "$esp" > "$out.mkfs.log" 2>&1 ||
		{ sed 's/^/# /' "$out.mkfs.log"; vm_die "mkfs.vfat of $esp failed (package dosfstools)"; return 1; }
	mcopy -s -Q -i "$esp" "$espdir"/* ::/ ||
		{ vm_die "mcopy of $espdir into the ESP failed (package mtools)"; return 1; }
	root_sectors=$((($(stat -c %s "$root") + 511) / 512))
	rm -f "$out" &&
		truncate -s $((UEFI_ESP_OFFSET + mib * 1048576 + root_sectors * 512 + 1048576)) "$out" || return 1
	sfdisk -q "$out" > "$out.sfdisk.log" 2>&1 <<-EOF || { sed 's/^/# /' "$out.sfdisk.log"; vm_die "sfdisk of $out failed"; return 1; }
	label: gpt
	start=$((UEFI_ESP_OFFSET / 512)), size=$((mib * 2048)), type=uefi, name=esp
	start=$((UEFI_ESP_OFFSET / 512 + mib * 2048)), size=$root_sectors, type=linux, name=root
	EOF
	dd if="$esp" of="$out" bs=1M seek=$((UEFI_ESP_OFFSET / 1048576)) conv=notrunc,sparse status=none &&
		dd if="$root" of="$out" bs=1M seek=$((UEFI_ESP_OFFSET / 1048576 + mib)) conv=notrunc,sparse status=none &&
		rm -f "$esp" "$out.mkfs.log" "$out.sfdisk.log"
}

# uefi_vars OUT: a private copy of OVMF's variable store, for one disk: the
# boot options the firmware records and the variables systemd-boot sets
# persist from one boot of that disk to the next, and no other.
uefi_vars() {
	[ -r "$VM_OVMF_VARS" ] || { vm_die "no $VM_OVMF_VARS (package ovmf)"; return 1; }
	cp "$VM_OVMF_VARS" "$1"
}

# _uefi_raw DISK: a raw image of DISK's content: DISK itself when raw, a
# conversion into $SCRATCH when qcow2 (mtools reads only raw files).
_uefi_raw() {
	local disk=$1 raw
	case $disk in
	*.qcow2)
		raw=$SCRATCH/esp-read.raw
		qemu-img convert -f qcow2 -O raw "$disk" "$raw" || { vm_die "qemu-img convert $disk"; return 1; }
		echo "$raw" ;;
	*) echo "$disk" ;;
	esac
}

# uefi_esp_ls DISK DIR: the names in directory DIR of DISK's ESP (raw or
# qcow2), one a line, sorted; for the renames systemd-boot and the guest
# made in loader/entries.
uefi_esp_ls() {
	local raw
	raw=$(_uefi_raw "$1") || return 1
	mdir -b -i "$raw@@$UEFI_ESP_OFFSET" "::/$2" | sed 's|.*/||' | LC_ALL=C sort
}

# uefi_esp_put DISK FILE DEST: copies FILE into DISK's ESP as DEST (a path
# from the ESP's root), as an update would; a qcow2 DISK is rewritten as a
# qcow2 holding its whole content, no longer an overlay.
uefi_esp_put() {
	local disk=$1 file=$2 dest=$3 raw
	raw=$(_uefi_raw "$disk") || return 1
	mcopy -o -i "$raw@@$UEFI_ESP_OFFSET" "$file" "::/$dest" || { vm_die "mcopy $file to ::/$dest"; return 1; }
	[ "$raw" = "$disk" ] || qemu-img convert -f raw -O qcow2 "$raw" "$disk"
}

# uefi_boot NAME DISK VARS [vm_boot options]: boots DISK (raw or qcow2)
# through OVMF with the variable store VARS, systemd-boot choosing the
# entry; ends with the guest's power-off.  VM_SEEN_SECONDS is the time from
# qemu's start to the image's init ("CFSTEST: real_init=ran").  Returns
# what vm_boot returns.
uefi_boot() {
	local name=$1 disk=$2 vars=$3
	shift 3
	vm_boot_seen "$name" 'CFSTEST: real_init=ran' --firmware "$vars" --disk "$disk" "$@"
}
