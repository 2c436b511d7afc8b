# The systemd guest kind of the update scenarios (tests/vm/update.sh,
# issue 12): a Debian tree with systemd, from which the signed images are
# made, booted through OVMF, systemd-boot and the dracut systemd initrd
# with our module, whose good boots are blessed by systemd-bless-boot and
# units/cfsboot-bless.service.  Sourced by tests/vm/update.sh; provides
# the functions a guest kind provides there, as upd_systemd_*.
#
# What the tree holds besides the Debian tree (tests/vm/debian-tree.sh):
#   - /usr/bin/cfsboot, static (vm_static_cfsboot), cfsboot-bless.service
#     enabled, and the trust anchor in /etc/cfsboot/trust.d, where its
#     defaults read it;
#   - /etc/fstab mounting the ESP (partition name "esp", uefi_disk) on
#     /boot, where systemd-bless-boot looks for it and cfsboot's --boot
#     defaults to;
#   - the kernel modules the booted system loads itself (the ESP's vfat,
#     efivarfs), under /usr/lib/modules/<kver>, where upd_os_boot_files then
#     puts the kernel and the initramfs (upd_systemd_initrd);
#   - cfstest-control.service (guest/update-systemd/control.sh): once the
#     boot is blessed, the control disk's script, then the power-off; or,
#     in an image that must not bless, cfstest-early-off.service: the
#     power-off before boot-complete.target.

. "$(dirname "${BASH_SOURCE[0]}")/debian-tree.sh"
SDG_SRC=$VM_GUEST_SRC/update-systemd
# The modules the booted system loads itself; those of the disks, ext4,
# EROFS and overlayfs are loaded by the initrd and stay.
SDG_MODULES="vfat nls_cp437 nls_ascii nls_utf8 efivarfs"

# upd_systemd_tree DIR TRUST: the systemd OS tree in DIR, with the trust
# anchor TRUST (a certificate file).
upd_systemd_tree() {
	local dir=$1 trust=$2 unit
	[ -n "${VM_KVER:-}" ] || vm_kernel > /dev/null || return 1
	vm_debian_tree || return 1
	rm -rf "$dir" && cp -a "$VM_DEBIAN_TREE" "$dir" || return 1
	# cfs-pivot attaches the physical root on /sysroot.
	mkdir -p "$dir/sysroot" "$dir/boot" "$dir/usr/lib/cfstest" &&
		install -D -m 644 "$trust" "$dir/etc/cfsboot/trust.d/root.pem" &&
		vm_static_cfsboot "$dir/usr/bin/cfsboot" || return 1
	sed 's|@BINDIR@|/usr/bin|' "$REPO/units/cfsboot-bless.service" \
		> "$dir/etc/systemd/system/cfsboot-bless.service" &&
		install -m 755 "$SDG_SRC/control.sh" "$SDG_SRC/report.sh" "$dir/usr/lib/cfstest/" || return 1
	for unit in cfstest-control.service cfstest-early-off.service; do
		install -m 644 "$SDG_SRC/$unit" "$dir/etc/systemd/system/" || return 1
	done
	# No login prompt on the serial console, between the markers.
	ln -sfn /dev/null "$dir/etc/systemd/system/serial-getty@ttyS0.service" &&
		_sdg_enable "$dir" cfsboot-bless.service basic.target &&
		_sdg_enable "$dir" cfstest-control.service multi-user.target || return 1
	# No fsck: the tree has no fsck.vfat, and the loader and cfsboot
	# write the ESP only by whole-file renames.
	# shellcheck disable=SC2086 # a list of names
	echo 'PARTLABEL=esp /boot vfat umask=0077 0 0' > "$dir/etc/fstab" &&
		_sdg_modules "$dir" $SDG_MODULES
}

