#!/usr/bin/env bash
# The dracut module (dracut-module/90cfsboot) in real boots.  This machine's
# dracut makes two initramfs images for the guest kernel with the module:
# one with systemd (cfsboot-pivot.service) and one without (the pre-pivot
# hook), both with a policy that requires an image (the default with trust
# anchors, docs/threat-model.md); and the same two with image = optional.
# One ext4 disk holds a store with two signed images: a minimal busybox
# system and a Debian system with systemd.  The boots, each on a
# copy-on-write copy of that disk, with a TPM:
#   systemd initrd -> minimal image; plain initrd -> minimal image;
#   systemd initrd -> Debian image, up to multi-user.target;
#   systemd initrd -> the minimal image on a second disk laid out as bootc's
#   composefs backend lays it out (a sha512 store, bootc's state);
#   a digest naming no image, and no digest at all: refused, the emergency
#   hook powers off instead of giving a shell, the real init never runs;
#   each word that would skip, stop or replace cfs-pivot (rd.systemd.mask=,
#   rd.systemd.unit=, rd.break, rd.shell, init=) with the genuine digest:
#   refused by the generator (systemd) or the cmdline hook (without), or
#   powered off by the emergency hook (rd.break=cmdline), no shell;
# and the initrds with image = optional and no image named, on a disk
# holding the minimal tree itself, which boots as it is.  After those and
# after the refusals of cfs-pivot, PCR 15 as the guest left it, read from
# the host, is the word cfs-pivot ended with: never zero.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/debian-tree.sh"
dir=$(scratch)
G=$VM_GUEST_SRC/dracut

vm_kernel > /dev/null || { fail "fetch or find the 6.12 kernel"; done_testing; exit; }
command -v dracut > /dev/null ||
	{ fail "dracut is installed (dracut-core, scripts/install-deps.sh)"; done_testing; exit; }
t0=$SECONDS

# ---------------------------------------------------------------- images

# The minimal image (vm_dracut_tree).
mini=$dir/mini
vm_dracut_tree "$mini" || { fail "assemble the minimal image"; done_testing; exit; }

# The Debian image: the Debian tree with systemd (tests/vm/debian-tree.sh),
# made once and cached, plus the unit that reports once multi-user.target
# is reached.
vm_debian_tree || { fail "debootstrap a Debian tree with systemd"; done_testing; exit; }
deb=$dir/debian
cp -a "$VM_DEBIAN_TREE" "$deb" && mkdir -p "$deb/sysroot" "$deb/usr/lib/cfstest" &&
	install -m 755 "$G/report.sh" "$deb/usr/lib/cfstest/report.sh" &&
	install -m 644 "$G/cfstest-report.service" "$deb/etc/systemd/system/" &&
	ln -s ../cfstest-report.service "$deb/etc/systemd/system/multi-user.target.wants/" ||
	{ fail "assemble the Debian image"; done_testing; exit; }

# Both in one store, signed by a key that chains to the trust anchor the
# module puts into the initramfs.  dracut without systemd takes a root only
# if it has /proc, /sys and /dev (usable_root), before any pre-pivot hook
# runs: the physical root has them.
disk=$dir/disk pki=$dir/pki
mkdir -p "$disk"/{proc,sys,dev}
DM=$("$CFSBOOT" mkimage --store "$disk/composefs" --print-digest "$mini" "$dir/mini.cfs" 2> "$dir/mkimage.log") &&
	DD=$("$CFSBOOT" mkimage --store "$disk/composefs" --print-digest "$deb" "$dir/debian.cfs" 2>> "$dir/mkimage.log") ||
	{ fail "mkimage --store"; sed 's/^/# /' "$dir/mkimage.log"; done_testing; exit; }
