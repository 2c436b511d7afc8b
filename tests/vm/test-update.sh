#!/usr/bin/env bash
# Issue 12's update scenarios, run by the real commands inside a guest
# booted by OVMF and systemd-boot (tests/vm/update.sh drives the boots;
# CFS_UPDATE_GUEST names the guest kind, default busybox):
#   1. v1 installed by `cfsboot deploy` on the host, against the disk's trees
#      and the guest's TPM; it boots and blesses itself.
#   2. In v1, `cfsboot pull` brings v2 from a second disk (a published
#      repository) and `cfsboot deploy` makes it the default; systemd-boot
#      picks it (+3), it blesses, and the floor rises to v2's version then,
#      not before.
#   5. (in v1's boot) `cfsboot rollback` chooses v1 while v1 is not below the
#      floor, and refuses, changing nothing, once the floor is above it.
#   3. v3, pulled and deployed in v2, never reaches bless: the loader tries
#      it three times, then boots v2 by itself; status there shows v3 bad.
#   4. `cfsboot gc` removes v3's own objects and keeps what v2 shares.
#   6. A power cut (qemu killed) at several steps of a deploy: the old
#      default boots afterwards and fsck is clean.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/uefi.sh"
. "$(dirname "$0")/update.sh"
KIND=${CFS_UPDATE_GUEST:-busybox}
VM_TIMEOUT=${CFS_VM_TIMEOUT:-$("upd_${KIND}_timeout")}
dir=$(scratch)
t0=$SECONDS
give_up() { fail "$1"; done_testing; exit; }

vm_kernel > /dev/null || give_up "fetch or find the 6.12 kernel"

# ---- keys: a root, an image signer and a channel signer
pki=$dir/pki
{
	"$REPO/keys/mkpki.sh" root "$pki/root" --subject "/CN=test root" &&
	"$REPO/keys/mkpki.sh" signer "$pki/signer" --ca "$pki/root" --subject "/CN=test signer" &&
	"$REPO/keys/mkpki.sh" channel "$pki/channel" --ca "$pki/root" --subject "/CN=test channel"
} > "$dir/pki.log" 2>&1 || { sed 's/^/# /' "$dir/pki.log"; give_up "make the test PKI"; }
mkdir -p "$dir/trust" && cp "$pki/root/cert.pem" "$dir/trust/root.pem"

# ---- the initramfs the images ship (tpm = required: the floor is enforced)
printf 'tpm = required\n' > "$dir/pivot.conf"
"upd_${KIND}_initrd" "$dir/initrd" "$pki/root/cert.pem" "$dir/pivot.conf" ||
	give_up "make the $KIND guest's initramfs"

# ---- the OS tree, with the kernel and initramfs where deploy takes them;
# images v1 (security version 1), v2 (3) and v3 (4, no bless; with a file
# of its own).  v1 goes into the device's store, v2 and v3 into a build
# store and from there into a published repository on the second disk.
os=$dir/os
kargs=$("upd_${KIND}_kargs")
"upd_${KIND}_tree" "$os" "$pki/root/cert.pem" &&
	upd_os_boot_files "$os" "$dir/initrd" "console=ttyS0 panic=-1 no_timer_check${kargs:+ $kargs}" ||
	give_up "assemble the OS tree"
mkdir -p "$dir/root/composefs" "$dir/build"
image() { # VERSION SECURITY-VERSION BLESS STORE: prints the digest
	local d
	"upd_${KIND}_variant" "$os" "$1" "$3"
	d=$("$CFSBOOT" mkimage --store "$4" --print-digest "$os" "$dir/v$1.cfs" 2>> "$dir/mkimage.log") &&
		"$CFSBOOT" sign --key "$pki/signer/key.pem" --cert "$pki/signer/cert.pem" --version "$2" \
			--store "$4" --digest "sha256:$d" > /dev/null && echo "${d%% *}"
}
D1=$(image 1 1 yes "$dir/root/composefs") && D2=$(image 2 3 yes "$dir/build") &&
	head -c 65536 /dev/urandom > "$os/usr/share/v3-own" && D3=$(image 3 4 no "$dir/build") ||
	give_up "build and sign the images"
