#!/usr/bin/env bash
# cfs-pivot's boot sequence on the host kernel, in a private mount
# namespace: a store on a fake physical root, the composed tree put in its
# place and compared with the source, every /etc and /var mode, the kernel
# fallbacks (--avoid), verity = boot-check (and its sealed image, which a
# rewrite of the file after the boot does not reach), signatures, and every refusal
# with its exit code, its message, a "refused" status and nothing left
# behind.  The host kernel has no fs-verity, so most cases use
# verity = insecure-dev and check that the status says INSECURE; what needs
# fs-verity is the VM tier's.
. "$(dirname "$0")/../lib.sh"
private_mount_ns "cfs-pivot mounts need root" "$@"

S=$(scratch)
# Mounts under the scratch directory go before it is removed.
cleanup() {
	unmount_scratch
	rm -rf "$S"
}
trap cleanup EXIT

# ---- the image: etc, var and sysroot, and the edge cases of mkimage's tests
SRC=$S/src
mkdir -p "$SRC/etc/sub" "$SRC/var/lib" "$SRC/sysroot"
echo cfsboot-test > "$SRC/etc/hostname"
printf 'NAME="cfsboot test image"\nID=cfsboot\nPRETTY_NAME="a line long enough to be stored as an object"\n' \
	> "$SRC/etc/os-release"
