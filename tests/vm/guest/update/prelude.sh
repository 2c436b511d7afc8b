# The start of every control script of tests/vm/update.sh (upd_ctl puts it
# before the script's own lines): mounts what the scripts work on and
# defines their helpers.  POSIX sh, for busybox and for a systemd guest.
#   /run/esp   the ESP: the FAT partition holding loader/entries
#   /run/phys  the physical root, writable: a bind mount of /sysroot made
#              writable (cfs-pivot leaves /sysroot itself read-only)
#   /run/repo  the disk with the virtio serial cfsrepo, read-only
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p /run/esp /run/phys /run/repo
if ! mountpoint -q /run/esp; then
	for dev in /dev/vd[a-z][0-9]*; do
		mount -t vfat "$dev" /run/esp 2> /dev/null || continue
		[ -d /run/esp/loader/entries ] && break
		umount /run/esp
	done
fi
mountpoint -q /run/esp || echo "CFSTEST: prelude=no ESP"
mountpoint -q /run/phys ||
	{ mount --bind /sysroot /run/phys && mount -o remount,bind,rw /run/phys; } ||
	echo "CFSTEST: prelude=no writable /run/phys"
for f in /sys/block/vd*/serial; do
	[ "$(cat "$f" 2> /dev/null)" = cfsrepo ] || continue
	f=${f%/serial}
	mountpoint -q /run/repo || mount -t ext4 -o ro "/dev/${f##*/}" /run/repo ||
		echo "CFSTEST: prelude=cannot mount the repository disk"
done

# cf KEY COMMAND ARGS...: cfsboot COMMAND on the device's places (--root
# /run/phys --boot /run/esp for the commands that take them); prints its
# exit status as KEY_exit and its output (stdout and stderr) base64-encoded
# as KEY_out, and returns its status.
cf() {
	cf_key=$1 cf_cmd=$2
	shift 2
	case $cf_cmd in
	deploy|status|bless|rollback|gc) set -- "$cf_cmd" --root /run/phys --boot /run/esp "$@" ;;
	*) set -- "$cf_cmd" "$@" ;;
	esac
	cfsboot "$@" > /run/cf.out 2>&1
	cf_rc=$?
	echo "CFSTEST: ${cf_key}_exit=$cf_rc"
	echo "CFSTEST: ${cf_key}_out=$(base64 -w 0 /run/cf.out)"
	return "$cf_rc"
}
# say KEY VALUE: one result line.
say() { echo "CFSTEST: $1=$2"; }
# entries: the ESP's entries, space-separated, sorted.
entries() { ls /run/esp/loader/entries | sort | tr '\n' ' '; }
# floor: the TPM's anti-rollback floor ("none" without a counter).
floor() { cfsboot tpm read-floor 2> /dev/null || echo none; }
# have PREFIX NAME:PATH...: says PREFIXNAME=yes when PATH exists, no when not.
have() {
	have_p=$1
	shift
	for have_o in "$@"; do
		[ -e "${have_o#*:}" ] && say "$have_p${have_o%%:*}" yes || say "$have_p${have_o%%:*}" no
	done
}
