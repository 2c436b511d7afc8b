#!/usr/bin/env bash
# The minimal initramfs (initramfs/mkinitramfs.sh, cfs-pivot as PID 1)
# booted by a real boot loader: OVMF starts systemd-boot from the ESP of a
# GPT disk (tests/vm/uefi.sh), systemd-boot boots a BLS entry into a signed
# composefs image on the disk's root partition, with swtpm as the TPM.
# One disk goes through an update's life, boot after boot:
#   v1 (installed, good) and v2 (new, "+3" tries): v2 is the default and
#   boots; systemd-boot counts the try (+2-1); v2's init marks it good with
#   `cfsboot bless`, which removes the counter, raises the floor to 2 and
#   prunes v1, below it; v2 stays the default at the next boot.
#   v3 ("+3") is added; its init powers off without marking it good: the
#   loader counts +2-1, +1-2, +0-3, then boots v2 on its own.
# The same initramfs booted with qemu -kernel gives the figure the
# firmware and boot loader add to the time to the image's init.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uefi.sh"
dir=$(scratch)
t0=$SECONDS

vm_kernel > /dev/null || { fail "fetch or find the 6.12 kernel"; done_testing; exit; }

# ---- keys, and three signed images of one OS, told apart by /etc/variant;
# v1 and v2 mark their boot good (/etc/cfstest-bless), v3 does not; bless
# verifies the image with the anchor in /etc/cfsboot/trust.d
pki=$dir/pki
{
	"$REPO/keys/mkpki.sh" root "$pki/root" --subject "/CN=test root" &&
	"$REPO/keys/mkpki.sh" signer "$pki/signer" --ca "$pki/root" --subject "/CN=test signer"
} > "$dir/pki.log" 2>&1 || { sed 's/^/# /' "$dir/pki.log"; fail "make the test PKI"; done_testing; exit; }
os=$dir/os
{ vm_os_tree "$os" && install -D -m 644 "$pki/root/cert.pem" "$os/etc/cfsboot/trust.d/root.pem"; } ||
	{ fail "assemble the OS tree"; done_testing; exit; }
store=$dir/root/composefs
mkdir -p "$store/signatures"
# image VERSION BLESS: the digest of the tree as vVERSION, stored and signed
# with security version VERSION; BLESS yes gives it the bless step.
image() {
	local d
	echo "v$1" > "$os/etc/variant"
	rm -f "$os/etc/cfstest-bless"
	[ "$2" = yes ] && touch "$os/etc/cfstest-bless"
	d=$("$CFSBOOT" mkimage --store "$store" --print-digest "$os" "$dir/v$1.cfs" 2>> "$dir/mkimage.log") &&
		"$CFSBOOT" sign --key "$pki/signer/key.pem" --cert "$pki/signer/cert.pem" --version "$1" \
			--digest "sha256:$d" -o "$store/signatures/$d.sig" > /dev/null && echo "$d"
}
{ D1=$(image 1 yes) && D2=$(image 2 yes) && D3=$(image 3 no); } ||
	{ fail "build and sign the images"; done_testing; exit; }

# ---- the root partition: the store on ext4 with fs-verity enabled by a
# provisioning boot
UUID=$(cat /proc/sys/kernel/random/uuid)
vm_ext4 "$dir/root" "$dir/root.img" 64 -U "$UUID" || { fail "make the ext4 root"; done_testing; exit; }
vm_verity_disks "$dir/root.img"
vm_check provision "fs-verity enabled on the store (provisioning boot, ${VM_BOOT_SECONDS} s)" test $? -eq 0

# ---- the TPM holds the anti-rollback floor 1 (tpm = required needs one)
vm_swtpm_commit "$dir/tpm" 1
check "the TPM's anti-rollback floor is 1" grep -q -- '-> 1' "$dir/tpm/commit.out"

