# The one Debian tree with systemd that the VM tests boot (test-dracut's
# Debian image, the systemd guest of the update scenarios): minbase plus
# systemd and udev (without udev the serial console's getty waits 90 s for
# its device), systemd-boot (in bookworm it brings systemd-bless-boot and
# its generator; its maintainer script installs nothing without an ESP)
# and kmod (minbase has no modprobe, which the kernel runs to load vfat).
# One package list for every test, so that the tree is made once and
# cached (vm_debootstrap).  Sourced after tests/vm/lib.sh.

VM_DEBIAN_TREE=${CFS_VM_DEBIAN_TREE:-$VM_DIR/debootstrap-bookworm-systemd-boot}

# vm_debian_tree: makes the tree when it is missing; 0 when it is there.
vm_debian_tree() {
	vm_debootstrap "$VM_DEBIAN_TREE" systemd,systemd-sysv,udev,systemd-boot,kmod ||
		{ vm_die "debootstrap a Debian tree with systemd and systemd-boot"; return 1; }
	[ -x "$VM_DEBIAN_TREE/usr/lib/systemd/systemd-bless-boot" ] ||
		{ vm_die "the debootstrap has no systemd-bless-boot (package systemd-boot)"; return 1; }
}