rm -rf "$deb"
"$REPO/keys/mkpki.sh" root "$pki/root" > /dev/null &&
	"$REPO/keys/mkpki.sh" intermediate "$pki/int" --ca "$pki/root" > /dev/null &&
	"$REPO/keys/mkpki.sh" signer "$pki/sig" --ca "$pki/int" > /dev/null ||
	{ fail "keys/mkpki.sh makes a PKI"; done_testing; exit; }
for d in "$DM" "$DD"; do
	"$CFSBOOT" sign --key "$pki/sig/key.pem" --cert "$pki/sig/cert.pem" --chain "$pki/sig/chain.pem" \
		--version 3 --store "$disk/composefs" --digest "sha256:$d" > /dev/null ||
		{ fail "sign the images"; done_testing; exit; }
done
check "the store is composefs-rs's layout: meta.json names fsverity-sha256-12" \
	grep -q '"algorithm": "fsverity-sha256-12"' "$disk/composefs/meta.json"
check "... and images/<digest> is a relative link to its object" \
	test "$(readlink "$disk/composefs/images/$DM")" = "../objects/${DM:0:2}/${DM:2}"
size=$(du -sm "$disk" | cut -f1)
vm_ext4 "$disk" "$dir/store.img" $((size * 5 / 4 + 64)) || { fail "make the store disk"; done_testing; exit; }
rm -rf "$disk"
diag "images: minimal $DM, Debian $DD; disk ${size} MiB of files ($((SECONDS - t0)) s)"

# The disk of a bootc system: the minimal image in a sha512 store, as
# bootc's composefs backend keeps it (meta.json fsverity-sha512-12, the
# image a link to its object), signed by its sha512 digest, and the
# deployment's state as bootc lays it out: etc, var a relative link to the
# var deployments share, and the origin file.
bdisk=$dir/bootc-disk
mkdir -p "$bdisk"/{proc,sys,dev} &&
	D5=$("$CFSBOOT" mkimage --hash sha512 --store "$bdisk/composefs" --print-digest "$mini" \
		"$dir/mini512.cfs" 2>> "$dir/mkimage.log") &&
	"$CFSBOOT" sign --key "$pki/sig/key.pem" --cert "$pki/sig/cert.pem" --chain "$pki/sig/chain.pem" \
		--version 3 --store "$bdisk/composefs" --digest "sha512:$D5" > /dev/null &&
	dep=$bdisk/state/deploy/$D5 && mkdir -p "$dep/etc" "$bdisk/state/os/default/var/lib" &&
	echo shared > "$bdisk/state/os/default/var/lib/bootc-shared" &&
	ln -s ../../os/default/var "$dep/var" &&
	printf '[origin]\ncontainer-image-reference = ostree-unverified-image:docker://example\n' > "$dep/$D5.origin" &&
	vm_ext4 "$bdisk" "$dir/bootc.img" 64 || { fail "make the bootc disk"; done_testing; exit; }
check "bootc disk: meta.json names fsverity-sha512-12" \
	grep -q '"algorithm": "fsverity-sha512-12"' "$bdisk/composefs/meta.json"
check "bootc disk: images/<digest> is a link to the object fsverity(1) names with sha512" test \
	"$(fsverity digest --hash-alg=sha512 --compact "$bdisk/composefs/images/$D5")" = "$D5" -a \
	"$(readlink "$bdisk/composefs/images/$D5")" = "../objects/${D5:0:2}/${D5:2}"

# fs-verity on the store, by the guest kernel (the host's has none): one
# provisioning boot; the dracut boots use copies of the result.
t1=$SECONDS
vm_verity_disks "$dir/store.img" "$dir/bootc.img"
vm_check provision "the guest enables fs-verity on the stores (sha256, and sha512 on the bootc disk)" test $? -eq 0
diag "provisioning: $((SECONDS - t1)) s"

# ---------------------------------------------------------------- initramfs

