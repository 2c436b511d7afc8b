# cfs-pivot on the guest kernel, run as a systemd unit or dracut hook would
# run it: the physical root (the ext4 disk) mounted at /sysroot first.
# params.sh gives IMAGE (the image's digest).  Each run reports its exit
# code, last line, kernel paths and what the composed tree shows, then
# everything is unmounted for the next.
. /tests/params.sh

# The stores, as the host wrote them, get fs-verity here: composefs/ all of
# it, plain/ the image only, noverity/ nothing.
mount -t ext4 /dev/vda /mnt || exit 1
find /mnt/composefs -type f -exec /tests/vmtool enable {} +
/tests/vmtool enable "/mnt/plain/images/$IMAGE"
umount /mnt
mkdir -p /sysroot

# field KEY: a string or number field of the status file, arrays joined by
# spaces (busybox has no JSON parser; the file is cfs-pivot's own layout).
field() {
	tr -d '\n' < /run/cfsboot/status.json | sed -n "s/.*\"$1\": *\(\[[^]]*\]\|\"[^\"]*\"\|[0-9]*\).*/\1/p" |
		tr -d '[]"' | sed 's/, */ /g; s/^ *//; s/ *$//'
}

# run NAME POLICY [OPTIONS...]
run() {
	name=$1 policy=$2
	shift 2
	printf '%b' "$policy" > /tmp/pivot.conf
	rm -rf /run/cfsboot
	mount -t ext4 /dev/vda /sysroot || exit 1
	/tests/cfs-pivot --cmdline /tests/cmdline --config /tmp/pivot.conf --sysroot /sysroot \
		--status /run/cfsboot/status.json "$@" > /tmp/out 2>&1
	echo "CFSTEST: $name.exit=$?"
	echo "CFSTEST: $name.last=$(tail -n 1 /tmp/out)"
	echo "CFSTEST: $name.paths=$(field kernel_paths)"
	echo "CFSTEST: $name.verity=$(field verity)"
	echo "CFSTEST: $name.objects=$(field objects_checked)"
	echo "CFSTEST: $name.run=$(ls -A /run/cfsboot | tr '\n' ' ')"
	top=$(awk '$5 == "/sysroot" { for (i = 7; $i != "-"; i++); t = $(i + 1) } END { print t }' \
		/proc/self/mountinfo)
	if [ "$top" = overlay ]; then
		echo "CFSTEST: $name.good=$(sha256sum < /sysroot/usr/bin/good.bin | cut -d' ' -f1)"
		echo "CFSTEST: $name.etc_file=$(sha256sum < /sysroot/etc/conf.bin | cut -d' ' -f1)"
		if echo new > "/sysroot/etc/new-$name"; then
			if [ -f "/sysroot/sysroot/state/deploy/$IMAGE/etc/upper/new-$name" ]; then
				echo "CFSTEST: $name.etc_write=upper"
			else
				echo "CFSTEST: $name.etc_write=elsewhere"
			fi
		fi
		touch /sysroot/x 2>/dev/null || echo "CFSTEST: $name.root=read-only"
		umount /sysroot/etc /sysroot/var /sysroot/sysroot
	fi
	umount /sysroot
	echo "CFSTEST: $name.left=$(awk '$5 ~ "^/sysroot" { n++ } END { print n + 0 }' /proc/self/mountinfo)"
}

# etc = overlay where the runs look at the writes in the state's upper.
run require 'signature = off\netc = overlay\n'
run avoid 'signature = off\netc = overlay\n' --avoid erofs-file,lowerdir-plus
run bootcheck 'signature = off\netc = overlay\nverity = boot-check\n'
run plainobj 'signature = off\netc = overlay\nstore = /plain\n'
run plaincheck 'signature = off\netc = overlay\nstore = /plain\nverity = boot-check\n'
run noverity 'signature = off\netc = overlay\nstore = /noverity\n'
run transient 'signature = off\netc = transient\netc-keep = none\nvar = none\n'