echo nested > "$SRC/etc/sub/file"
ln -s os-release "$SRC/etc/link"
echo "the image's own /var" > "$SRC/var/lib/image-var"
python3 "$TESTS_DIR/host/mkimage-tree.py" "$SRC/data" --no-sparse
D=$("$CFSBOOT" mkimage --store "$S/store" --print-digest "$SRC" "$S/image.cfs" 2>/dev/null)
[ ${#D} -eq 64 ] || { fail "mkimage --store builds the image"; done_testing; exit; }
# The objects the image references (the image itself is one of the store's
# objects too, linked from images/).
N_OBJECTS=$(find "$S/store/objects" -type f ! -path "*/${D:0:2}/${D:2}" | wc -l)
# The physical roots are directories of the scratch file system.  EROFS
# mounts a file directly where that file system can back it (not tmpfs).
PHYS_FS=$(findmnt -n -o FSTYPE --target "$S")
EROFS_PATH=erofs:file
[ "$PHYS_FS" = tmpfs ] && EROFS_PATH=erofs:loop

# tpm = off in every policy: a boot here must never measure into the host's
# own TPM, if it has one (tests/host/pivot-measure.sh measures into swtpm).
INSECURE='verity = insecure-dev
signature = off
tpm = off'

. "$TESTS_DIR/host/pivot-lib.bash"

# ---- a boot: the tree, read-only, the physical root inside, /etc and /var
# etc = overlay (unverified state, asked for) and var = bind.
OVERLAY="$INSECURE
etc = overlay"
physroot ok
# Planted on the physical root and in /var's state: a setuid-root program
# and a device node (/dev/zero's: readable wherever devices are allowed).
plant() {
	local d
	for d in "$S/$1" "$S/$1/state/deploy/$D/var"; do
		mkdir -p "$d" && install -m 4755 "$(command -v id)" "$d/evil-suid" &&
			mknod "$d/evil-dev" c 1 5 || return 1
	done
}
check "a setuid program and a device node planted on the physical root and in /var" plant ok
check "boot (etc = overlay, var = bind)" pivot ok "ro composefs.digest=$D quiet" "$OVERLAY"
check "the status says booted" test "$(status ok 's["result"]')" = booted
check "the status says INSECURE for insecure-dev" test "$(status ok 's["verity"]')" = INSECURE
check "the status names the digest" test "$(status ok 's["digest"]["value"]')" = "$D"
check "kernel paths: computed image digest, $EROFS_PATH, lowerdir+, no verity, detached layers" \
	test "$(status ok '" ".join(s["kernel_paths"])')" = \
	"image:computed $EROFS_PATH overlay:lowerdir+ verity:none layers:detached"
check "phases in order" test "$(status ok '" ".join(p["name"] for p in s["phases"])')" = \
	"cmdline policy store digest probe image-config mount state attach"
check "the composed tree is at the sysroot" test "$(mounts_at ok)" = overlay
# bootc finds the booted deployment by the root's source (bootc status).
check "the composed root's source is composefs:<digest>, as bootc reads it from mountinfo" \
	test "$(awk -v p="$S/ok" '$5 == p { for (i = 7; $i != "-"; i++); print $(i + 2) }' \
		/proc/self/mountinfo)" = "composefs:$D"
check "the tree equals the source (content, modes, owners, xattrs, links, devices)" \
	python3 "$TESTS_DIR/host/mkimage-compare.py" "$SRC/data" "$S/ok/data"
check "/etc shows the image's files" cmp "$SRC/etc/os-release" "$S/ok/etc/os-release"
check "/etc keeps the image's symlinks" test "$(readlink "$S/ok/etc/link")" = os-release
check_fails "the root is read-only" 1 'Read-only file system' touch "$S/ok/new-file"
check "the physical root is reachable at /sysroot" test -f "$S/ok/sysroot/composefs/images/$D"
check_fails "/sysroot is read-only" 1 'Read-only file system' touch "$S/ok/sysroot/x"
check "/sysroot is ro, nosuid, nodev and noexec" has_options "$S/ok/sysroot" ro nosuid nodev noexec
check "/var is nosuid and nodev" has_options "$S/ok/var" rw nosuid nodev
check "/etc is nosuid and nodev" has_options "$S/ok/etc" rw nosuid nodev
check_fails "a program planted on the physical root does not run through /sysroot" nonzero \
	'Permission denied' "$S/ok/sysroot/evil-suid"
check_fails "a device node planted on the physical root cannot be opened through /sysroot" nonzero \
	'Permission denied' head -c 1 "$S/ok/sysroot/evil-dev"
check_fails "nor one planted in /var's state through /var" nonzero 'Permission denied' \
	head -c 1 "$S/ok/var/evil-dev"
check "writing /etc works" sh -c "echo changed > '$S/ok/etc/hostname' && echo new > '$S/ok/etc/new'"
DEPLOY=$S/ok/sysroot/state/deploy/$D
check "a new /etc file lands in the deployment's etc/upper" cmp "$DEPLOY/etc/upper/new" "$S/ok/etc/new"
check "a changed /etc file is copied up" grep -qx changed "$DEPLOY/etc/upper/hostname"
check "/var is the deployment's: what was put there, nothing else" \
	test "$(ls -A "$S/ok/var" | tr '\n' ' ')" = "evil-dev evil-suid "
check "writing /var lands in the deployment's var" sh -c "echo v > '$S/ok/var/x' && test -f '$DEPLOY/var/x'"
check "state directories: root-owned, 0755, work 0700" test "$(stat -c '%U %a %n' \
	"$DEPLOY" "$DEPLOY/etc" "$DEPLOY/etc/upper" "$DEPLOY/etc/work" "$DEPLOY/var" | sed "s|$DEPLOY||")" = \
	"root 755 
root 755 /etc
root 755 /etc/upper
root 700 /etc/work
root 755 /var"
check "the kernel log names the boot and how it was verified" \
	sh -c "dmesg 2>/dev/null | grep -q 'cfs-pivot: booted composefs image sha256:$D .*INSECURE' || ! dmesg >/dev/null 2>&1"
unmounted ok
echo planted > "$S/ok/state/deploy/$D/etc/upper/ld.so.preload"
check "second boot of the same deployment" pivot ok "composefs.digest=$D" "$OVERLAY"
check "/etc changes persist across boots" grep -qx changed "$S/ok/etc/hostname"
check "/var persists across boots" test -f "$S/ok/var/x"
check "etc = overlay: a file planted offline in etc/upper is in /etc (unverified, as documented)" \
	grep -qx planted "$S/ok/etc/ld.so.preload"
unmounted ok

# ---- the default /etc: the image's, with etc-keep's files from the state
physroot keep
KEEP=$S/keep/state/deploy/$D/etc/upper
mkdir -p "$KEEP/systemd/system/multi-user.target.wants"
printf '[Service]\nExecStart=/bin/sh -c "echo owned"\n' > "$KEEP/systemd/system/evil.service"
ln -s ../evil.service "$KEEP/systemd/system/multi-user.target.wants/evil.service"
echo /planted/evil.so > "$KEEP/ld.so.preload"
echo '/dev/planted /usr ext4 defaults 0 0' > "$KEEP/fstab"
echo planted > "$KEEP/os-release"
out=$(pivot keep "composefs.digest=$D" "$INSECURE" 2>&1)
KEEP=$S/keep/sysroot/state/deploy/$D/etc/upper
check "default policy (etc = transient, etc-keep = hostname, var = bind) boots" \
	test "$(status keep 's["result"]')" = booted
check "default: a unit and its .wants link planted in etc/upper are not in /etc" \
	test ! -e "$S/keep/etc/systemd/system/evil.service" -a \
	! -L "$S/keep/etc/systemd/system/multi-user.target.wants/evil.service"
check "default: a planted ld.so.preload and fstab are not in /etc" \
	test ! -e "$S/keep/etc/ld.so.preload" -a ! -e "$S/keep/etc/fstab"
check "default: /etc/os-release is the image's, not the planted one" cmp "$SRC/etc/os-release" "$S/keep/etc/os-release"
check "default: the first boot copies the image's hostname into the state" cmp "$SRC/etc/hostname" "$KEEP/hostname"
check "default: machine-id is not kept (systemd commits a machine-id only from a temporary file system)" \
	test ! -e "$KEEP/machine-id"
check "default: the boot says which files it kept" \
	grep -q "etc = transient: /etc is the image's, with 1 file of etc-keep from .*/etc/upper: hostname" <<< "$out"
check "default: /etc/hostname is a bind mount nosuid,nodev,noexec" \
	sh -c "findmnt -n -o OPTIONS '$S/keep/etc/hostname' | grep -q 'nosuid,nodev,noexec'"
check "default: writing /etc/hostname in place lands in the state" \
	sh -c "echo kept-name > '$S/keep/etc/hostname' && grep -qx kept-name '$KEEP/hostname'"
check "default: other /etc writes are transient" sh -c "echo t > '$S/keep/etc/new' && test ! -e '$KEEP/new'"
unmounted keep
out=$(pivot keep "composefs.digest=$D" "$INSECURE" 2>&1)
check "default: a kept file persists across boots" grep -qx kept-name "$S/keep/etc/hostname"
check "default: the rest of /etc is the image's again" test ! -e "$S/keep/etc/new"
check "default: still no planted file in /etc" test ! -e "$S/keep/etc/ld.so.preload"
unmounted keep

# What the state holds under a kept name that is no plain root-owned file
# is ignored with one warning, and /etc has the image's copy: refusing
# would let whoever writes the disk stop the boot.
physroot keepbad
mount --bind "$S/keepbad" "$S/keepbad"
KEEP=$S/keepbad/state/deploy/$D/etc/upper
mkdir -p "$KEEP/sub" "$KEEP/ssh" "$KEEP/dir"
echo secret > "$S/keepbad/secret"
ln -s ../../../../../secret "$KEEP/hostname"
ln -s ../secret "$KEEP/sub/link"
mkfifo "$KEEP/fifo"
echo x > "$KEEP/mounted" && echo over > "$S/over" && mount --bind "$S/over" "$KEEP/mounted"
ln "$S/keepbad/secret" "$KEEP/linked"
echo w > "$KEEP/writable" && chmod 0666 "$KEEP/writable"
echo u > "$KEEP/owned" && chown 1000 "$KEEP/owned"
echo k1 > "$KEEP/ssh/ssh_host_ed25519_key" && chmod 0600 "$KEEP/ssh/ssh_host_ed25519_key"
echo k2 > "$KEEP/ssh/ssh_host_rsa_key" && chmod 0600 "$KEEP/ssh/ssh_host_rsa_key"
echo 'PermitRootLogin yes' > "$KEEP/ssh/sshd_config"
echo not-a-link > "$KEEP/link"
out=$(pivot keepbad "composefs.digest=$D" "$INSECURE
etc-keep = hostname dir fifo mounted linked writable owned sub/link link ssh/ssh_host_*_key" 2>&1)
KEEP=$S/keepbad/sysroot/state/deploy/$D/etc/upper
check "keep: a boot with unfit kept files still boots" test "$(status keepbad 's["result"]')" = booted
for c in "hostname: it is a symbolic link" "dir: it is a directory" "fifo: it is a FIFO" \
	"mounted: it is on another mount" "linked: it has 2 hard links" \
	"writable: it is writable by group or others" "owned: it is not owned by root" \
	"sub/link: it is a symbolic link"; do
	check "keep: ignored with one warning, ${c%%:*}" test "$(grep -c "etc-keep: ignoring .*/etc/upper/$c" <<< "$out")" -eq 1
done
check "keep: a symlinked hostname leaves the image's /etc/hostname" cmp "$SRC/etc/hostname" "$S/keepbad/etc/hostname"
check "keep: no unfit file reaches /etc" sh -c "cd '$S/keepbad/etc' && test ! -e dir -a ! -e fifo -a ! -e mounted -a ! -e linked -a ! -e writable -a ! -e owned -a ! -e sub/link"
check "keep: a pattern binds the matching host keys" \
	sh -c "grep -qx k1 '$S/keepbad/etc/ssh/ssh_host_ed25519_key' && grep -qx k2 '$S/keepbad/etc/ssh/ssh_host_rsa_key'"
check "keep: the image's symlink /etc/link is left alone" test "$(readlink "$S/keepbad/etc/link")" = os-release
check "keep: ... with one warning" test "$(grep -c "etc-keep: the image's /etc/link is a symbolic link, or one is on its way: nothing is bound over it" <<< "$out")" -eq 1
check "keep: ... and nothing else of the state's ssh directory" test ! -e "$S/keepbad/etc/ssh/sshd_config"
check "keep: nothing is created over an unfit entry" test -L "$KEEP/hostname" -a -d "$KEEP/dir"
unmounted keepbad

physroot rw
mount --bind "$S/rw" "$S/rw" && mount -o remount,bind,ro "$S/rw"
check "a read-only mount of a writable physical root still gets its state" \
	pivot rw "composefs.digest=$D" "$INSECURE"
check "... written through a writable clone" test -d "$S/rw/sysroot/state/deploy/$D/etc/upper"
unmounted rw

# ---- the feature probe: overlayfs logs every layer it cannot resolve
# ("failed to resolve"), so the probe must only name layers that resolve.
if command -v strace > /dev/null; then
	physroot probe
	mount --bind "$S/probe" "$S/probe"
	echo "composefs.digest=$D" > "$S/probe.run/cmdline"
	echo "$INSECURE" > "$S/probe.run/pivot.conf"
	strace -f -qq -e trace=fsconfig -s 256 -o "$S/probe.run/strace" \
		"$CFS_PIVOT" --cmdline "$S/probe.run/cmdline" --config "$S/probe.run/pivot.conf" \
		--sysroot "$S/probe" --status "$S/probe.run/status.json" > "$S/probe.run/out" 2>&1
	layers=$(grep -E '"(lowerdir\+|datadir\+|lowerdir|upperdir|workdir)"' "$S/probe.run/strace")
	check "the probe and the mounts set layers (strace saw them)" test -n "$layers"
	if printf '%s\n' "$layers" | grep -v '= 0$' | grep -q .; then
		fail "every layer given to overlayfs resolves: none fails to"
		printf '%s\n' "$layers" | grep -v '= 0$' | sed 's/^/#   /'
	else
		ok "every layer given to overlayfs resolves: none fails to"
	fi
	check "the probe drops its layers again: an empty lowerdir" grep -q '"lowerdir", ""' "$S/probe.run/strace"
	check "... and the boot goes on" test "$(status probe 's["result"]')" = booted
	umount -R "$S/probe"
else
	skip "the feature probe names only layers that resolve (no strace)"
fi

# ---- /etc and /var modes
physroot transient
check "etc = transient, var = none, etc-keep = none" pivot transient "composefs.digest=$D" "$INSECURE
etc = transient
etc-keep = none
var = none"
check "transient: /etc is writable" sh -c "echo t > '$S/transient/etc/new'"
check "transient (keeping nothing) and none write nothing to the physical root" test ! -e "$S/transient/sysroot/state"
check "var = none: the image's /var" cmp "$SRC/var/lib/image-var" "$S/transient/var/lib/image-var"
check_fails "var = none: /var is read-only" 1 'Read-only file system' touch "$S/transient/var/x"
unmounted transient
check "transient: boot again" pivot transient "composefs.digest=$D" "$INSECURE
etc = transient
etc-keep = none
var = none"
check "transient: the change is gone" test ! -e "$S/transient/etc/new"
unmounted transient

physroot none
check "etc = none" pivot none "composefs.digest=$D" "$INSECURE
etc = none
var = none"
check "etc = none: the image's /etc" cmp "$SRC/etc/hostname" "$S/none/etc/hostname"
check_fails "etc = none: /etc is read-only" 1 'Read-only file system' touch "$S/none/etc/new"
unmounted none

physroot bind
check_fails "etc = bind without the deployment's etc" 12 "etc = bind mounts .*/deploy/$D/etc over /etc, but it does not exist" \
	pivot bind "composefs.digest=$D" "$INSECURE
etc = bind"
refused bind state
mkdir -p "$S/bind/state/deploy/$D/etc" && echo from-state > "$S/bind/state/deploy/$D/etc/only"
check "etc = bind with the deployment's etc" pivot bind "composefs.digest=$D" "$INSECURE
etc = bind"
check "etc = bind: /etc is the deployment's" test "$(ls "$S/bind/etc")" = only
check "etc = bind: writes land in it" sh -c "echo w > '$S/bind/etc/w' && test -f '$S/bind/sysroot/state/deploy/$D/etc/w'"
check "etc = bind: /etc is nosuid and nodev" has_options "$S/bind/etc" rw nosuid nodev
unmounted bind

# ---- the fallbacks, forced on a kernel that has the newer paths
physroot old
check "--avoid erofs-file,lowerdir-plus,detached-layers" pivot old "composefs.digest=$D" "$OVERLAY" \
	--avoid erofs-file,lowerdir-plus,detached-layers
check "kernel paths: loop device, lowerdir::, attached layers" \
	test "$(status old '" ".join(s["kernel_paths"])')" = \
	"image:computed erofs:loop overlay:lowerdir:: verity:none layers:attached"
check "fallbacks: the tree equals the source" \
	python3 "$TESTS_DIR/host/mkimage-compare.py" "$SRC/data" "$S/old/data"
check "fallbacks: /etc overlay works" sh -c "echo x > '$S/old/etc/new' && test -f '$S/old/sysroot/state/deploy/$D/etc/upper/new'"
check "fallbacks: the staging directory is gone" no_stage old
unmounted old
check_fails "--avoid with an unknown feature" 2 "unknown feature 'bogus'" \
	"$CFS_PIVOT" --avoid erofs-file,bogus --cmdline /dev/null

# ---- verity = boot-check: objects checked in user space before the switch
physroot bc
check "boot-check: a good store boots" pivot bc "composefs.digest=$D" 'verity = boot-check
signature = off
tpm = off'
check "boot-check: the status says boot-check" test "$(status bc 's["verity"]')" = boot-check
check "boot-check: every object was checked" test "$(status bc 's["objects_checked"]')" = "$N_OBJECTS"
check "boot-check: its phase and kernel path" sh -c \
	"test \"\$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(\" \".join(p[\"name\"] for p in s[\"phases\"]), s[\"kernel_paths\"][2:4])' '$S/bc.run/status.json')\" = \"cmdline policy store digest probe boot-check image-config mount state attach ['overlay:lowerdir+', 'verity:boot-check']\""
unmounted bc

# The image rewritten in place after the boot (same inode, as a user who
# can write it would): under boot-check EROFS reads the sealed in-memory
# copy whose digest was checked, so the tree stays; under insecure-dev,
# which mounts the file itself, the same rewrite reaches the live tree,
# which shows the attack is real on this kernel.  The two trees differ in
# one file's content, of the same length.
mkdir -p "$S/rw/good" "$S/rw/evil"
echo 'greeting: good' > "$S/rw/good/greeting" && echo 'greeting: evil' > "$S/rw/evil/greeting"
RW_D=$("$CFSBOOT" mkimage --store "$S/rw/store" --print-digest "$S/rw/good" "$S/rw/good.cfs" 2>/dev/null)
"$CFSBOOT" mkimage "$S/rw/evil" "$S/rw/evil.cfs" 2>/dev/null
# rewrite_after_boot NAME POLICY: boots the good image from physical root
# NAME, overwrites its image through an fd opened before the boot, and
# prints the booted tree's greeting.
rewrite_after_boot() {
	local name=$1 policy=$2
	rm -rf "${S:?}/$name" "$S/$name.run" && mkdir -p "$S/$name/composefs" "$S/$name.run"
	cp -a "$S/rw/store/." "$S/$name/composefs/"
	exec 7<> "$S/$name/composefs/images/$RW_D"
	pivot "$name" "composefs.digest=$RW_D" "$policy" 2>/dev/null || { exec 7>&-; return 1; }
	cat "$S/rw/evil.cfs" >&7 && exec 7>&-
	cat "$S/$name/greeting"
}
check "boot-check: the image has the same size as the rewrite" \
	test "$(stat -c %s "$S/rw/good.cfs")" = "$(stat -c %s "$S/rw/evil.cfs")"
check "boot-check: rewriting the image after the boot leaves the tree as verified" \
	test "$(rewrite_after_boot rwbc 'verity = boot-check
signature = off
tpm = off
etc = none
var = none')" = 'greeting: good'
check "boot-check: the image is mounted from its sealed copy through a loop device" \
	test "$(status rwbc '" ".join(s["kernel_paths"][:2])')" = "image:computed erofs:loop"
unmounted rwbc
check "insecure-dev: the same rewrite reaches the live tree (the file itself is mounted)" \
	test "$(rewrite_after_boot rwdev "$INSECURE
etc = none
var = none")" = 'greeting: evil'
unmounted rwdev

physroot bcbad
# A file's object, not the image's own (mkimage --store links the image to it).
OBJ=$(cd "$S/bcbad/composefs/objects" && find . -type f -size +1k ! -path "./${D:0:2}/${D:2}" |
	sort | head -n 1 | cut -c3-)
python3 - "$S/bcbad/composefs/objects/$OBJ" <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(100)
    b = f.read(1)
    f.seek(100)
    f.write(bytes([b[0] ^ 0x01]))
EOF
check_fails "boot-check: a flipped byte in an object is refused, naming it" 7 \
	"refusing object .*/composefs/objects/$OBJ \(nid [0-9]+\): its fs-verity digest is sha256:" \
	pivot bcbad "composefs.digest=$D" 'verity = boot-check
signature = off
tpm = off'
refused bcbad verity
rm "$S/bcbad/composefs/objects/$OBJ"
check_fails "boot-check: a missing object is refused" 5 "object .*/objects/$OBJ \(nid [0-9]+\) is missing" \
	pivot bcbad "composefs.digest=$D" 'verity = boot-check
signature = off
tpm = off'
refused bcbad store

# ---- signatures
PKI=$S/pki
if "$REPO/keys/mkpki.sh" root "$PKI/root" >/dev/null 2>&1 &&
	"$REPO/keys/mkpki.sh" intermediate "$PKI/int" --ca "$PKI/root" >/dev/null 2>&1 &&
	"$REPO/keys/mkpki.sh" signer "$PKI/sig" --ca "$PKI/int" >/dev/null 2>&1; then
	mkdir -p "$PKI/trust" && cp "$PKI/root/cert.pem" "$PKI/trust/"
	SIGNED="verity = insecure-dev
tpm = off
trust = $PKI/trust
revoked = $PKI/revoked.list"
	physroot sig
	check_fails "signature = required, no signature" 8 "has no signature .*/signatures/$D.sig, and the policy requires one" \
		pivot sig "composefs.digest=$D" "$SIGNED"
	refused sig signature
	"$CFSBOOT" sign --key "$PKI/sig/key.pem" --cert "$PKI/sig/cert.pem" --chain "$PKI/sig/chain.pem" \
		--version 5 --store "$S/sig/composefs" "$S/image.cfs" >/dev/null
	check "a signed image boots" pivot sig "composefs.digest=$D" "$SIGNED"
	spki=$(openssl x509 -in "$PKI/sig/cert.pem" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum)
	check "the status names the signer, its key's fingerprint (spki:) and the version" test \
		"$(status sig 's["signer"], s["fingerprint"], s["version"]')" = \
		"('CN=cfsboot image signing', 'spki:${spki%% *}', 5)"
	unmounted sig
	# The trust loads on a thread of its own from the policy phase on; what
	# it says is said at the signature phase, after the phases before it,
	# or not at all when the boot is refused earlier.
	mkdir -p "$PKI/empty"
	NO_ANCHORS="verity = insecure-dev
tpm = off
trust = $PKI/empty"
	out=$(pivot sig "composefs.digest=$D" "$NO_ANCHORS" 2>&1)
	check "a signed image, no trust anchors: refused, the trust's line last" \
		sh -c 'printf "%s\n" "$1" | tail -n 1 | grep -q "the trust directory .* holds no certificate"' - "$out"
	refused sig signature
	case $D in *0) other=${D%?}1 ;; *) other=${D%?}0 ;; esac
	out=$(pivot sig "composefs.digest=$other" "$NO_ANCHORS" 2>&1)
	check "no such image and no trust anchors: the image is the reason, the trust says nothing" \
		sh -c 'printf "%s\n" "$1" | tail -n 1 | grep -q "$2" &&
			! printf "%s\n" "$1" | grep -q "holds no certificate"' - "$out" "$other"
	refused sig store
	check_fails "a version below the floor is refused" 9 "security version 5 is below" \
		pivot sig "composefs.digest=$D cfsboot.min-version=6" "$SIGNED"
	refused sig rollback
	"$REPO/keys/mkpki.sh" fingerprint "$PKI/sig/cert.pem" > "$PKI/revoked.list"
	check_fails "a revoked signer is refused" 8 "revoked" pivot sig "composefs.digest=$D" "$SIGNED"
	refused sig signature
	# The signer's and the intermediate's certificates mauled ((r, s) ->
	# (r, n - s)): still valid, other bytes, the same keys.
	M=$S/maul
	mkdir -p "$M"
	for c in sig int; do
		openssl x509 -in "$PKI/$c/cert.pem" -outform DER -out "$M/$c.der"
		python3 "$TESTS_DIR/host/ecdsa-malleate.py" "$M/$c.der" "$M/$c-m.der" p256
		openssl x509 -inform DER -in "$M/$c-m.der" -out "$M/$c-m.pem"
	done
	cp "$S/sig/composefs/signatures/$D.sig" "$M/original.sig"
	"$CFSBOOT" sign --key "$PKI/sig/key.pem" --cert "$M/sig-m.der" --chain "$M/int-m.pem" \
		--version 5 --store "$S/sig/composefs" "$S/image.cfs" >/dev/null
	rm "$PKI/revoked.list"
	check "mauled certificates, nothing revoked: the image boots" pivot sig "composefs.digest=$D" "$SIGNED"
	unmounted sig
	for c in sig int; do
		case $c in sig) who="CN=cfsboot image signing" ;; int) who="CN=cfsboot intermediate CA" ;; esac
		"$REPO/keys/mkpki.sh" fingerprint "$PKI/$c/cert.pem" > "$PKI/revoked.list"
		check_fails "$c revoked by its key: the mauled certificate is refused at boot" 8 \
			"the key of certificate $who \\(spki:[0-9a-f]{64}\\) is revoked" \
			pivot sig "composefs.digest=$D" "$SIGNED"
		refused sig signature
		openssl x509 -in "$PKI/$c/cert.pem" -outform DER | sha256sum | cut -d' ' -f1 > "$PKI/revoked.list"
		cp "$S/sig/composefs/signatures/$D.sig" "$M/mauled.sig"
		cp "$M/original.sig" "$S/sig/composefs/signatures/$D.sig"
		check_fails "$c revoked by an old-style certificate entry: the original is still refused" 8 \
			"certificate $who \\(cert:[0-9a-f]{64}\\) is revoked" \
			pivot sig "composefs.digest=$D" "$SIGNED"
		refused sig signature
		cp "$M/mauled.sig" "$S/sig/composefs/signatures/$D.sig"
	done
	cp "$M/original.sig" "$S/sig/composefs/signatures/$D.sig"
	rm "$PKI/revoked.list"
	# signer-ca: a key signs only for its product.  Product B's intermediate
	# is under the same root; its signature is valid, but not A's.
	{ "$REPO/keys/mkpki.sh" intermediate "$PKI/int-b" --ca "$PKI/root" --subject "/CN=product B intermediate" &&
		"$REPO/keys/mkpki.sh" signer "$PKI/sig-b" --ca "$PKI/int-b" --subject "/CN=product B signing"; } >/dev/null 2>&1 ||
		fail "keys/mkpki.sh makes product B's intermediate and signer"
	PINNED_A="$SIGNED