# What /etc/cfsboot holds on a host that uses the module: the policy (the
# defaults, with signatures required, and so an image: the initramfs
# carries a trust anchor) and the trust anchor.  The open variant allows a
# command line that names no image (image = optional).
conf=$dir/etc-cfsboot open=$dir/etc-cfsboot-open
mkdir -p "$conf/trust.d" "$open/trust.d"
printf '# cfsboot VM test\nsignature = required\n' > "$conf/pivot.conf"
printf '# cfsboot VM test: no image named boots the physical root\nimage = optional\n' \
	> "$open/pivot.conf"
cp "$pki/root/cert.pem" "$conf/trust.d/root.pem"
cp "$pki/root/cert.pem" "$open/trust.d/root.pem"
export cfsboot_pivot=$CFS_PIVOT

# initrds SUFFIX CONFDIR: the systemd initrd and the plain one with
# /etc/cfsboot from CONFDIR.
initrds() {
	cfsboot_confdir=$2 vm_dracut "$dir/initrd-systemd$1" \
		-m "systemd-initrd dracut-systemd rootfs-block cfsboot" --drivers "virtio_blk ext4"
	vm_check initrd "dracut makes a systemd initramfs with the module${1:+ ($1)}" \
		test -s "$dir/initrd-systemd$1"
	cfsboot_confdir=$2 vm_dracut "$dir/initrd-plain$1" -m "rootfs-block cfsboot" \
		-o "systemd systemd-initrd dracut-systemd" --drivers "virtio_blk ext4"
	vm_check initrd "dracut makes an initramfs without systemd with the module${1:+ ($1)}" \
		test -s "$dir/initrd-plain$1"
}
t1=$SECONDS
initrds "" "$conf"
initrds -open "$open"
diag "dracut: $((SECONDS - t1)) s for all four"

# contents IMAGE: the paths in IMAGE, one per line.
contents() {
	lsinitrd "$1" 2> /dev/null | awk 'NF >= 9 && $1 ~ /^[-dlcbps][-r][-w]/ { print $9 }'
}
contents "$dir/initrd-systemd" > "$dir/list-systemd"
contents "$dir/initrd-plain" > "$dir/list-plain"
# has LIST PATH...: every PATH is in LIST.  lacks LIST REGEX: no path matches.
has() {
	local list=$1 p
	shift
	for p; do grep -qxF "$p" "$list" || { echo "missing: $p"; return 1; }; done
}
lacks() { ! grep -E "$2" "$1"; }
mods=usr/lib/modules/$VM_KVER/kernel
for kind in systemd plain; do
	check "$kind: cfs-pivot, the policy and the trust anchor are in it" has "$dir/list-$kind" \
		usr/bin/cfs-pivot etc/cfsboot/pivot.conf etc/cfsboot/trust.d/root.pem
	check "$kind: erofs, overlay and loop are in it" has "$dir/list-$kind" \
		"$mods/fs/erofs/erofs.ko.xz" "$mods/fs/overlayfs/overlay.ko.xz" "$mods/drivers/block/loop.ko.xz"
	check "$kind: the emergency hooks and the lock-down's helpers" has "$dir/list-$kind" \
		usr/lib/dracut/hooks/emergency/00-cfsboot-emergency.sh \
		usr/lib/dracut/hooks/shutdown-emergency/00-cfsboot-emergency.sh \
		usr/lib/cfsboot/cfsboot-lib.sh usr/bin/sync usr/bin/sleep
	check "$kind: modules-load.d names erofs and overlay, loaded beside udev" sh -c \
		"lsinitrd -f usr/lib/modules-load.d/cfsboot.conf '$dir/initrd-$kind' |
			cmp - '$REPO/dracut-module/90cfsboot/cfsboot-modules.conf'"
	check "$kind: the CPU's SHA-256 and SHA-512 are in it (this kernel's are x86's)" has "$dir/list-$kind" \
		"$mods/arch/x86/crypto/sha256-ssse3.ko.xz" "$mods/arch/x86/crypto/sha512-ssse3.ko.xz"
	check "$kind: modules-load.d lists them, and no arm64 name this kernel lacks" test \
		"$(lsinitrd -f usr/lib/modules-load.d/cfsboot-hash.conf "$dir/initrd-$kind" | tr '\n' ' ')" = \
		'sha256_ssse3 sha512_ssse3 '
