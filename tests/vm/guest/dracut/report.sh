#!/bin/sh
# Run by the real init of the images the dracut tests boot (init, for the
# minimal image; cfstest-report.service in the Debian image): what the
# booted system sees, as "CFSTEST: key=value" lines on the console.
exec > /dev/console 2>&1
# Keep kernel messages off the console while the markers are printed.
echo 1 > /proc/sys/kernel/printk

# Seconds since the kernel started, as the real init reports first.
echo "CFSTEST: uptime=$(cut -d' ' -f1 /proc/uptime)"
[ ! -f /usr/lib/cfstest/klog-times.sh ] || sh /usr/lib/cfstest/klog-times.sh
echo "CFSTEST: init=$(cat /proc/1/comm)"
# The root: its file system type, source and super options (mountinfo's
# fields after the "-" separator; the source has no space in it).
root=$(awk '$5 == "/" { for (i = 7; $i != "-"; i++); t = $(i + 1) " " $(i + 2) " " $(i + 3) } END { print t }' \
	/proc/self/mountinfo)
echo "CFSTEST: root.fstype=${root%% *}"
root=${root#* }
echo "CFSTEST: root.source=${root%% *}"
case ",${root#* }," in
*,verity=require,*) echo "CFSTEST: root.verity=require" ;;
*) echo "CFSTEST: root.verity=none" ;;
esac
touch /.cfstest 2> /dev/null || echo "CFSTEST: root.write=refused"
echo written > /etc/.cfstest && echo "CFSTEST: etc.write=ok"
[ -d /sysroot/composefs/images ] && echo "CFSTEST: sysroot=physical root"
# bootc's state: /var bound from the var the deployment's link names.
[ -f /var/lib/bootc-shared ] && echo "CFSTEST: var.shared=$(cat /var/lib/bootc-shared)"

# The status cfs-pivot wrote (its own layout, one field per pattern).
if [ -f /run/cfsboot/status.json ]; then
	s=$(tr -d '\n' < /run/cfsboot/status.json)
	field() {
		printf '%s' "$s" | sed -n "s/.*$1.*/\\1/p"
	}
	echo "CFSTEST: status.result=$(field '"result": *"\([a-z]*\)"')"
	echo "CFSTEST: status.digest=$(field '"digest": *{[^}]*"value": *"\([0-9a-f]*\)"')"
	echo "CFSTEST: status.verity=$(field '"verity": *"\([a-z-]*\)"')"
	echo "CFSTEST: status.signer=$(field '"signer": *"\([^"]*\)"')"
	echo "CFSTEST: status.tpm=$(field '"present": *\([a-z]*\)')"
	# cfs-pivot's own time: its phases ("name:usec ..."), and their sum.
	phases=$(printf '%s' "$s" | grep -o '"name": *"[^"]*", *"usec": *[0-9]*' |
		sed 's/"name": *"\([^"]*\)", *"usec": *\([0-9]*\)/\1:\2/' | tr '\n' ' ')
	echo "CFSTEST: status.phases=${phases% }"
	echo "CFSTEST: status.usec=$(echo "$phases" | tr ' ' '\n' | awk -F: '{ t += $2 } END { print t + 0 }')"
fi