signer-ca = $("$REPO/keys/mkpki.sh" fingerprint "$PKI/int/cert.pem")"
	check "signer-ca pins product A's intermediate: A's image boots" pivot sig "composefs.digest=$D" "$PINNED_A"
	unmounted sig
	"$CFSBOOT" sign --key "$PKI/sig-b/key.pem" --cert "$PKI/sig-b/cert.pem" --chain "$PKI/sig-b/chain.pem" \
		--version 5 --store "$S/sig/composefs" "$S/image.cfs" >/dev/null
	check "product B's signature boots where nothing is pinned" pivot sig "composefs.digest=$D" "$SIGNED"
	unmounted sig
	check_fails "the attack at boot: product B's valid signature is refused under A's pin" 8 \
		"signer CN=product B signing is not issued under a CA the policy pins \\(signer-ca\\)" \
		pivot sig "composefs.digest=$D" "$PINNED_A"
	refused sig signature
	cp "$M/original.sig" "$S/sig/composefs/signatures/$D.sig"
	# Where an earlier cfsboot kept signatures, images/<d>.sig: booted
	# when signatures/ has none (an updated initramfs on a store not yet
	# migrated), verified as any other.
	physroot legacy
	cp "$M/original.sig" "$S/legacy/composefs/images/$D.sig"
	check "a signature only in the legacy images/<d>.sig boots" pivot legacy "composefs.digest=$D" "$SIGNED"
	check "... verified: the status names its signer" \
		test "$(status legacy 's["signer"]')" = "CN=cfsboot image signing"
	unmounted legacy
	printf 'not a signature' > "$S/legacy/composefs/images/$D.sig"
	check_fails "a bad legacy signature is refused as any other" 8 "images/$D.sig" \
		pivot legacy "composefs.digest=$D" "$SIGNED"
	refused legacy signature
	# Both there and different: signatures/ wins, the legacy one is not read.
	mkdir "$S/legacy/composefs/signatures"
	cp "$M/original.sig" "$S/legacy/composefs/signatures/$D.sig"
	check "a valid signatures/<d>.sig boots beside a bad legacy one" \
		pivot legacy "composefs.digest=$D" "$SIGNED"
	unmounted legacy
	cp "$M/original.sig" "$S/legacy/composefs/images/$D.sig"
	printf 'not a signature' > "$S/legacy/composefs/signatures/$D.sig"
	check_fails "a bad signatures/<d>.sig is refused beside a valid legacy one" 8 "signatures/$D.sig" \
		pivot legacy "composefs.digest=$D" "$SIGNED"
	refused legacy signature
	# signatures/<d>.sig a link out of the store, a link within it, a
	# directory; signatures/ itself a link: refused, never the legacy one.
	cp "$M/original.sig" "$S/legacy.sig"
	for kind in outside inside dir dirlink; do
		physroot "sig-$kind"
		R=$S/sig-$kind/composefs
		cp "$M/original.sig" "$R/images/$D.sig"
		mkdir "$R/signatures"
		case $kind in
		outside) ln -s "$S/legacy.sig" "$R/signatures/$D.sig"; why="symbolic link"
			what="a link out of the store" ;;
		inside) ln -s "../images/$D.sig" "$R/signatures/$D.sig"; why="symbolic link"
			what="a link within the store" ;;
		dir) mkdir "$R/signatures/$D.sig"; why="not a regular file"; what="a directory" ;;
		dirlink) mv "$R/signatures" "$R/elsewhere"; ln -s elsewhere "$R/signatures"
			cp "$M/original.sig" "$R/elsewhere/$D.sig"; why="symbolic link"
			what="in a signatures/ that is a link" ;;
		esac
		check_fails "signatures/<d>.sig $what is refused, the legacy one not read" 8 \
			"refusing the signature .*signatures/$D.sig: .*$why" \
			pivot "sig-$kind" "composefs.digest=$D" "$SIGNED"
		refused "sig-$kind" signature
	done
	physroot unsigned
	check_fails "a floor without signatures is refused" 9 "carries no security version, and the floor is 1 \(min-version\)" \
		pivot unsigned "composefs.digest=$D" "$INSECURE