done
check "systemd: the unit, required by initrd-root-fs.target, and the generator" has "$dir/list-systemd" \
	usr/lib/systemd/system/cfsboot-pivot.service \
	etc/systemd/system/initrd-root-fs.target.requires/cfsboot-pivot.service \
	usr/lib/systemd/system-generators/cfsboot-generator
check "systemd: the unit runs whatever the command line says" \
	sh -c "! lsinitrd -f usr/lib/systemd/system/cfsboot-pivot.service '$dir/initrd-systemd' |
		grep -q '^Condition'"
check "systemd: no hook but the emergency hooks" lacks "$dir/list-systemd" 'hooks/(cmdline|pre-trigger|pre-pivot)/.*cfsboot'
check "plain: the cmdline, pre-trigger and pre-pivot hooks" has "$dir/list-plain" \
	usr/lib/dracut/hooks/cmdline/00-cfsboot-cmdline.sh usr/lib/dracut/hooks/pre-trigger/10-cfsboot-modules.sh \
	usr/lib/dracut/hooks/pre-pivot/10-cfsboot-pivot.sh
check "plain: no systemd, no unit, no generator" lacks "$dir/list-plain" \
	'lib/systemd/systemd$|cfsboot-pivot\.service|cfsboot-generator'

# The module refuses to build what could not boot.  try_build DIR [PIVOT]:
# dracut with the module, /etc/cfsboot taken from DIR and cfs-pivot from
# PIVOT, no kernel; prints dracut's output when it fails.
try_build() {
	cfsboot_confdir=$1 cfsboot_pivot=${2:-$CFS_PIVOT} \
		vm_dracut "$dir/try-initrd" -m "base cfsboot" --no-kernel ||
		{ cat "$dir/try-initrd.log"; return 1; }
}
mkdir -p "$dir/bad/trust.d" "$dir/notrust"
printf 'verity = sometimes\n' > "$dir/bad/pivot.conf"
cp "$pki/root/cert.pem" "$dir/bad/trust.d/"
check_fails "a policy cfs-pivot refuses fails the build, naming the line" nonzero \
	'cfsboot: the policy is refused: .*/bad/pivot.conf:1: verity = "sometimes" is not a valid value' \
	try_build "$dir/bad"
check_fails "no trust anchors while signatures are checked fails the build" nonzero \
	'no trust anchors in .*/notrust/trust.d, but the policy checks signatures' \
	try_build "$dir/notrust"
check_fails "without cfs-pivot the module cannot be added" nonzero \
	"dracut module 'cfsboot' will not be installed, because cfs-pivot was not found" \
	try_build "$conf" /nonexistent

# ---------------------------------------------------------------- boots

# boot NAME INITRD TIMEOUT COMMAND-LINE...: a boot on a copy of the store
# disk ($DISK, by default store.img), with a TPM; its time goes to the
# summary.
times=()
boot() {
	local name=$1 initrd=$2 timeout=$3
	shift 3
	vm_cow "${DISK:-$dir/store.img}" "$dir/$name.qcow2" || return 1
	vm_boot "$name" --initrd "$initrd" --disk "$dir/$name.qcow2" --tpm "$dir/tpm-$name" \
		--timeout "$timeout" --append "root=/dev/vda rootfstype=ext4 rw $*"
	local rc=$? init
	init=$(vm_marker "$name" uptime)
	times+=("$name ${VM_BOOT_SECONDS}s${init:+, the report at ${init}s of uptime}")
	return $rc
}

