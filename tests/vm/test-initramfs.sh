#!/usr/bin/env bash
# The minimal initramfs (initramfs/mkinitramfs.sh): cfs-pivot as PID 1 on
# the guest's 6.12 kernel boots a signed image from an ext4 disk with
# fs-verity to the image's own /sbin/init, with / an overlayfs with
# verity=require, PCR 15 at the value its measured words predict, a
# measurement log that replays, and the status file; then the attacks it
# must refuse, each a boot on a fresh qcow2 overlay of a disk built once.
# A refused boot must never reach the image's init; an attack on an object
# must make that object's reads fail with EIO while the rest reads; under
# verity = boot-check, an object others could rewrite is refused.  After
# every refusal, PCR 15 as the guest left it, read from the host, is the
# refusal's word extended after what was measured before it: never zero.
. "$(dirname "$0")/lib.sh"
dir=$(scratch)
t0=$SECONDS

vm_kernel > /dev/null || { fail "fetch or find the 6.12 kernel"; done_testing; exit; }

# ---- keys: a trusted root with a signer and a signer to be revoked; an
# untrusted root with a signer of its own
pki=$dir/pki
{
	"$REPO/keys/mkpki.sh" root "$pki/root" --subject "/CN=test root" &&
	"$REPO/keys/mkpki.sh" signer "$pki/signer" --ca "$pki/root" --subject "/CN=test signer" &&
	"$REPO/keys/mkpki.sh" signer "$pki/revoked" --ca "$pki/root" --subject "/CN=revoked signer" &&
	"$REPO/keys/mkpki.sh" root "$pki/other-root" --subject "/CN=untrusted root" &&
	"$REPO/keys/mkpki.sh" signer "$pki/untrusted" --ca "$pki/other-root" --subject "/CN=untrusted signer"
} > "$dir/pki.log" 2>&1 || { sed 's/^/# /' "$dir/pki.log"; fail "make the test PKI"; done_testing; exit; }
FP=$("$REPO/keys/mkpki.sh" fingerprint "$pki/signer/cert.pem")
FP=${FP#spki:}   # the key's SHA-256, as the signer word measures it
echo "$("$REPO/keys/mkpki.sh" fingerprint "$pki/revoked/cert.pem")  # revoked signer" > "$dir/revoked.list"

# ---- the OS and its images: one tree, told apart by /etc/variant (inline
# in the image, so every image shares the same objects)
os=$dir/os
vm_os_tree "$os" || { fail "assemble the OS tree"; done_testing; exit; }
for f in good flip swap plain; do
	head -c 10000 /dev/urandom > "$os/usr/share/payload/$f.bin"
done
store=$dir/disk/composefs
# image VARIANT [--print-digest-only]: the digest of the tree as VARIANT,
# stored unless --print-digest-only.
image() {
	echo "$1" > "$os/etc/variant"
	if [ "${2:-}" = --print-digest-only ]; then
		"$CFSBOOT" mkimage --print-digest-only "$os"
	else
		"$CFSBOOT" mkimage --store "$store" --print-digest "$os" "$dir/$1.cfs" 2>> "$dir/mkimage.log"
	fi
}
# sign KEYDIR VERSION DIGEST
sign() {
	"$CFSBOOT" sign --key "$pki/$1/key.pem" --cert "$pki/$1/cert.pem" --version "$2" \
		--digest "sha256:$3" -o "$store/signatures/$3.sig" > /dev/null
}
mkdir -p "$store/signatures"
{
	D=$(image good) && sign signer 5 "$D" &&
	D_OLD2=$(image old2) && sign signer 2 "$D_OLD2" &&
	D_OLD4=$(image old4) && sign signer 4 "$D_OLD4" &&
	D_UNTRUSTED=$(image untrusted) && sign untrusted 5 "$D_UNTRUSTED" &&
	D_REVOKED=$(image revoked) && sign revoked 5 "$D_REVOKED" &&
	D_UNSIGNED=$(image unsigned) &&
	D_MISSING=$(image missing --print-digest-only) &&
	# images/<D_OTHER> holds the good image's bytes under another image's
	# name, with a valid signature for that name.
	D_OTHER=$(image other --print-digest-only) &&
	cp "$store/images/$D" "$store/images/$D_OTHER" && sign signer 5 "$D_OTHER"
} || { fail "build and sign the images"; done_testing; exit; }

# ---- the disks: the store on ext4, all with one UUID (one is attached
# at a time); swap.img has swap.bin's object replaced by other bytes,
# which get fs-verity; plain.img keeps plain.bin's object without it
object() { # FILE: the object path of FILE's content in the store
	local d
	d=$(fsverity digest --compact "$1") && echo "composefs/objects/${d:0:2}/${d:2}"
}
# Planted offline in the good image's /etc state: a unit with its .wants
# link and ld.so.preload, which the default /etc (etc = transient) leaves out.
planted=$dir/disk/state/deploy/$D/etc/upper
mkdir -p "$planted/systemd/system/multi-user.target.wants"
printf '[Service]\nExecStart=/bin/sh\n' > "$planted/systemd/system/evil.service"
ln -s ../evil.service "$planted/systemd/system/multi-user.target.wants/evil.service"
echo /planted.so > "$planted/ld.so.preload"
UUID=$(cat /proc/sys/kernel/random/uuid)
# Planted as an attacker with the disk would: an init on the physical
# root and in /var's state, and a setuid-root program.
for d in "$dir/disk" "$dir/disk/state/deploy/$D/var"; do
	mkdir -p "$d" && printf '#!/bin/sh\necho "CFSTEST: real_init=evil"\npoweroff -f\n' > "$d/evil" &&
		chmod 755 "$d/evil"
done
printf '#!/bin/sh\nexit 0\n' > "$dir/disk/evil-suid" && chmod 4755 "$dir/disk/evil-suid"
cp -a "$dir/disk" "$dir/disk-swap"
# bootc.img: a store as bootc's composefs backend writes it, of the good
# tree: sha512 (meta.json says fsverity-sha512-12), the image a link to its
# object, signed in the store as a pipeline signs bootc's digest; and the
# deployment's state as bootc lays it out, var a relative link to the var
# deployments share, the origin file beside it.
bootc=$dir/disk-bootc
echo good > "$os/etc/variant"
mkdir -p "$bootc/composefs" &&
	D512=$("$CFSBOOT" mkimage --hash sha512 --store "$bootc/composefs" --print-digest "$os" \
		"$dir/bootc.cfs" 2>> "$dir/mkimage.log") &&
	"$CFSBOOT" sign --key "$pki/signer/key.pem" --cert "$pki/signer/cert.pem" --version 5 \
		--store "$bootc/composefs" --digest "sha512:$D512" > /dev/null ||
	{ fail "build and sign the sha512 image"; done_testing; exit; }
bootc_dep=$bootc/state/deploy/$D512
mkdir -p "$bootc_dep/etc" "$bootc/state/os/default/var/lib" &&
	echo shared > "$bootc/state/os/default/var/lib/bootc-shared" &&
	ln -s ../../os/default/var "$bootc_dep/var" &&
	printf '[origin]\ncontainer-image-reference = ostree-unverified-image:docker://example\n' \
		> "$bootc_dep/$D512.origin"
# The two stores are laid out as composefs-rs lays out its repositories:
# meta.json naming the algorithm, images/<digest> a relative link to the
# image's object, whose name fsverity(1) computes from its bytes.
while read -r alg d st; do
	check "$alg store: meta.json names fsverity-$alg-12" grep -q "\"algorithm\": \"fsverity-$alg-12\"" "$st/meta.json"
	check "$alg store: images/<digest> is a link to ../objects/XX/<rest>" \
		test "$(readlink "$st/images/$d")" = "../objects/${d:0:2}/${d:2}"
	check "$alg store: fsverity digest of the image's object is its name" \
		test "$(fsverity digest --hash-alg="$alg" --compact "$st/objects/${d:0:2}/${d:2}")" = "$d"
done <<< "sha256 $D $store
sha512 $D512 $bootc/composefs"
swap_obj=$(object "$os/usr/share/payload/swap.bin")
head -c 10000 /dev/urandom > "$dir/disk-swap/$swap_obj"
plain_obj=$(object "$os/usr/share/payload/plain.bin")
# exposed.img: plain.bin's object, without fs-verity, also linked outside
# the store and made writable by anyone, as an offline attacker would to
# rewrite it after a boot-check boot.
cp -a "$dir/disk" "$dir/disk-exposed"
mkdir -p "$dir/disk-exposed/var" && ln "$dir/disk-exposed/$plain_obj" "$dir/disk-exposed/var/x" &&
	chmod 0666 "$dir/disk-exposed/$plain_obj"
{
	vm_ext4 "$dir/disk" "$dir/good.img" 64 -U "$UUID" &&
	vm_ext4 "$dir/disk-swap" "$dir/swap.img" 64 -U "$UUID" &&
	vm_ext4 "$dir/disk" "$dir/plain.img" 64 -U "$UUID" &&
	vm_ext4 "$dir/disk-exposed" "$dir/exposed.img" 64 -U "$UUID" &&
	vm_ext4 "$dir/disk-bootc" "$dir/bootc.img" 64 -U "$UUID"
} || { fail "make the ext4 disks"; done_testing; exit; }
vm_verity_disks "$dir/good.img" "$dir/swap.img" "$dir/plain.img:$plain_obj" \
	"$dir/exposed.img:$plain_obj" "$dir/bootc.img"
vm_check provision "fs-verity enabled on the stores (provisioning boot, ${VM_BOOT_SECONDS} s)" test $? -eq 0

# ---- the TPM keeps the anti-rollback floor 5, above the policy's 3
vm_swtpm_commit "$dir/tpm" 5
check "the TPM's anti-rollback floor is 5" grep -q -- '-> 5' "$dir/tpm/commit.out"

# ---- the initramfs under test: the policy of an edge device
cat > "$dir/pivot.conf" <<EOF
tpm = required
min-version = 3
EOF
mkinit() { # OUT POLICY
	"$REPO/initramfs/mkinitramfs.sh" -o "$1" -k "$VM_KVER" -b "$VM_MODROOT" --policy "$2" \
		--trust "$pki/root/cert.pem" --revoked "$dir/revoked.list" -m virtio_blk
}
mkinit "$dir/initrd" "$dir/pivot.conf" > "$dir/mkinit.out" 2>&1
check "initramfs/mkinitramfs.sh builds the initramfs" test -s "$dir/initrd"
# One whose policy names an init on the physical root.
{ cat "$dir/pivot.conf" && echo "init = /sysroot/evil"; } > "$dir/pivot-evil.conf"
mkinit "$dir/initrd-evil" "$dir/pivot-evil.conf" > "$dir/mkinit-evil.out" 2>&1 ||
	sed "s/^/# /" "$dir/mkinit-evil.out"
check "... and one whose policy's init is /sysroot/evil" test -s "$dir/initrd-evil"
sed "s|$dir/||; s/^/# /" "$dir/mkinit.out"

# boot NAME DISK ARGS [--no-tpm]: the minimal initramfs ($INITRD, default
# the one above) on a fresh qcow2
# overlay of DISK with root=UUID= and ARGS on the command line.  A guest
# that halts (a refusal) or powers off is ended there, and its PCR 15 read
# into $dir/NAME.pcrs (vm_swtpm_pcrs).  Sets RC: 3 for a halt, 0 for a
# power-off, else what vm_boot_until returned.
boot() {
	local name=$1 disk=$2 args=$3 tpm=(--tpm "$dir/tpm" --pcr-out "$dir/$1.pcrs")
	[ "${4:-}" = --no-tpm ] && tpm=()
	vm_cow "$disk" "$dir/$name.qcow2" || return 1
	vm_boot_until "$name" 'reboot: (System halted|Power down)' --initrd "${INITRD:-$dir/initrd}" \
		--disk "$dir/$name.qcow2" "${tpm[@]}" --append "root=UUID=$UUID $args"
	RC=$?
	[ "$RC" -eq 3 ] && tr -d '\r' < "$(vm_log "$name")" | grep -q 'reboot: Power down' && RC=0
	diag "$name: ${VM_BOOT_SECONDS} s"
}

sha() { sha256sum < "$os/usr/share/payload/$1" | cut -d' ' -f1; }
# verified BOOT [DIGEST]: the checks of a boot that must reach the image's
# init (DIGEST, by default the good image's) verified, measured and
# enforcing.
verified() {
	local b=$1 d=${2:-$D} fields=$dir/$1.fields alg EXPECTED_PCR
	alg=sha$((${#d} * 4))
	EXPECTED_PCR=$(vm_expected_pcr "$d" "$FP" 5 require)
	vm_check "$b" "$b: the guest powered off from the image's init" test "$RC" -eq 0
	vm_expect "$b" "$b: the image's /sbin/init ran" real_init ran
	vm_expect "$b" "$b: ... as PID 1" init_pid 1
	vm_expect "$b" "$b: / is an overlayfs" root_fstype overlay
	vm_check "$b" "$b: ... with verity=require" grep -q 'verity=require' <<< "$(vm_marker "$b" root_options)"
	vm_expect "$b" "$b: ... read-only" root_writable no
	vm_expect "$b" "$b: the image is what it says it is" os "$(. "$os/etc/os-release" && echo "$PRETTY_NAME")"
	vm_expect "$b" "$b: PCR 15 (sha256) is the value predicted from the measured words" pcr15_sha256 "$EXPECTED_PCR"
	vm_check "$b" "$b: ... and so is PCR 15 read from the host after the power-off" \
		grep -qx "sha256 $EXPECTED_PCR" "$dir/$b.pcrs"
	vm_expect "$b" "$b: nothing planted in the /etc state shows in /etc (the default etc = transient)" etc_planted none
	vm_expect "$b" "$b: cfsboot tpm replay in the guest: the log matches the PCRs" replay_exit 0
	if vm_marker_file "$b" replay "$dir/$b.replay"; then
		vm_check "$b" "$b: ... PCR 15's SHA-256 bank matches" grep -q '^15 sha256 match ' "$dir/$b.replay"
	else
		fail "$b: ... PCR 15's SHA-256 bank matches (no output)"
	fi
	if vm_marker_file "$b" tpmlog "$dir/$b.log"; then
		vm_check "$b" "$b: the log holds the four measured words, in order" test "$(tr '\036' '\n' < "$dir/$b.log" |
			python3 -c 'import json, sys; [print(json.loads(l)["content"]["string"]) for l in sys.stdin if l.strip()]' |
			tr '\n' ' ')" = "composefs-image:$alg:$d composefs-signer:$FP:5 composefs-verity:require composefs-state:etc=transient,keep=1;var=bind "
	else
		fail "$b: the log holds the four measured words, in order (the guest has no log)"
	fi
	if vm_marker_file "$b" status "$dir/$b.status" && vm_status_fields "$dir/$b.status" > "$fields"; then
		local k want
		for k in "result booted" "digest.alg $alg" "digest.value $d" "verity require" \
			"signer CN=test signer" "fingerprint spki:$FP" "version 5" "tpm.present true" \
			"tpm.pcr 15" "tpm.bank.sha256 $EXPECTED_PCR" "tpm.logged true" "tpm.floor 5"; do
			want=${k#* }
			if [ "$(vm_field "$fields" "${k%% *}")" = "$want" ]; then
				ok "$b: status.json: ${k%% *} = $want"
			else
				fail "$b: status.json: ${k%% *} = $want"
				diag "  got '$(vm_field "$fields" "${k%% *}")'"
			fi
		done
	else
		fail "$b: the guest printed a valid /run/cfsboot/status.json"
	fi
}

# refused BOOT CLASS EXIT [CLASS EXIT]: cfs-pivot refused the boot with
# that class (or the other one given), halted, and the image's init never
# ran.
refused() {
	local b=$1 want="$2 $3" also="${4:-} ${5:-}" got
	vm_check "$b" "$b: the guest halted (no panic, no reboot)" test "$RC" -eq 3
	vm_check "$b" "$b: the image's init did not run" test -z "$(vm_marker "$b" real_init)"
	got=$(vm_refusal "$b")
	if [ "$got" = "$want" ] || [ "$got" = "$also" ]; then
		ok "$b: refused ($got)"
	else
		fail "$b: refused ($want${4:+ or $also})"
		diag "  got: $(vm_refusal_line "$b" | cut -c1-300)"
		diag "  $(tr -d '\r' < "$(vm_log "$b")" | grep -a -m1 -o 'Kernel panic.*')"
		vm_keep_log "$b"
	fi
	diag "$b: $(vm_refusal_line "$b" | cut -c1-200)"
}

# marked BOOT WORD...: PCR 15 as BOOT left it is WORD... extended from
# zeros (vm_pcr_marked).  The guest has nothing else that extends PCR 15,
# and it halted, so nothing ran after cfs-pivot.
marked() { vm_pcr_marked "$1" "$dir/$1.pcrs" "${@:2}"; }
mapfile -t WORDS < <(vm_measured_words "$D" "$FP" 5 require)

# ---- the signed image boots
boot good "$dir/good.img" "ro composefs.digest=$D"
verified good
for f in good flip swap plain; do
	vm_expect good "good: /usr/share/payload/$f.bin reads with its content" "read.$f.bin" "$(sha "$f.bin")"
done
diag "good: the image's init ran $(vm_marker good init_uptime) s after the kernel started"
vm_check good "good: /sysroot is ro,nosuid,nodev,noexec" \
	grep -q '^ro,nosuid,nodev,noexec' <<< "$(vm_marker good sysroot_mount)"
vm_expect good "good: a setuid program planted on the physical root does not run through /sysroot" \
	sysroot_suid refused
vm_check good "good: the feature probe left no 'overlayfs: failed to resolve' in the kernel log" \
	test -z "$(tr -d '\r' < "$(vm_log good)" | grep -a 'overlayfs: failed to resolve')"

vm_expect good "good: /'s mount source is composefs:<digest>, where bootc looks for it" \
	root_source "composefs:$D"
# fs-verity keeps the hash it first used until power-off: the initramfs
# loaded the CPU's (TCG's -cpu max has AVX2) before the root was mounted.
vm_check good "good: fs-verity hashes with the CPU's SHA-256, not the generic C" \
	vm_klog good 'fs-verity: sha256 using implementation "sha256-(ni|avx2|avx|ssse3)"'

# ---- bootc's store (sha512) and state layout, named with bootc's composefs= word
boot bootc "$dir/bootc.img" "rw composefs=$D512"
verified bootc "$D512"
vm_expect bootc "bootc: /'s mount source is composefs:<digest> (bootc status)" root_source "composefs:$D512"
vm_expect bootc "bootc: /var is the shared var the deployment's link names" var_shared shared
vm_check bootc "bootc: fs-verity hashes with the CPU's SHA-512, not the generic C" \
	vm_klog bootc 'fs-verity: sha512 using implementation "sha512-(avx2|avx|ssse3)"'

# ---- init= leads into the image only: the real init never runs, nor the
# planted one
boot init-sysroot "$dir/good.img" "ro composefs.digest=$D init=/sysroot/evil"
refused init-sysroot cmdline 3
marked init-sysroot composefs-refused:cmdline
boot init-var "$dir/good.img" "ro composefs.digest=$D init=/var/evil"
refused init-var cmdline 3
marked init-var composefs-refused:cmdline
boot init-missing "$dir/good.img" "ro composefs.digest=$D init=/sbin/no-such-init"
refused init-missing cmdline 3
marked init-missing composefs-refused:cmdline
INITRD=$dir/initrd-evil boot init-policy "$dir/good.img" "ro composefs.digest=$D init=/sysroot/evil"
refused init-policy switch-root 13
# After the measurement: the four words, the init's, then the refusal.
marked init-policy "${WORDS[@]}" composefs-init:/sysroot/evil composefs-refused:switch-root

# ---- a command line that tries to weaken the policy: ignored
weak="cfsboot.verity=insecure-dev cfsboot.signature=off cfsboot.tpm=off cfsboot.min-version=0"
boot weak "$dir/good.img" "ro composefs=?$D $weak"
verified weak
vm_check weak "weak: cfs-pivot said it ignores cfsboot.verity=insecure-dev" \
	vm_klog weak 'ignoring cfsboot.verity=insecure-dev'
boot weak-unsigned "$dir/good.img" "ro composefs.digest=$D_UNSIGNED cfsboot.signature=off"
refused weak-unsigned signature 8
marked weak-unsigned composefs-refused:signature

# ---- attacks on the image and the command line
# One byte of the image's first block (composefs header, EROFS superblock),
# at its place on the disk.
flip_at() { # QCOW2 OFFSET: flips the byte at OFFSET of QCOW2's disk
	local byte
	byte=$(qemu-io -f qcow2 -c "read -v $2 1" "$1" | awk 'NR == 1 { print $2 }')
	qemu-io -f qcow2 -c "write -P $((0x$byte ^ 0xff)) $2 1" "$1" > /dev/null
}
block_of() { # IMG PATH N: the disk block holding block N of PATH
	debugfs -R "bmap /$2 $3" "$1" 2> /dev/null
}
# mkimage --store keeps the image as an object, images/<digest> its link.
image_file=composefs/images/$D
debugfs -R "stat /$image_file" "$dir/good.img" 2> /dev/null | grep -q 'Type: symlink' &&
	image_file=composefs/objects/${D:0:2}/${D:2}
vm_cow "$dir/good.img" "$dir/image-flip.base.qcow2" &&
	flip_at "$dir/image-flip.base.qcow2" $(($(block_of "$dir/good.img" "$image_file" 0) * 4096 + 1100))
boot image-flip "$dir/image-flip.base.qcow2" "ro composefs.digest=$D"
refused image-flip verity 7 mount 11

boot other-digest "$dir/good.img" "ro composefs.digest=$D_OTHER"
refused other-digest digest 6
marked other-digest composefs-refused:digest
boot missing "$dir/good.img" "ro composefs.digest=$D_MISSING"
refused missing store 5
marked missing composefs-refused:store
boot malformed "$dir/good.img" "ro composefs.digest=${D:0:63}"
refused malformed cmdline 3
marked malformed composefs-refused:cmdline
# No image named: the policy has no image line, and the trust anchor in the
# initramfs makes it image = required.
boot no-digest "$dir/good.img" "ro"
refused no-digest no-image 15
marked no-digest composefs-refused:no-image
vm_check no-digest "no-digest: the refusal says the policy requires an image" \
	grep -q 'and the policy requires one (image = required)' <<< "$(vm_refusal_line no-digest)"

# ---- attacks on the signature and the version
boot untrusted "$dir/good.img" "ro composefs.digest=$D_UNTRUSTED"
refused untrusted signature 8
marked untrusted composefs-refused:signature
boot revoked "$dir/good.img" "ro composefs.digest=$D_REVOKED"
refused revoked signature 8
marked revoked composefs-refused:signature
boot old2 "$dir/good.img" "ro composefs.digest=$D_OLD2"
refused old2 rollback 9
marked old2 composefs-refused:rollback
# Version 4 passes the policy's min-version = 3; only the TPM's floor
# (5) stops it.
boot old4 "$dir/good.img" "ro composefs.digest=$D_OLD4"
refused old4 rollback 9
marked old4 composefs-refused:rollback

# ---- the TPM is required: a machine without one does not boot
boot no-tpm "$dir/good.img" "ro composefs.digest=$D" --no-tpm
refused no-tpm tpm 10

# ---- attacks on the objects: the image's init runs, but reading the
# object attacked fails with EIO, and the other files read
# objects OBJECT-ATTACKED CAUGHT-BY-PATTERN
objects() {
	local b=$1 bad=$2 pattern=$3 f want
	vm_check "$b" "$b: the guest powered off from the image's init" test "$RC" -eq 0
	for f in good flip swap plain; do
		want=$(sha "$f.bin")
		[ "$f" = "$bad" ] && want=EIO
		vm_expect "$b" "$b: $f.bin reads as ${want/[0-9a-f]*/its content}" "read.$f.bin" "$want"
	done
	vm_check "$b" "$b: caught by the kernel: $pattern" vm_klog "$b" "$pattern"
}
vm_cow "$dir/good.img" "$dir/object-flip.base.qcow2" &&
	flip_at "$dir/object-flip.base.qcow2" \
		$(($(block_of "$dir/good.img" "$(object "$os/usr/share/payload/flip.bin")" 1) * 4096 + 100))
boot object-flip "$dir/object-flip.base.qcow2" "ro composefs.digest=$D"
objects object-flip flip 'fs-verity \(vda, inode [0-9]+\): FILE CORRUPTED'
boot object-swap "$dir/swap.img" "ro composefs.digest=$D"
objects object-swap swap "overlayfs: lower file '${swap_obj#composefs/objects/??/}' has the wrong fs-verity digest"
boot object-plain "$dir/plain.img" "ro composefs.digest=$D"
objects object-plain plain "overlayfs: lower file '${plain_obj#composefs/objects/??/}' has no fs-verity digest"

# ---- verity = boot-check: nothing checks an object after the switch, so an
# object without fs-verity that others could rewrite is refused before it
printf 'verity = boot-check\n' | cat "$dir/pivot.conf" - > "$dir/pivot-bc.conf"
mkinit "$dir/initrd-bc" "$dir/pivot-bc.conf" > "$dir/mkinit-bc.out" 2>&1
vm_cow "$dir/exposed.img" "$dir/exposed.qcow2" &&
	vm_boot_until exposed 'reboot: System halted' --initrd "$dir/initrd-bc" \
		--disk "$dir/exposed.qcow2" --tpm "$dir/tpm" --pcr-out "$dir/exposed.pcrs" \
		--append "root=UUID=$UUID ro composefs.digest=$D"
RC=$?
diag "exposed: ${VM_BOOT_SECONDS} s"
refused exposed verity 7
marked exposed composefs-refused:verity
vm_check exposed "exposed: the refusal names the object and its second link" \
	grep -q "${plain_obj#composefs/objects/} (nid [0-9]*): it has 2 hard links" <<< "$(vm_refusal_line exposed)"

diag "test-initramfs: $((SECONDS - t0)) s in all"
done_testing