# upd_systemd_variant DIR VERSION BLESS: makes the tree DIR image vVERSION
# (/etc/variant); BLESS no makes it power off before boot-complete.target.
upd_systemd_variant() {
	local wants=$1/etc/systemd/system/sysinit.target.wants
	echo "v$2" > "$1/etc/variant" && rm -f "$wants/cfstest-early-off.service" || return 1
	[ "$3" != no ] || _sdg_enable "$1" cfstest-early-off.service sysinit.target
}

# upd_systemd_initrd OUT TRUST POLICY: the dracut systemd initrd with
# dracut-module/90cfsboot, the trust anchor TRUST and the policy file
# POLICY as its /etc/cfsboot.  dracut's output goes to OUT.log.
upd_systemd_initrd() {
	local out=$1 conf=$SCRATCH/sdg-confdir
	rm -rf "$conf" && mkdir -p "$conf/trust.d" && cp "$3" "$conf/pivot.conf" &&
		cp "$2" "$conf/trust.d/root.pem" || return 1
	cfsboot_confdir=$conf cfsboot_pivot=$CFS_PIVOT vm_dracut "$out" \
		-m "systemd-initrd dracut-systemd rootfs-block cfsboot" --drivers "virtio_blk ext4"
}

# dracut's initrd mounts the physical root as the command line says, and
# cfs-pivot needs it writable for the state (docs/dracut.md).
upd_systemd_kargs() { echo rw; }
# A systemd boot under TCG takes 30 to 60 s, and several times that on a
# loaded machine.
upd_systemd_timeout() { echo 600; }

# upd_systemd_blessed BOOT: what a blessed boot BOOT of this kind shows
# besides the kinds' common checks: boot-complete.target reached,
# systemd-bless-boot run in a counted boot (its generator adds it to no
# other), cfsboot-bless.service run, and in that order (control.sh).
upd_systemd_blessed() {
	local b=$1 sd=inactive/success
	[ "$(vm_marker "$b" efi_count_path)" = none ] || sd=active/success
	vm_expect "$b" "$b: boot-complete.target is reached" unit.boot-complete.target active
	vm_expect "$b" "$b: systemd-bless-boot.service: $sd" unit.systemd-bless-boot.service "$sd"
	vm_expect "$b" "$b: cfsboot-bless.service succeeds" unit.cfsboot-bless.service active/success
	vm_expect "$b" "$b: ... after boot-complete.target and systemd-bless-boot.service" bless_order ok
	vm_expect "$b" "$b: no unit failed" failed_units ""
}

# _sdg_enable DIR UNIT TARGET: what `systemctl enable` does for UNIT's
# [Install] WantedBy=TARGET, without running systemctl on the tree.
_sdg_enable() {
	mkdir -p "$1/etc/systemd/system/$3.wants" &&
		ln -sfn "../$2" "$1/etc/systemd/system/$3.wants/$2"
}

# _sdg_modules DIR MODULE...: MODULE and what it depends on, from the cached
# kernel, at their places under DIR/usr/lib/modules/<kver>, with the
# kernel's lists of built-in modules and a modules.dep for them.
_sdg_modules() {
	local dir=$1 m kind path rel
	shift
	for m in "$@"; do
		modprobe -C /dev/null -d "$VM_MODROOT" -S "$VM_KVER" --show-depends "$m" > "$SCRATCH/sdg-deps" ||
			{ vm_die "module $m not found in $VM_KVER"; return 1; }
		while read -r kind path _; do
			[ "$kind" = insmod ] || continue
			rel=${path#"$VM_MODROOT"/lib/modules/"$VM_KVER"/}
			install -D -m 644 "$path" "$dir/usr/lib/modules/$VM_KVER/$rel" || return 1
		done < "$SCRATCH/sdg-deps"
	done
	cp "$VM_MODROOT/lib/modules/$VM_KVER"/modules.{order,builtin,builtin.modinfo} \
		"$dir/usr/lib/modules/$VM_KVER/" && depmod -b "$dir/usr" "$VM_KVER"
}