# booted NAME DIGEST INIT: the boot reached INIT, the real init, in the
# verified image DIGEST.
booted() {
	local name=$1 digest=$2 init=$3
	vm_expect "$name" "$name: the real init runs" init "$init"
	vm_expect "$name" "$name: / is the composefs overlay" root.fstype overlay
	vm_expect "$name" "$name: ... whose source is composefs:<digest> (what bootc status reads)" \
		root.source "composefs:$digest"
	vm_expect "$name" "$name: with verity=require" root.verity require
	vm_expect "$name" "$name: / is read-only" root.write refused
	vm_expect "$name" "$name: /etc is writable" etc.write ok
	vm_expect "$name" "$name: the physical root is at /sysroot" sysroot "physical root"
	vm_expect "$name" "$name: the status says booted" status.result booted
	vm_expect "$name" "$name: the status names the image" status.digest "$digest"
	vm_expect "$name" "$name: the status says verity require" status.verity require
	vm_expect "$name" "$name: the signature was verified" status.signer "CN=cfsboot image signing"
	vm_expect "$name" "$name: the TPM was there to measure" status.tpm true
}

# hashed_with NAME ALG: the implementation fs-verity said it hashes ALG with
# in boot NAME; it keeps the first until power-off, so the module loaded
# the CPU's (TCG's -cpu max has AVX2) before the root was mounted.
hashed_with() {
	tr -d '\r' < "$(vm_log "$1")" | grep -aoE "fs-verity: $2 using implementation \"[^\"]*\"" |
		sed 's/.*"\(.*\)"/\1/'
}
cpu_hash() { # NAME ALG
	vm_check "$1" "$1: fs-verity hashes with the CPU's ${2^^}, not the generic C ($(hashed_with "$1" "$2"))" \
		grep -qE "^$2-(ni|avx2|avx|ssse3)\$" <<< "$(hashed_with "$1" "$2")"
}

boot systemd-minimal "$dir/initrd-systemd" 180 "composefs.digest=$DM"
vm_check systemd-minimal "systemd initrd, minimal image: boots and powers off" test $? -eq 0
booted systemd-minimal "$DM" init
cpu_hash systemd-minimal sha256

boot plain-minimal "$dir/initrd-plain" 180 "composefs=$DM"
vm_check plain-minimal "initrd without systemd, minimal image: boots and powers off" test $? -eq 0
booted plain-minimal "$DM" init
cpu_hash plain-minimal sha256

# bootc's disk, named by bootc's composefs= word with the sha512 digest.
DISK=$dir/bootc.img boot systemd-bootc "$dir/initrd-systemd" 180 "composefs=$D5"
vm_check systemd-bootc "systemd initrd, bootc's sha512 store and state: boots and powers off" test $? -eq 0
booted systemd-bootc "$D5" init
cpu_hash systemd-bootc sha512
vm_expect systemd-bootc "systemd-bootc: /var is the shared var the deployment's link names" var.shared shared

boot systemd-debian "$dir/initrd-systemd" 420 "composefs.digest=$DD"
vm_check systemd-debian "systemd initrd, Debian image: boots and powers off" test $? -eq 0
booted systemd-debian "$DD" systemd
vm_expect systemd-debian "systemd-debian: multi-user.target is reached" multi-user active
vm_expect systemd-debian "systemd-debian: no unit failed" failed-units ""

