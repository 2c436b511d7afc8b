#!/bin/sh
# Run by cfstest-control.service once the boot is good and blessed: what
# the boot is (report.sh) and how its bless went, as "CFSTEST: key=value"
# lines on the console, then the control disk's script (tests/vm/update.sh:
# the virtio disk whose serial is "cfsctl", a POSIX sh script padded with
# NULs), then the power-off.
exec > /dev/console 2>&1
sh /usr/lib/cfstest/report.sh
# What judged the boot and what acted on it: boot-complete.target, the
# loader's counter (systemd-bless-boot, which its generator adds only to a
# counted boot) and our unit (the floor).  A service's Result is how its
# last run ended (a target has none); a unit that never ran is inactive.
for u in boot-complete.target systemd-bless-boot.service cfsboot-bless.service; do
	r=$(systemctl show -P Result "$u")
	echo "CFSTEST: unit.$u=$(systemctl show -P ActiveState "$u")${r:+/$r}"
done
# The order they ran in, from systemd's monotonic timestamps (0: never):
# boot-complete.target reached, then systemd-bless-boot started and done,
# then cfsboot-bless started.
ts() { systemctl show -P "$2" "$1"; }
complete=$(ts boot-complete.target ActiveEnterTimestampMonotonic)
sd_start=$(ts systemd-bless-boot.service InactiveExitTimestampMonotonic)
sd_done=$(ts systemd-bless-boot.service ActiveEnterTimestampMonotonic)
ours=$(ts cfsboot-bless.service InactiveExitTimestampMonotonic)
if [ "$complete" -gt 0 ] && [ "$ours" -ge "$complete" ] &&
	{ [ "$sd_start" -eq 0 ] || { [ "$sd_start" -ge "$complete" ] && [ "$ours" -ge "$sd_done" ]; }; }; then
	echo "CFSTEST: bless_order=ok"
else
	echo "CFSTEST: bless_order=boot-complete $complete, systemd-bless-boot $sd_start-$sd_done, cfsboot-bless $ours"
fi
if [ "$(systemctl show -P ActiveState cfsboot-bless.service)" = inactive ]; then
	echo "CFSTEST: bless_exit=not run"
else
	echo "CFSTEST: bless_exit=$(systemctl show -P ExecMainStatus cfsboot-bless.service)"
fi
echo "CFSTEST: bless_out=$(journalctl -q -o cat -u cfsboot-bless.service | base64 -w 0)"
echo "CFSTEST: failed_units=$(systemctl --failed --plain --no-legend | cut -d' ' -f1 | tr '\n' ' ')"

ctl=
for s in /sys/block/vd*/serial; do
	[ "$(cat "$s" 2> /dev/null)" = cfsctl ] || continue
	ctl=${s%/serial}
	ctl=/dev/${ctl##*/}
done
if [ -n "$ctl" ]; then
	tr -d '\000' < "$ctl" > /run/cfsctl.sh
	sh /run/cfsctl.sh
	echo "CFSTEST: ctl_exit=$?"
else
	echo "CFSTEST: ctl=none"
fi
systemctl --no-block poweroff
