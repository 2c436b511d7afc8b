#!/bin/sh
# What a boot of the systemd guest is, as "CFSTEST: key=value" lines on the
# console, with the keys of the busybox guest's init (tests/vm/guest/os/init),
# where they mean the same: run by control.sh in a good boot and by
# cfstest-early-off.service in one that never blesses.
exec > /dev/console 2>&1
# Keep kernel messages off the console while the markers are printed.
echo 1 > /proc/sys/kernel/printk

echo "CFSTEST: real_init=ran"
echo "CFSTEST: init=$(cat /proc/1/comm)"
[ -f /etc/variant ] && echo "CFSTEST: variant=$(cat /etc/variant)"
# The entry systemd-boot chose and the file it counts this boot in, from
# the variables it passes to the OS (4 bytes of attributes, then UTF-16).
loader_var() {
	f=/sys/firmware/efi/efivars/$1-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f
	# shellcheck disable=SC2002 # a pipe: tail seeks in a file, and efivarfs cannot
	[ -r "$f" ] && cat "$f" | tail -c +5 | tr -d '\000'
}
# printf, not echo: dash's echo reads the path's backslashes as escapes.
printf 'CFSTEST: efi_entry=%s\n' "$(loader_var LoaderEntrySelected)"
count=$(loader_var LoaderBootCountPath)
printf 'CFSTEST: efi_count_path=%s\n' "${count:-none}"