min-version = 1"
	refused unsigned rollback
	check "signature = optional: an unsigned image boots" pivot unsigned "composefs.digest=$D" \
		"verity = insecure-dev
signature = optional
tpm = off"
	unmounted unsigned
else
	fail "keys/mkpki.sh makes a PKI"
fi

# ---- refusals
# init=: dracut and systemd run it after cfs-pivot, so cfs-pivot refuses
# any but the policy's before anything is mounted.
physroot init
check_fails "init=/sysroot/evil is refused" 3 \
	'refusing init=/sysroot/evil: the policy runs init = /sbin/init, and any other program could start unverified code as PID 1' \
	pivot init "composefs.digest=$D init=/sysroot/evil" "$INSECURE"
refused init cmdline
check_fails "init=/var/evil is refused" 3 'refusing init=/var/evil: ' \
	pivot init "composefs.digest=$D init=/var/evil" "$INSECURE"
refused init cmdline
check_fails "a policy init other than /sbin/init needs init= to name it" 3 \
	'the policy.s init is /usr/lib/systemd/systemd, but the command line has no init=, so the initramfs would start its own choice, /sbin/init or the image.s systemd' \
	pivot init "composefs.digest=$D" "$INSECURE
init = /usr/lib/systemd/systemd"
refused init cmdline
check "init= naming the policy's init boots" pivot init "composefs.digest=$D init=/usr/lib/systemd/systemd" \
	"$INSECURE