own3=$(fsverity digest "$os/usr/share/v3-own" | sed 's/^sha256:\([0-9a-f]*\) .*/\1/')
kernel_obj=$(fsverity digest "$VM_VMLINUZ" | sed 's/^sha256:\([0-9a-f]*\) .*/\1/')
rm -f "$os/usr/share/v3-own"
publish() { # CHANNEL DIGEST
	"$CFSBOOT" publish --store "$dir/build" --out "$dir/repo" --trust "$dir/trust" --channel "$1" \
		--key "$pki/channel/key.pem" --cert "$pki/channel/cert.pem" "$2" >> "$dir/publish.log" 2>&1
}
publish v2 "$D2" && publish v3 "$D3" && vm_ext4 "$dir/repo" "$dir/repo.img" $(($(du -sm "$dir/repo" | cut -f1) * 5 / 4 + 96)) ||
	{ sed 's/^/# /' "$dir/publish.log"; give_up "publish v2 and v3 on the second disk"; }

# ---- 1. the installer: the floor 1 in the TPM (tpm = required needs a
# counter), v1 deployed from the host, then the root with fs-verity
tpm=$dir/tpm
vm_swtpm_commit "$tpm" 1 || give_up "commit the floor 1"
UUID=$(cat /proc/sys/kernel/random/uuid)
uefi_loader_tree "$dir/loader" || give_up "the loader's files"
upd_install "$dir/esp" "$dir/root" "$dir/loader" "$tpm" "$UUID" "$D1" --trust "$dir/trust" > "$dir/install.out" 2>&1
rc=$?
sed 's/^/# install: /' "$dir/install.out"
check "cfsboot deploy on the host installs v1 (against the guest's TPM)" test "$rc" -eq 0
check "... its entry counts three tries" test -f "$dir/esp/loader/entries/cfsboot-$D1+3.conf"
# Room for v2's and v3's own objects and their states: the tree's size again.
vm_ext4 "$dir/root" "$dir/root.img" $(($(du -sm "$dir/root" | cut -f1) * 2 + 160)) -U "$UUID" || give_up "make the ext4 root"
vm_verity_disks "$dir/root.img" || give_up "enable fs-verity on the store"
uefi_disk "$dir/disk.img" "$dir/esp" "$dir/root.img" || give_up "make the UEFI disk"
disk=$dir/device.qcow2 vars=$dir/device.vars
vm_cow "$dir/disk.img" "$disk" && uefi_vars "$vars" || give_up "prepare the device's disk"

# Checks on what a boot printed.
booted() { # BOOT VARIANT ENTRY: BOOT ran VARIANT, chosen by systemd-boot as ENTRY
	vm_check "$1" "$1: the guest powered off" test "$RC" -eq 0
	vm_expect "$1" "$1: systemd-boot chose $3" efi_entry "$3"
	vm_expect "$1" "$1: the image is $2" variant "$2"
}
out() { # BOOT KEY: the output of the script's `cf KEY ...`
	local v
	v=$(upd_result "$1" "$2_out")
	[ -n "$v" ] && base64 -d <<< "$v"
}
json() { # BOOT KEY NAME PYTHON: a case on `cf KEY status --json`'s object s
	if out "$1" "$2" | python3 -c "import json, sys; s = json.load(sys.stdin); d = {x['digest']: x for x in s['deployments']}; $4" 2> "$dir/json.err"; then
		ok "$3"
	else
		fail "$3"
		sed 's/^/#   /' "$dir/json.err" | tail -n 3
		out "$1" "$2" | sed 's/^/#   /'
		vm_keep_log "$1"
	fi
}
entries() { # BOOT WANT...: the ESP's entries after BOOT (in any order)
	local want
	want=$(printf '%s\n' "${@:2}" | LC_ALL=C sort | tr '\n' ' ')
	vm_check "$1" "$1: the entries afterwards: ${*:2}" test "$(tr '\n' ' ' < "$SCRATCH/$1.entries")" = "$want"
}
exit_is() { # BOOT KEY WANT NAME
	vm_expect "$1" "$4" "$2_exit" "$3"
}
boot() { upd_boot "$@"; RC=$?; }

