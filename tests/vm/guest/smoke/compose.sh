# Shared by the composefs cases: mount the image named in params.sh from
# the store on /mnt the way cfs-pivot will (EROFS from the image file,
# overlayfs with the objects as data-only layer and verity=require), then
# report each file: its SHA-256 when it reads, the errno name otherwise.
. /tests/params.sh

# mount_composefs HOW DIR: HOW is "file" (EROFS reads the image file
# itself, 6.12 and later) or "loop" (through a loop device, the way for
# older kernels).
mount_composefs() {
	mkdir -p "$2.meta" "$2"
	if [ "$1" = file ]; then
		/tests/vmtool mount erofs "/mnt/composefs/images/$IMAGE" "$2.meta" "" || return 1
	else
		mount -t erofs -o ro,loop "/mnt/composefs/images/$IMAGE" "$2.meta" || return 1
	fi
	echo "CFSTEST: $1.erofs_source=$(awk -v d="$2.meta" '$2 == d { print $1 }' /proc/mounts)"
	mount -t overlay composefs \
		-o "ro,lowerdir=$2.meta::/mnt/composefs/objects,metacopy=on,redirect_dir=on,verity=require" "$2" ||
		return 1
	echo "CFSTEST: $1.overlay=mounted"
}

# report_files HOW DIR
report_files() {
	for f in $FILES; do
		r=$(/tests/vmtool read "$2/$f")
		[ "$r" = ok ] && r=$(sha256sum "$2/$f" | cut -d' ' -f1)
		echo "CFSTEST: $1.file.$f=$r"
	done
}