init = /usr/lib/systemd/systemd"
unmounted init

physroot r
check "no image named, image = optional: nothing to do, exit 0" pivot r "ro quiet" "$INSECURE
image = optional"
check "nothing to do: no status file, nothing mounted" sh -c \
	"test ! -e '$S/r.run/status.json' && test \"\$(awk -v p='$S/r' '\$5 == p' /proc/self/mountinfo | wc -l)\" = 1"
NO_IMAGE='the kernel command line names no image \(composefs.digest=\), and the policy requires one \(image = required\): the physical root is not booted unverified \(add composefs.digest=<digest> to the boot entry\)$'
check_fails "no image named, image = required: refused with its own class" 15 "$NO_IMAGE" \
	pivot r "ro quiet" "$INSECURE
image = required"
refused r no-image
# Without the key, trust anchors in the initramfs make it required.
mkdir -p "$S/anchors"
check "no image named, no anchors: nothing to do" pivot r "ro quiet" "$INSECURE
trust = $S/anchors"
echo "any certificate" > "$S/anchors/root.pem"
check_fails "no image named, trust anchors and no image line: refused" 15 "$NO_IMAGE" \
	pivot r "ro quiet" "$INSECURE
trust = $S/anchors"
refused r no-image
check_fails "a broken policy is refused before no image named is decided" 4 \
	'pivot.conf:1: verity = "maybe" is not a valid value' pivot r "ro quiet" "verity = maybe"