# ---- 1. v1 boots and blesses; 2. it pulls v2 and deploys it; 5. rollback
boot v1 "$disk" "$vars" "$tpm" '
cf pull pull --store /run/phys/composefs --trust /etc/cfsboot/trust.d --channel v2 /run/repo
cf deploy deploy '"$D2"'
cf st1 status --json
cf rb1 rollback
cf st2 status --json
cf rb2 rollback
cf st3 status --json
cf commit tpm commit-version 2
entries > /run/before
cf rb3 rollback
entries > /run/after
cmp -s /run/before /run/after && say rb3_changed no || say rb3_changed yes
' "$dir/repo.img"
booted v1 v1 "cfsboot-$D1+3.conf"
vm_expect v1 "v1: the loader counts the boot (+2-1)" efi_count_path "\\loader\\entries\\cfsboot-$D1+2-1.conf"
vm_expect v1 "v1: cfsboot bless in the guest succeeds" bless_exit 0
"upd_${KIND}_blessed" v1
exit_is v1 ctl 0 "v1: the control script ran"
exit_is v1 pull 0 "v1: cfsboot pull brings v2 from the second disk"
vm_check v1 "v1: ... and prints its digest" grep -q "$D2" <<< "$(out v1 pull)"
exit_is v1 deploy 0 "v1: cfsboot deploy v2"
json v1 st1 "v1: status: booted v1, default and pending v2, rollback v1, floor 1" \
	"assert s['booted'] == '$D1' and s['default'] == '$D2' and s['pending'] == '$D2' and s['rollback'] == '$D1' and s['floor'] == 1, s
assert d['$D1']['blessed'] and d['$D2']['tries_left'] == 3, d"
exit_is v1 rb1 0 "v1: rollback while v1 (version 1) is not below the floor 1"
json v1 st2 "v1: ... chose v1: the default is v1" "assert s['default'] == '$D1', s"
exit_is v1 rb2 0 "v1: rollback again makes v2 the default"
json v1 st3 "v1: ... the default is v2" "assert s['default'] == '$D2' and s['rollback'] == '$D1', s"
exit_is v1 commit 0 "v1: the floor raised to 2 (cfsboot tpm commit-version)"
exit_is v1 rb3 1 "v1: rollback to v1 (version 1) below the floor 2 is refused"
vm_check v1 "v1: ... in one line, naming the floor" \
	test "$(out v1 rb3 | wc -l)" -eq 1 -a -n "$(out v1 rb3 | grep 'refusing to roll back.*version 1 is below the floor 2')"
vm_expect v1 "v1: ... and changed no entry" rb3_changed no
entries v1 "cfsboot-$D1.conf" "cfsboot-$D2+3.conf"
check "the floor is 2 after v1's boot (v2 is deployed, not blessed)" test "$(vm_host_floor "$tpm")" = 2

# ---- 2. systemd-boot picks v2 (+3); it blesses; the floor rises to 3 then;
# 3. v2 pulls and deploys v3
pull3='cf pull3 pull --store /run/phys/composefs --trust /etc/cfsboot/trust.d --channel v3 /run/repo'
boot v2 "$disk" "$vars" "$tpm" "
cf st status --json
$pull3
cf deploy3 deploy $D3
" "$dir/repo.img"
booted v2 v2 "cfsboot-$D2+3.conf"
vm_expect v2 "v2: the loader counts the boot (+2-1)" efi_count_path "\\loader\\entries\\cfsboot-$D2+2-1.conf"
vm_expect v2 "v2: cfsboot bless succeeds" bless_exit 0
"upd_${KIND}_blessed" v2
json v2 st "v2: status after bless: booted and default v2, blessed, floor 3 (v2's version), v1 pruned below it" \
	"assert s['booted'] == '$D2' and s['default'] == '$D2' and s['floor'] == 3, s
assert d['$D2']['blessed'] and '$D1' not in d, d"
check "the floor is 3 after v2's boot, which blessed" test "$(vm_host_floor "$tpm")" = 3
exit_is v2 pull3 0 "v2: cfsboot pull brings v3"
exit_is v2 deploy3 0 "v2: cfsboot deploy v3"
entries v2 "cfsboot-$D2.conf" "cfsboot-$D3+3.conf"

# ---- 3. v3 never blesses: three tries, then v2 by itself
never='say ran yes'
tries=("+3 +2-1" "+2-1 +1-2" "+1-2 +0-3")
for i in 0 1 2; do
	b=v3-try$((i + 1))
	read -r before after <<< "${tries[$i]}"
	boot "$b" "$disk" "$vars" "$tpm" "$never"
	booted "$b" v3 "cfsboot-$D3$before.conf"
	vm_expect "$b" "$b: the loader counts this boot in $after" efi_count_path "\\loader\\entries\\cfsboot-$D3$after.conf"
	vm_check "$b" "$b: v3 powered off before bless: no bless, no control script" \
		test -z "$(upd_result "$b" bless_exit)$(upd_result "$b" ran)"
	entries "$b" "cfsboot-$D2.conf" "cfsboot-$D3$after.conf"
done
check "the floor is still 3" test "$(vm_host_floor "$tpm")" = 3

