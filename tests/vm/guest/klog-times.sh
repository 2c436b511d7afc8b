#!/bin/sh
# When the kernel started the initramfs's /init ("Run /init as init
# process") and when the real init started (the line "cfstest: real init
# started" it wrote to /dev/kmsg first thing), both by one clock, the
# kernel's printk timestamps, as "CFSTEST: klog.initramfs_init=SECONDS"
# and "CFSTEST: klog.real_init=SECONDS".  The boot benchmarks take the
# difference: the initramfs's whole time, by the guest's clock.
dmesg | sed -n \
	-e 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/CFSTEST: klog.initramfs_init=\1/p' \
	-e 's/^\[ *\([0-9.]*\)\] cfstest: real init started.*/CFSTEST: klog.real_init=\1/p'