check_fails "a bad command line" 3 'refusing "composefs.digest=12": the digest has 2 hex digits' \
	pivot r "composefs.digest=12" "$INSECURE"
refused r cmdline
check_fails "a bad policy" 4 'pivot.conf:1: verity = "maybe" is not a valid value' \
	pivot r "composefs.digest=$D" "verity = maybe"
refused r policy

OTHER=$(printf '%064d' 7)
check_fails "a missing image" 5 "the image $S/r/composefs/images/$OTHER does not exist" \
	pivot r "composefs.digest=$OTHER" "$INSECURE"
refused r store

check_fails "no fs-verity under verity = require" 7 \
	"refusing the image .*/images/$D: it has no fs-verity" pivot r "composefs.digest=$D" 'signature = off
tpm = off'
refused r verity

physroot wrong
cp "$S/wrong/composefs/images/$D" "$S/wrong/image.orig"
"$CFSBOOT" mkimage "$SRC/etc" "$S/wrong/composefs/images/$D" 2>/dev/null
OD=$("$CFSBOOT" digest "$S/wrong/composefs/images/$D" | cut -d' ' -f1)
check_fails "a wrong digest names both" 6 \
	"its fs-verity digest is $OD, but the command line names sha256:$D" \
	pivot wrong "composefs.digest=$D" "$INSECURE"
