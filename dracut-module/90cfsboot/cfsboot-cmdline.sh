#!/bin/sh
# SPDX-License-Identifier: MIT
#
# cmdline hook 00 of the dracut module "cfsboot", for initramfs images
# without systemd: dracut's first hook, before any break point but
# rd.break=cmdline (which the emergency hook catches), refuses a kernel
# command line whose words would skip, stop or replace cfs-pivot when the
# policy requires an image (cfs-pivot --check-cmdline), and powers off.
# Sourced by dracut's /init.

# cfs-pivot says why in the kernel log, which reaches the console.
if ! /usr/bin/cfs-pivot --check-cmdline 2> /dev/null; then
	. /usr/lib/cfsboot/cfsboot-lib.sh
	cfsboot_power_off "cfs-pivot refused the kernel command line"
fi
