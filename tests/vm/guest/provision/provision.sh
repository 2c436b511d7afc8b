# Enables fs-verity on the composefs stores of the disks, as an installer
# would (tests/vm/lib.sh, vm_verity_disks): on every file under composefs/
# except the signatures (images/*.sig) and the one file a test wants left
# without it.  params.sh gives DISKS ("vda vdb ...") and, for a disk D,
# KEEP_D, that file's path relative to the disk's root.
. /tests/params.sh
for d in $DISKS; do
	mkdir -p "/mnt/$d"
	if ! mount -t ext4 "/dev/$d" "/mnt/$d"; then
		echo "CFSTEST: $d=not mounted"
		continue
	fi
	keep=
	eval "keep=\${KEEP_$d:-}"
	find "/mnt/$d/composefs" -type f ! -name '*.sig' ! -path "/mnt/$d/$keep" > /tmp/files
	n=$(wc -l < /tmp/files)
	if xargs /tests/vmtool enable < /tmp/files; then
		echo "CFSTEST: $d=enabled $n"
	else
		echo "CFSTEST: $d=failed"
	fi
	umount "/mnt/$d"
done