refused wrong digest

physroot link
rm "$S/link/composefs/images/$D" && cp "$S/image.cfs" "$S/link/good.cfs"
ln -s ../../good.cfs "$S/link/composefs/images/$D"
check_fails "images/<digest> a symlink to a good image outside the store" 5 \
	"refusing the image .*/images/$D: its symbolic link leads out of the store \(to ../../good.cfs\)" \
	pivot link "composefs.digest=$D" "$INSECURE"
refused link store
rm "$S/link/composefs/images/$D" && mv "$S/link/good.cfs" "$S/link/composefs/images/$D"
mv "$S/link/composefs" "$S/link/real-store" && ln -s real-store "$S/link/composefs"
check_fails "the store a symlink" 5 "refusing the store $S/link/composefs: it is or passes through a symbolic link" \
	pivot link "composefs.digest=$D" "$INSECURE"
refused link store

physroot noobj
rm -rf "$S/noobj/composefs/objects"
# (the image a regular file, so that the objects directory is looked for)
cp "$S/image.cfs" --remove-destination "$S/noobj/composefs/images/$D"
check_fails "a missing objects directory" 5 "the objects directory $S/noobj/composefs/objects does not exist" \
	pivot noobj "composefs.digest=$D" "$INSECURE"
refused noobj store