# ---- the initramfs: the modules for the disk, and for the image's init to
# read the loader's variables (efivarfs) and rename its entry on the ESP
printf 'tpm = required\n' > "$dir/pivot.conf"
"$REPO/initramfs/mkinitramfs.sh" -o "$dir/initrd" -k "$VM_KVER" -b "$VM_MODROOT" \
	--policy "$dir/pivot.conf" --trust "$pki/root/cert.pem" \
	-m virtio_blk -m efivarfs -m vfat -m nls_cp437 -m nls_ascii > "$dir/mkinit.out" 2>&1 ||
	sed 's/^/# /' "$dir/mkinit.out"
check "initramfs/mkinitramfs.sh builds the initramfs" test -s "$dir/initrd"

# ---- the disk: ESP with systemd-boot, v1 installed and blessed, v2 with
# three tries; the root partition
cmdline() { echo "root=UUID=$UUID ro composefs.digest=$1"; }
esp=$dir/esp
uefi_esp_tree "$esp" "$VM_VMLINUZ" "$dir/initrd" &&
	uefi_entry "$esp" "cfsboot-$D1.conf" 1 "$(cmdline "$D1")" &&
	uefi_entry "$esp" "cfsboot-$D2+3.conf" 2 "$(cmdline "$D2")" &&
	uefi_disk "$dir/disk.img" "$esp" "$dir/root.img" ||
	{ fail "make the UEFI disk"; done_testing; exit; }
check "the ESP reads back with mtools: its entries" \
	test "$(uefi_esp_ls "$dir/disk.img" loader/entries | tr '\n' ' ')" = "$(printf '%s\n' "cfsboot-$D1.conf" "cfsboot-$D2+3.conf" | LC_ALL=C sort | tr '\n' ' ')"

# ---- the same initramfs and image through qemu -kernel, on the same disk
vm_cow "$dir/disk.img" "$dir/direct.qcow2"
vm_boot_seen direct 'CFSTEST: real_init=ran' --initrd "$dir/initrd" --disk "$dir/direct.qcow2" \
	--tpm "$dir/tpm" --append "$(cmdline "$D2")"
vm_check direct "direct: -kernel boots v2 from the GPT disk's root partition" test $? -eq 0
vm_expect direct "direct: v2's init ran" variant v2
direct_init=$VM_SEEN_SECONDS
diag "direct: qemu start to the image's init ${direct_init:-?} s (the kernel's start to it" \
	"$(vm_marker direct init_uptime) s), to power-off ${VM_BOOT_SECONDS} s"

# ---- the update's life on one disk, with its own variable store
disk=$dir/life.qcow2
vars=$dir/life.vars
vm_cow "$dir/disk.img" "$disk" && uefi_vars "$vars" || { fail "prepare the disk"; done_testing; exit; }
# boot NAME: a UEFI boot of the disk; prints the ESP's entries afterwards
# into $dir/NAME.entries.  Sets RC and INIT (qemu start to init).
boot() {
	uefi_boot "$1" "$disk" "$vars" --tpm "$dir/tpm"
	RC=$?
	INIT=$VM_SEEN_SECONDS
	uefi_esp_ls "$disk" loader/entries | tr '\n' ' ' > "$dir/$1.entries"
	diag "$1: qemu start to the image's init ${INIT:-?} s (the kernel's start to it" \
		"$(vm_marker "$1" init_uptime) s), to power-off ${VM_BOOT_SECONDS} s;" \
		"entries after: $(cat "$dir/$1.entries")"
}
# booted NAME VARIANT DIGEST ENTRY: boot NAME went through systemd-boot's
# ENTRY into image VARIANT, verified.
booted() {
	local b=$1 fields=$dir/$1.fields
	vm_check "$b" "$b: the guest powered off from the image's init" test "$RC" -eq 0
	vm_expect "$b" "$b: systemd-boot chose $4 (LoaderEntrySelected)" efi_entry "$4"
	vm_expect "$b" "$b: the image's init is $2's" variant "$2"
	vm_expect "$b" "$b: ... as PID 1" init_pid 1
	vm_check "$b" "$b: / is an overlayfs with verity=require" \
		grep -q 'verity=require' <<< "$(vm_marker "$b" root_options)"
	if vm_marker_file "$b" status "$dir/$b.status" && vm_status_fields "$dir/$b.status" > "$fields"; then
		vm_check "$b" "$b: the status names $2's digest" test "$(vm_field "$fields" digest.value)" = "$3"
	else
		fail "$b: the guest printed a valid /run/cfsboot/status.json"
	fi
}
entries() { # NAME WANT...: the ESP's entries after boot NAME (in any order)
	local b=$1 want
	shift
	want=$(printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' ')
	vm_check "$b" "$b: the entries afterwards: $*" test "$(cat "$dir/$b.entries")" = "$want"
}