# console NAME: the serial log of boot NAME without carriage returns and
# colours.  in_order NAME ERE...: it has lines matching each ERE, in order.
console() { tr -d '\r' < "$(vm_log "$1")" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g'; }
in_order() {
	local log p at=0 n
	log=$(console "$1")
	shift
	for p; do
		n=$(tail -n +"$((at + 1))" <<< "$log" | grep -n -m 1 -E -- "$p" | cut -d: -f1)
		[ -n "$n" ] || { echo "no line after line $at matches: $p"; return 1; }
		at=$((at + n))
	done
}
# no_shell NAME: the console of boot NAME shows none of the ways dracut and
# systemd offer a shell.
no_shell() {
	! console "$1" | grep -E 'Dropping to debug shell|Entering emergency mode|Press Enter for maintenance|root password for maintenance|[a-z_-]+:/# '
}

# The minimal tree itself as a physical root: its /sbin/init reports.
vm_ext4 "$mini" "$dir/plain-root.img" 64 || fail "make the plain root disk"

# until_off NAME VM_BOOT-OPTIONS...: a boot with a TPM, ended when the
# guest powers off, with PCR 15 as it left it in $dir/NAME.pcrs
# (vm_boot_until --pcr-out).  Sets VM_RC: 0 when it powered off.
until_off() {
	local name=$1
	shift
	vm_boot_until "$name" 'reboot: Power down' "$@" --tpm "$dir/tpm-$name" --pcr-out "$dir/$name.pcrs"
	VM_RC=$?
	[ "$VM_RC" -eq 3 ] && VM_RC=0
}

# No image named, image = optional: cfs-pivot runs (the unit has no
# condition any more), has nothing to do, and the physical root boots as
# it is, after cfs-pivot marked PCR 15 (composefs-image:none).
for kind in systemd plain; do
	vm_cow "$dir/plain-root.img" "$dir/$kind-none.qcow2" &&
		until_off "$kind-none" --initrd "$dir/initrd-$kind-open" --disk "$dir/$kind-none.qcow2" \
			--timeout 180 --append "root=/dev/vda rootfstype=ext4 rw"
	vm_check "$kind-none" "$kind initrd, image = optional, no image named: boots the physical root" \
		test "$VM_RC" -eq 0
	times+=("$kind-none ${VM_BOOT_SECONDS}s, the report at $(vm_marker "$kind-none" uptime)s of uptime")
	vm_expect "$kind-none" "$kind-none: the real init runs" init init
	vm_expect "$kind-none" "$kind-none: / is the physical root" root.fstype ext4
	vm_check "$kind-none" "$kind-none: cfs-pivot ran and had nothing to do" \
		in_order "$kind-none" "cfs-pivot: the kernel command line names no composefs image, and the policy allows that"
	vm_check "$kind-none" "$kind-none: cfs-pivot wrote no status" \
		test -z "$(vm_marker "$kind-none" status.result)"
	vm_pcr_marked "$kind-none" "$dir/$kind-none.pcrs" composefs-image:none
done

# powered_off NAME WHAT ERE...: boot NAME powered off after its console
# showed lines matching each ERE in order, offered no shell, and the real
# init never ran.
powered_off() {
	local name=$1 what=$2 rc=$VM_RC
	shift 2
	vm_check "$name" "$what: powers off" test "$rc" -eq 0
	vm_check "$name" "$name: the refusal, then the power-off" in_order "$name" "$@"
	vm_check "$name" "$name: no shell is offered" no_shell "$name"
	vm_expect "$name" "$name: the real init never runs" init ""
}
# locked NAME INITRD DISK WORDS: a boot with WORDS on the command line.
locked() {
	local name=$1 initrd=$2 disk=$3
	vm_cow "$disk" "$dir/$name.qcow2" &&
		until_off "$name" --initrd "$initrd" --disk "$dir/$name.qcow2" \
			--timeout 180 --append "root=/dev/vda rootfstype=ext4 rw $4"
	times+=("$name ${VM_BOOT_SECONDS}s to the power-off")
}
hook_off="cfsboot: the boot failed, and the policy requires a verified image \(image = required\): no shell: powering off"
check_off="cfsboot: cfs-pivot refused the kernel command line: powering off"

# No image named, image = required: refused with its own class; the
# emergency hook powers off, as it does for any refusal under this policy.
no_image="cfs-pivot: the kernel command line names no image \(composefs.digest=\), and the policy requires one \(image = required\)"
locked systemd-nodigest "$dir/initrd-systemd" "$dir/plain-root.img" ""
powered_off systemd-nodigest "systemd initrd, image = required, no image named" "$no_image" \
	"FAILED\] Failed to start cfsboot-pi" "$hook_off"
vm_pcr_marked systemd-nodigest "$dir/systemd-nodigest.pcrs" composefs-refused:no-image
locked plain-nodigest "$dir/initrd-plain" "$dir/plain-root.img" ""
powered_off plain-nodigest "initrd without systemd, image = required, no image named" "$no_image" \
	"dracut: FATAL: cfs-pivot refused to boot \(exit 15\): the kernel command line names no image" \
	"$hook_off"
vm_pcr_marked plain-nodigest "$dir/plain-nodigest.pcrs" composefs-refused:no-image

# A digest that names no image in the store.
wrong=$(printf '%s' "$DM" | tr 0-9a-f 1-9a-f0)
reason="cfs-pivot: the image /sysroot/composefs/images/$wrong does not exist"

# systemd: the unit fails, the emergency target starts, and its service
# (dracut-emergency) sources the emergency hook before any shell, or with
# rd.shell=0 (allowed: it gives no shell) the shutdown-emergency hook.
locked systemd-refused "$dir/initrd-systemd" "$dir/store.img" "composefs.digest=$wrong rd.shell=0"
powered_off systemd-refused "systemd initrd, wrong digest" "$reason" "FAILED\] Failed to start cfsboot-pi" \
	"Dependency failed for .*Initrd Root File System" "Reached target .*Emergency Mode" "$hook_off"
vm_pcr_marked systemd-refused "$dir/systemd-refused.pcrs" composefs-refused:store

# Without systemd: die, whose exit leads to dracut's emergency shell, which
# sources the emergency hook first.
locked plain-refused "$dir/initrd-plain" "$dir/store.img" "composefs.digest=$wrong"
powered_off plain-refused "initrd without systemd, wrong digest" "$reason" \
	"dracut: FATAL: cfs-pivot refused to boot \(exit 5\): the image /sysroot/composefs/images/$wrong does not exist" \
	"dracut: Refusing to continue" "$hook_off"
vm_pcr_marked plain-refused "$dir/plain-refused.pcrs" composefs-refused:store

# The words of the initramfs that would skip, stop or replace cfs-pivot,
# each with the genuine digest: the generator (systemd) refuses them before
# any unit starts, the cmdline hook (without systemd) before any break
# point; rd.break=cmdline, the break point before that hook, reaches the
# emergency hook.
# word KIND NAME WORD [ERE]: a boot with WORD; ERE is the power-off line.
word() {
	local kind=$1 name=$2 w=$3 off=${4:-$check_off}
	locked "$kind-$name" "$dir/initrd-$kind" "$dir/store.img" "composefs.digest=$DM $w"
	powered_off "$kind-$name" "$kind initrd, image = required, $w" \
		"cfs-pivot: refusing \"$w\" on the kernel command line" "$off"
	# cfs-pivot --check-cmdline marks the refusal: from the generator or the
	# cmdline hook, or for rd.break=cmdline (a break before the cmdline
	# hook) from the emergency hook.
	vm_pcr_marked "$kind-$name" "$dir/$kind-$name.pcrs" composefs-refused:cmdline
	# systemd's status line, "Starting cfsboot-pivot.ser… - Verify…".
	[ "$kind" = systemd ] && [ "$off" = "$check_off" ] &&
		vm_check "$kind-$name" "$kind-$name: refused before cfsboot-pivot.service could start" \
			sh -c "! grep -aqE 'Starting .*cfsboot-pi' '$(vm_log "$kind-$name")'"
}
word systemd mask "rd.systemd.mask=cfsboot-pivot.service"
word systemd unit "rd.systemd.unit=emergency.target"
word systemd break "rd.break=pre-pivot"
word systemd init "init=/sysroot/evil"
word plain break "rd.break=pre-pivot"
word plain shell "rd.shell"
word plain init "init=/sysroot/evil"
word plain break-cmdline "rd.break=cmdline" "$hook_off"

for t in "${times[@]}"; do diag "boot $t"; done
diag "total: $((SECONDS - t0)) s"
done_testing
