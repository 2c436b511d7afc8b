# Case 3: ext4 from the virtio disk, fs-verity enabled on a file and
# measured by the kernel; the host compares with `fsverity digest`.
mount -t ext4 /dev/vda /mnt || exit 1
/tests/vmtool enable /mnt/probe.bin || exit 1
echo "CFSTEST: probe=$(/tests/vmtool measure /mnt/probe.bin)"
umount /mnt