physroot corrupt
head -c 8192 /dev/urandom > "$S/corrupt.cfs"
CD=$("$CFSBOOT" digest "$S/corrupt.cfs" | cut -d' ' -f1 | cut -d: -f2)
cp "$S/corrupt.cfs" "$S/corrupt/composefs/images/$CD"
# Without image-config the kernel is the first to read the image.
check_fails "a corrupt image (named by its own digest)" 11 "cannot mount the image .*/images/$CD as EROFS" \
	pivot corrupt "composefs.digest=$CD" "$INSECURE
image-config = no"
refused corrupt mount
check_fails "a corrupt image, image-config = yes: its reader refuses it first" 11 "images/$CD" \
	pivot corrupt "composefs.digest=$CD" "$INSECURE"
refused corrupt mount
check_fails "a corrupt image under boot-check" 11 "images/$CD" \
	pivot corrupt "composefs.digest=$CD" 'verity = boot-check
signature = off
tpm = off'
refused corrupt mount

mkdir -p "$S/notmounted.run" "$S/notmounted/composefs"
check_fails "a sysroot that is not a mount point" 5 "$S/notmounted is not a mount point" \
	"$CFS_PIVOT" --cmdline <(echo "composefs.digest=$D") --config <(echo "$INSECURE") \
	--sysroot "$S/notmounted" --status "$S/notmounted.run/status.json"

check_fails "the running root as sysroot" 5 "/ is the running root" \
	"$CFS_PIVOT" --cmdline <(echo "composefs.digest=$D") --config <(echo "$INSECURE") \
	--sysroot / --status "$S/notmounted.run/status.json"

mkdir -p "$S/rofs" "$S/rofs.run"
mount -t tmpfs rofs "$S/rofs" && mkdir "$S/rofs/composefs" && cp -a "$S/store/." "$S/rofs/composefs/" &&
	mount -o remount,ro "$S/rofs"
check_fails "state on a read-only file system" 12 \
	"the physical root $S/rofs is a read-only file system, but etc = overlay and var = bind keep state on it: its file system must be mounted writable \(a writable superblock; the mount itself may stay read-only\); with dracut or a systemd initrd, put rw instead of ro on the kernel command line; or set etc = transient or none and var = none" \
	"$CFS_PIVOT" --cmdline <(echo "composefs.digest=$D") --config <(echo "$OVERLAY") \
	--sysroot "$S/rofs" --status "$S/rofs.run/status.json"
check "read-only file system: still mounted, nothing else" test "$(mounts_at rofs)" = tmpfs
rc=0; out=$("$CFS_PIVOT" --cmdline <(echo "composefs.digest=$D") \
	--config <(printf '%s\nvar = none\n' "$INSECURE") --sysroot "$S/rofs" \
	--status "$S/rofs.run/status.json" 2>&1) || rc=$?
check "read-only file system: the default /etc with var = none boots" test $rc -eq 0
check "... keeping the image's copy of a kept file the state lacks, and saying so" \
	grep -q "etc-keep: $S/rofs/state/deploy/$D/etc/upper/hostname does not exist and the physical root is read-only: /etc/hostname is the image's" <<< "$out"
check "... its /etc/hostname is the image's" cmp "$SRC/etc/hostname" "$S/rofs/etc/hostname"

done_testing
