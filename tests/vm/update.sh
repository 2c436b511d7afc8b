# The driver of the update scenarios (tests/vm/test-update.sh, issue 12):
# a device's disk booted again and again through OVMF and systemd-boot
# (tests/vm/uefi.sh), where the real commands (cfsboot pull, deploy,
# status, bless, rollback, gc) run inside the guest.  Sourced after
# tests/vm/lib.sh and tests/vm/uefi.sh.
#
# The control disk.  Each boot gets a small raw disk with the virtio serial
# "cfsctl" (upd_ctl writes it): a POSIX sh script, padded with NULs to
# UPD_CTL_BYTES.  The guest finds the /dev/vdX whose /sys/block/vdX/serial
# reads cfsctl, strips the NULs and runs the script with sh once its boot
# is good and blessed (the busybox guest: tests/vm/guest/os/init, after
# `cfsboot bless`; a systemd guest: a unit ordered after
# cfsboot-bless.service), then powers off.  An image that does not bless
# powers off before and never runs it.  The script prints its results as
# "CFSTEST: key=value" lines on the console (upd_result reads them).
#
# The guest's disks, in this order (upd_boot):
#   vda     the device's disk (uefi_disk): vda1 the ESP, vda2 the physical
#           root (ext4 with fs-verity: the store composefs/, the state
#           state/)
#   vdb     serial "cfsrepo", when given: an ext4 image holding a published
#           repository (cfsboot publish) at its top, the "second disk"
#   vdc     serial "cfsctl", the control disk
# Where a script finds them: tests/vm/guest/update/prelude.sh, which
# upd_ctl puts before every script, mounts
#   /run/esp    the ESP (the FAT partition holding loader/entries), writable
#   /run/phys   a writable view of the physical root: cfs-pivot leaves
#               /sysroot mounted read-only (a read-only mount of a writable
#               super block, docs/pid1.md), so the prelude bind-mounts
#               /sysroot to /run/phys and makes that one mount writable;
#               /sysroot itself stays read-only for everything else
#   /run/repo   the second disk, read-only
# and defines cf: cfsboot with --root /run/phys --boot /run/esp for the
# commands that take them.

UPD_CTL_BYTES=$((1024 * 1024))
UPD_PRELUDE=$VM_GUEST_SRC/update/prelude.sh

# upd_ctl OUT SCRIPT: the control disk OUT (raw), holding the prelude and
# the script SCRIPT (text), NUL-padded.
upd_ctl() {
	local out=$1 script=$2
	{ cat "$UPD_PRELUDE" && printf '%s\n' "$script"; } > "$out.tmp" || return 1
	[ "$(stat -c %s "$out.tmp")" -lt "$UPD_CTL_BYTES" ] ||
		{ vm_die "upd_ctl: the script is over $UPD_CTL_BYTES bytes"; return 1; }
	truncate -s "$UPD_CTL_BYTES" "$out.tmp" && mv "$out.tmp" "$out"
}

# upd_boot NAME DISK VARS TPM SCRIPT [REPO] [--until PATTERN]: one boot of
# the device's DISK through OVMF (variable store VARS) and systemd-boot,
# with swtpm's state in TPM, the control disk running SCRIPT, and the
# second disk REPO (raw ext4) when given.  With --until, qemu is killed
# (SIGKILL: a power cut) as soon as the console shows PATTERN.  Afterwards
# $SCRATCH/NAME.entries holds the ESP's entries, one line each.  Returns
# what uefi_boot returns (3 when PATTERN ended it); sets UPD_INIT (qemu's
# start to the image's init) and VM_BOOT_SECONDS.
upd_boot() {
	local name=$1 disk=$2 vars=$3 tpm=$4 script=$5 repo='' until='' rc=0 disks=()
	shift 5
	while [ $# -gt 0 ]; do
		case $1 in
		--until) until=$2; shift 2 ;;
		*) repo=$1; shift ;;
		esac
	done
	upd_ctl "$SCRATCH/$name.ctl" "$script" || return 2
	disks=(--disk "$disk")
	[ -z "$repo" ] || disks+=(--disk "$repo:cfsrepo")
	disks+=(--disk "$SCRATCH/$name.ctl:cfsctl")
	if [ -n "$until" ]; then
		# --pcr-out makes vm_boot_until kill qemu rather than stop it.
		vm_boot_until "$name" "$until" --firmware "$vars" "${disks[@]}" --tpm "$tpm" \
			--pcr-out "$SCRATCH/$name.pcr" || rc=$?
	else
		uefi_boot "$name" "$disk" "$vars" "${disks[@]:2}" --tpm "$tpm" || rc=$?
	fi
	UPD_INIT=$VM_SEEN_SECONDS
	uefi_esp_ls "$disk" loader/entries > "$SCRATCH/$name.entries"
	diag "$name: qemu start to the image's init ${UPD_INIT:-?} s, to the end ${VM_BOOT_SECONDS} s;" \
		"entries after: $(tr '\n' ' ' < "$SCRATCH/$name.entries")"
	return "$rc"
}

