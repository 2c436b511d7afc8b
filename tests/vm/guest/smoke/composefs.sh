# Case 4, intact store: install (fs-verity on every object and the image),
# check the image's kernel-measured digest, mount it read-only both ways
# EROFS can read an image file, and read every file through each.
. /tests/compose.sh
mount -t ext4 /dev/vda /mnt || exit 1
if find /mnt/composefs -type f -exec /tests/vmtool enable {} +; then
	echo "CFSTEST: store_verity=enabled"
fi
echo "CFSTEST: image_digest=$(/tests/vmtool measure "/mnt/composefs/images/$IMAGE")"
mount -o remount,ro /mnt || exit 1
for how in file loop; do
	mount_composefs $how /cfs-$how && report_files $how /cfs-$how
done
