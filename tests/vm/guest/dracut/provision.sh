# Installs the store the host wrote on /dev/vda: fs-verity on every file
# of the composefs repository (objects, images, signatures), which the
# host's kernel cannot do.  The dracut boots then run on copies of it.
mount -t ext4 /dev/vda /mnt || exit 1
echo "CFSTEST: files=$(find /mnt/composefs -type f | wc -l)"
find /mnt/composefs -type f -exec /tests/vmtool enable {} + && echo "CFSTEST: verity=enabled"
umount /mnt