# upd_result NAME KEY: what boot NAME's script printed as "CFSTEST: KEY=".
upd_result() {
	vm_marker "$@"
}

# upd_os_boot_files TREE INITRD CMDLINE: the kernel and initramfs the image
# of TREE ships, where deploy takes them (docs/update.md):
# /usr/lib/modules/<kver>/vmlinuz (the VM's kernel) and initramfs.img beside
# it (INITRD), and the image's kernel arguments CMDLINE in
# /usr/lib/kernel/cmdline.
upd_os_boot_files() {
	local tree=$1 initrd=$2 cmdline=$3 m=$1/usr/lib/modules/$VM_KVER
	mkdir -p "$m" "$tree/usr/lib/kernel" &&
		cp "$VM_VMLINUZ" "$m/vmlinuz" && cp "$initrd" "$m/initramfs.img" &&
		echo "$cmdline" > "$tree/usr/lib/kernel/cmdline"
}

# upd_install OUT ROOT ESP_FILES TPM UUID DIGEST [deploy options]: the
# device as an installer leaves it: `cfsboot deploy DIGEST` run on the host
# against the physical root ROOT (a directory, its store ROOT/composefs) and
# a boot partition (a tmpfs, in a mount namespace of its own) that starts
# with ESP_FILES (the loader: uefi_loader_tree), with the TPM of TPM; the
# boot partition's content is then copied to OUT, a directory for uefi_disk.
# The entry's root= names the root partition by UUID.
upd_install() {
	local out=$1 root=$2 files=$3 tpm=$4 uuid=$5 digest=$6 mnt=$SCRATCH/install-esp
	shift 6
	mkdir -p "$mnt" "$out" && echo "root=UUID=$uuid" > "$SCRATCH/install.cmdline" || return 1
	# shellcheck disable=SC2016 # expanded by the inner shell
	vm_host_tpm "$tpm" unshare -m sh -c '
		mnt=$1 files=$2 out=$3; shift 3
		mount -t tmpfs -o size=256m tmpfs "$mnt" && cp -a "$files/." "$mnt/" &&
			"$@" --boot "$mnt" --tpm "$VM_HOST_TPM" && cp -a "$mnt/." "$out/"' sh \
		"$mnt" "$files" "$out" "$CFSBOOT" deploy --root "$root" \
		--cmdline-file "$SCRATCH/install.cmdline" --status-file "$SCRATCH/no-status" \
		--kernel-root "UUID=$uuid" "$@" "$digest"
}

# The guest kinds.  A kind K provides upd_K_initrd OUT TRUST POLICY (the
# initramfs the images ship, trusting the certificate TRUST, with the
# pivot.conf POLICY), upd_K_tree DIR TRUST (the OS tree the images are made
# from, with TRUST in /etc/cfsboot/trust.d, where the in-guest commands read
# it by default), upd_K_variant DIR VERSION BLESS (makes the tree image
# vVERSION: its /etc/variant; BLESS no makes an image whose boot never
# reaches bless), upd_K_kargs (the kernel arguments that initramfs needs
# besides the console's), upd_K_timeout (the seconds one boot may take)
# and upd_K_blessed BOOT (its own checks of a blessed boot).
# test-update.sh calls them.  A kind's boots print what
# the busybox init prints and test-update.sh reads: variant=, efi_entry=,
# efi_count_path= (LoaderEntrySelected, LoaderBootCountPath), bless_exit=
# (absent when bless never ran) and ctl_exit= (the script's status).
# The systemd kind: tests/vm/systemd-guest.sh.
. "$(dirname "${BASH_SOURCE[0]}")/systemd-guest.sh"

# upd_busybox_initrd OUT TRUST POLICY: the minimal initramfs
# (initramfs/mkinitramfs.sh) with the modules for the disk, and for the
# image's init to read the loader's variables and mount the ESP.
upd_busybox_initrd() {
	"$REPO/initramfs/mkinitramfs.sh" -o "$1" -k "$VM_KVER" -b "$VM_MODROOT" \
		--policy "$3" --trust "$2" \
		-m virtio_blk -m efivarfs -m vfat -m nls_cp437 -m nls_ascii > "$1.log" 2>&1 ||
		{ sed 's/^/# /' "$1.log"; return 1; }
}
# cfs-pivot as PID 1 mounts the physical root itself; the busybox init
# powers off within the default timeout.
upd_busybox_kargs() { :; }
upd_busybox_timeout() { echo "$VM_TIMEOUT"; }
# Its init's bless is checked by the common cases (bless_exit).
upd_busybox_blessed() { :; }

# upd_busybox_tree DIR TRUST: the minimal busybox OS (vm_os_tree), whose
# init runs `cfsboot bless` and the control script; TRUST the anchor.
upd_busybox_tree() {
	vm_os_tree "$1" && install -D -m 644 "$2" "$1/etc/cfsboot/trust.d/root.pem"
}

upd_busybox_variant() {
	echo "v$2" > "$1/etc/variant"
	rm -f "$1/etc/cfstest-bless"
	[ "$3" = no ] || touch "$1/etc/cfstest-bless"
}
