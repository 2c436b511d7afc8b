#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Functions of the dracut module "cfsboot" that its generator and hooks
# share, installed as /usr/lib/cfsboot/cfsboot-lib.sh (docs/dracut.md,
# "The locked-down initramfs").

# cfsboot_locked: whether the policy requires an image (image = required),
# as `cfs-pivot --check` prints it.  A policy cfs-pivot cannot read counts
# as locked: the boot refuses it anyway.
cfsboot_locked() {
	case $(/usr/bin/cfs-pivot --check --cmdline /dev/null 2> /dev/null) in
	*"
image = optional"*) return 1 ;;
	esac
	return 0
}

# cfsboot_power_off REASON: says REASON on the console and powers off; never
# returns, so that whoever called it (a hook before a shell) goes no
# further even should the power-off fail.
cfsboot_power_off() {
	echo "<2>cfsboot: $1: powering off" > /dev/kmsg
	sync
	# In a systemd initrd: at once, without asking the busy PID 1.
	[ -x /usr/bin/systemctl ] && /usr/bin/systemctl --force --force poweroff
	# The kernel's own, which needs no program in the initramfs.
	echo o > /proc/sysrq-trigger
	while :; do sleep 60; done
}