# (a) the default entry, v2 (the newest version), boots through OVMF and
# systemd-boot; the loader counts the try; (c) v2's init blesses it
boot u1
booted u1 v2 "$D2" "cfsboot-$D2+3.conf"
vm_expect u1 "u1: the loader counts this boot in cfsboot-D2+2-1.conf (LoaderBootCountPath)" \
	efi_count_path "\\loader\\entries\\cfsboot-$D2+2-1.conf"
vm_expect u1 "u1: v2's init marked the boot good (cfsboot bless)" blessed "cfsboot-$D2.conf"
entries u1 "cfsboot-$D2.conf"
u1_init=$INIT
# (c) the blessed entry stays the default, no longer counted
boot u2
booted u2 v2 "$D2" "cfsboot-$D2.conf"
vm_expect u2 "u2: the boot is not counted" efi_count_path none
entries u2 "cfsboot-$D2.conf"
u2_init=$INIT

# (b) v3 arrives with three tries; its init never blesses
mkdir -p "$dir/v3/loader/entries" && uefi_entry "$dir/v3" "cfsboot-$D3+3.conf" 3 "$(cmdline "$D3")" &&
	uefi_esp_put "$disk" "$dir/v3/loader/entries/cfsboot-$D3+3.conf" "loader/entries/cfsboot-$D3+3.conf"
check "v3's entry is on the ESP" grep -q "cfsboot-$D3+3.conf" <<< "$(uefi_esp_ls "$disk" loader/entries)"
tries=("cfsboot-$D3+3.conf cfsboot-$D3+2-1.conf" "cfsboot-$D3+2-1.conf cfsboot-$D3+1-2.conf"
	"cfsboot-$D3+1-2.conf cfsboot-$D3+0-3.conf")
for i in 0 1 2; do
	b=v3-try$((i + 1))
	read -r before after <<< "${tries[$i]}"
	boot "$b"
	booted "$b" v3 "$D3" "$before"
	vm_expect "$b" "$b: the loader counts this boot in $after" efi_count_path "\\loader\\entries\\$after"
	vm_check "$b" "$b: v3's init did not bless" test -z "$(vm_marker "$b" blessed)"
	entries "$b" "cfsboot-$D2.conf" "$after"
done
# No tries left: systemd-boot sorts v3 last and boots v2 by itself.
boot fallback
booted fallback v2 "$D2" "cfsboot-$D2.conf"
vm_expect fallback "fallback: the boot is not counted" efi_count_path none
entries fallback "cfsboot-$D2.conf" "cfsboot-$D3+0-3.conf"

# ---- the figure: what OVMF and systemd-boot add to the time to init
if [ -n "$direct_init" ] && [ -n "$u1_init" ] && [ -n "$u2_init" ]; then
	diag "qemu start to the image's init: -kernel ${direct_init} s; OVMF + systemd-boot" \
		"${u1_init} s (first boot, fresh variable store), ${u2_init} s (second);" \
		"added: $(awk "BEGIN { print $u1_init - $direct_init }") s, $(awk "BEGIN { print $u2_init - $direct_init }") s"
fi
diag "test-uefi: $((SECONDS - t0)) s in all"
done_testing
