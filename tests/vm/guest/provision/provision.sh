# Enables fs-verity on the composefs stores of the disks, as an installer
# would (tests/vm/lib.sh, vm_verity_disks): on every file under composefs/
# except the signatures (signatures/*.sig) and the one file a test wants left
# without it, with the hash the store's meta.json names (composefs-rs's
# repositories of fsverity-sha512-12 have every object sealed with SHA-512).
# params.sh gives DISKS ("vda vdb ...") and, for a disk D,
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
	alg=
	grep -q '"fsverity-sha512-12"' "/mnt/$d/composefs/meta.json" 2> /dev/null && alg=--sha512
	if xargs /tests/vmtool enable $alg < /tmp/files; then
		echo "CFSTEST: $d=enabled $n"
	else
		echo "CFSTEST: $d=failed"
	fi
	umount "/mnt/$d"
done