# ---- 3. v2 again, on its own; status shows v3 bad.  4. gc, once v3's
# entry is pruned (bless --keep 1), removes v3's own objects only
obj() { echo "/run/phys/composefs/objects/${1:0:2}/${1:2}"; }
boot fallback "$disk" "$vars" "$tpm" "
cf st status --json
cf text status
cf prune bless --keep 1
cf gc gc
have has_ own3:$(obj "$own3") kernel:$(obj "$kernel_obj") image2:/run/phys/composefs/images/$D2 \
	image3:/run/phys/composefs/images/$D3 boot3:/run/esp/cfsboot/$D3 state3:/run/phys/state/deploy/$D3
cf fsck fsck --store /run/phys/composefs
"
booted fallback v2 "cfsboot-$D2.conf"
vm_expect fallback "fallback: the boot is not counted" efi_count_path none
"upd_${KIND}_blessed" fallback
json fallback st "fallback: status: v3 bad (3 tries used), v2 booted and default, no pending" \
	"assert d['$D3']['bad'] and d['$D3']['tries_done'] == 3, d
assert s['booted'] == '$D2' and s['default'] == '$D2' and s['pending'] is None, s"
vm_check fallback "fallback: status's text says v3 is bad" grep -qx '  tries: bad (3 failed)' <<< "$(out fallback text)"
exit_is fallback prune 0 "fallback: bless --keep 1 prunes v3's entry"
exit_is fallback gc 0 "fallback: cfsboot gc"
vm_expect fallback "fallback: gc removed v3's own object" has_own3 no
vm_expect fallback "fallback: ... v3's image" has_image3 no
vm_expect fallback "fallback: ... v3's boot files" has_boot3 no
vm_expect fallback "fallback: ... v3's state" has_state3 no
vm_expect fallback "fallback: gc kept the kernel v2 shares with v3" has_kernel yes
vm_expect fallback "fallback: gc kept v2's image" has_image2 yes
exit_is fallback fsck 0 "fallback: cfsboot fsck of the store is clean after gc"
entries fallback "cfsboot-$D2.conf"

# ---- 6. power cuts: v3 pulled again and deployed, qemu killed when the
# deploy stopped at STEP (CFSBOOT_FAULT_AT: the state as a cut there leaves
# it); each next boot must be v2's with fsck clean
cut_script() { # STEP
	echo "cf fsck fsck --store /run/phys/composefs
say entries_at_start \"\$(entries)\"
$pull3
sync
export CFSBOOT_FAULT_AT=$1
cf cut deploy $D3
unset CFSBOOT_FAULT_AT
say cut $1
sleep 600"
}
prev=fallback
for step in deploy-kernel deploy-state-rename deploy-entry; do
	b=cut-$step
	boot "$b" "$disk" "$vars" "$tpm" "$(cut_script "$step")" "$dir/repo.img" --until "CFSTEST: cut="
	vm_check "$b" "$b: qemu was killed at the step" test "$RC" -eq 3
	vm_expect "$b" "$b: after $prev, the old default v2 boots" variant v2
	vm_expect "$b" "$b: ... through its entry" efi_entry "cfsboot-$D2.conf"
	exit_is "$b" fsck 0 "$b: ... and fsck of the store is clean"
	exit_is "$b" cut 99 "$b: deploy stopped at $step"
	prev=$b
done
left="boot3:/run/esp/cfsboot/$D3 state3:/run/phys/state/deploy/$D3"
boot after-cuts "$disk" "$vars" "$tpm" "
cf fsck fsck --store /run/phys/composefs
cf st status --json
have before_ $left
cf gc gc
have after_ $left
cf fsck2 fsck --store /run/phys/composefs
"
booted after-cuts v2 "cfsboot-$D2.conf"
exit_is after-cuts fsck 0 "after-cuts: fsck of the store is clean"
json after-cuts st "after-cuts: v2 booted and the default, nothing pending" \
	"assert s['booted'] == '$D2' and s['default'] == '$D2' and s['pending'] is None, s"
vm_expect after-cuts "after-cuts: the cut deploys left v3's boot files" before_boot3 yes
vm_expect after-cuts "after-cuts: ... and its state" before_state3 yes
exit_is after-cuts gc 0 "after-cuts: gc"
vm_expect after-cuts "after-cuts: gc removed v3's boot files" after_boot3 no
vm_expect after-cuts "after-cuts: ... and its state" after_state3 no
exit_is after-cuts fsck2 0 "after-cuts: fsck is clean after it"
entries after-cuts "cfsboot-$D2.conf"

diag "test-update: $((SECONDS - t0)) s in all"
done_testing
