# Case 4, tampered store (on a copy-on-write overlay of the installed disk,
# where the host has already flipped one byte inside $FLIP_OBJ): replace
# $SWAP_OBJ by other bytes of the same size with fs-verity enabled, and
# $PLAIN_OBJ by an identical copy without fs-verity; then mount and read.
. /tests/compose.sh
mount -t ext4 /dev/vda /mnt || exit 1
o=/mnt/composefs/objects
size=$(stat -c %s "$o/$SWAP_OBJ")
rm "$o/$SWAP_OBJ" && head -c "$size" /dev/urandom > "$o/$SWAP_OBJ" &&
	/tests/vmtool enable "$o/$SWAP_OBJ" && echo "CFSTEST: swapped=yes"
cp "$o/$PLAIN_OBJ" /tmp/plain && rm "$o/$PLAIN_OBJ" && cp /tmp/plain "$o/$PLAIN_OBJ" &&
	echo "CFSTEST: unverified=yes"
mount -o remount,ro /mnt || exit 1
mount_composefs file /cfs && report_files file /cfs
