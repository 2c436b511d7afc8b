#!/bin/sh
# SPDX-License-Identifier: MIT
#
# pre-pivot hook of the dracut module "cfsboot", for initramfs images
# without systemd: the physical root is mounted at $NEWROOT; cfs-pivot
# verifies the composefs image the kernel command line names and puts it
# there in its place, before dracut switches root.  A command line that
# names no image leaves cfs-pivot nothing to do (exit 0) when the policy
# allows it (image = optional), and is refused otherwise.  Sourced by
# dracut's /init.

type die > /dev/null 2>&1 || . /lib/dracut-lib.sh

# cfs-pivot writes every line to the kernel log itself, which reaches the
# console; its last line on a refusal is the reason, repeated by die.
cfsboot_out=$(/usr/bin/cfs-pivot --sysroot "${NEWROOT:-/sysroot}" 2>&1)
cfsboot_rc=$?
if [ "$cfsboot_rc" -ne 0 ]; then
	# The last line, without tail(1), which the initramfs may not have.
	cfsboot_reason=${cfsboot_out##*"
"}
	die "cfs-pivot refused to boot (exit $cfsboot_rc): ${cfsboot_reason#cfs-pivot: }"
fi
unset cfsboot_out cfsboot_rc
