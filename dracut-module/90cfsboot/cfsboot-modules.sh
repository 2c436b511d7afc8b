#!/bin/sh
# SPDX-License-Identifier: MIT
#
# pre-trigger hook of the dracut module "cfsboot", for initramfs images
# without systemd, which have no systemd-modules-load: loads the modules
# of /usr/lib/modules-load.d/cfsboot.conf (the file systems cfs-pivot
# mounts) and cfsboot-hash.conf (the CPU's hashes for fs-verity) in the
# background, while udev coldplugs the devices and the initqueue waits for
# the root device, instead of the kernel loading each on cfs-pivot's first
# mount of it, after the root is mounted.  Nothing
# waits for it: cfs-pivot's mount waits for a module still loading, and
# one that failed here (modprobe says why on the console) fails that mount,
# which cfs-pivot refuses naming the file system.  Sourced by dracut's /init.

# shellcheck disable=SC2046 # one module name a word
modprobe -a $(sed 's/#.*//' /usr/lib/modules-load.d/cfsboot.conf /usr/lib/modules-load.d/cfsboot-hash.conf) \
	< /dev/null &
