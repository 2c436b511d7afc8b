#!/usr/bin/env bash
# cfs-pivot booting what bootc installs, on the host kernel in a private
# mount namespace: the root's mount source bootc reads (composefs:<digest>),
# bootc's state layout (state/deploy/<digest>/etc, var a relative link to
# the shared state/os/default/var, <digest>.origin) with the links that
# leave the state refused, and the image's setup-root-conf.toml tightening
# the policy.  Boots use verity = insecure-dev: the host has no fs-verity.
. "$(dirname "$0")/../lib.sh"
private_mount_ns "cfs-pivot mounts need root" "$@"

S=$(scratch)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null; done
	unmount_scratch
	rm -rf "$S"
}
trap cleanup EXIT

SRC=$S/src
mkdir -p "$SRC/etc" "$SRC/var" "$SRC/sysroot" "$SRC/usr/bin"
echo image > "$SRC/etc/hostname"
echo "the image's passwd" > "$SRC/etc/passwd"
D=$("$CFSBOOT" mkimage --store "$S/store" --print-digest "$SRC" "$S/image.cfs" 2>/dev/null)
[ ${#D} -eq 64 ] || { fail "mkimage --store builds the image"; done_testing; exit; }
PHYS_FS=$(findmnt -n -o FSTYPE --target "$S")
. "$TESTS_DIR/host/pivot-lib.bash"

BOOTC='verity = insecure-dev
signature = off
tpm = off
etc = bind
var = bind'

# bootc_state NAME [VAR-LINK [DIGEST]]: bootc's state for the deployment
# DIGEST (D) on the physical root NAME: etc copied from the image, var a
# link (bootc's own by default), the origin file, and the shared var with
# a file in it.
bootc_state() {
	local d=${3:-$D}
	local dep=$S/$1/state/deploy/$d
	mkdir -p "$dep" "$S/$1/state/os/default/var/lib"
	cp -a "$SRC/etc" "$dep/etc"
	echo "deployment's own" > "$dep/etc/hostname"
	ln -s "${2:-../../os/default/var}" "$dep/var"
	printf '[origin]\ncontainer-image-reference = ostree-unverified-image:docker://example\n' \
		> "$dep/$d.origin"
	echo shared > "$S/$1/state/os/default/var/lib/shared"
}

# source_at NAME: the mount source of the mount at the physical root's path.
source_at() {
	awk -v p="$S/$1" '$5 == p { for (i = 7; $i != "-"; i++); print $(i + 2) }' /proc/self/mountinfo |
		tail -n 1
}

# ---- bootc's layout boots
physroot b
bootc_state b
ORIGIN=$(cat "$S/b/state/deploy/$D/$D.origin")
check "bootc's layout boots (etc = bind, var = bind: bootc's defaults)" pivot b "composefs.digest=$D" "$BOOTC"
check "the status says booted" test "$(status b 's["result"]')" = booted
check "the root's source is composefs:<digest>, which bootc status reads" test "$(source_at b)" = "composefs:$D"
check "/etc is the deployment's" grep -qx "deployment's own" "$S/b/etc/hostname"
check "/var is the shared var the link names" grep -qx shared "$S/b/var/lib/shared"
check "writing /var lands in the shared var" \
	sh -c "echo new > '$S/b/var/new' && grep -qx new '$S/b/sysroot/state/os/default/var/new'"
check "var is still bootc's link" test "$(readlink "$S/b/sysroot/state/deploy/$D/var")" = ../../os/default/var
check "the origin file is untouched" test "$(cat "$S/b/sysroot/state/deploy/$D/$D.origin")" = "$ORIGIN"
unmounted b

# A link that goes up and down again but stays in the state is followed.
physroot inside
bootc_state inside ../$D/../../os/default/var
check "a var link that stays in the state by another way boots" pivot inside "composefs.digest=$D" "$BOOTC"
check "... to the shared var" grep -qx shared "$S/inside/var/lib/shared"
unmounted inside

# A mount on the shared var is not crossed: state is on the physical
# root's own file system.
physroot mnt
bootc_state mnt
mount --bind "$S/mnt" "$S/mnt"
mount -t tmpfs tmpfs "$S/mnt/state/os/default/var"
check_fails "a mount on the shared var is refused" 12 \
	"refusing .*/var: it is a symbolic link that leaves the state directory, or a mount point is on its way" \
	pivot mnt "composefs.digest=$D" "$BOOTC"
check "... the status says refused, class state" \
	test "$(status mnt 's["result"] + " " + s["error"]["class"]')" = "refused state"
umount "$S/mnt/state/os/default/var"

# ---- var links that leave the state, or lead nowhere, are refused
# refuse_var NAME LINK PATTERN WHAT
refuse_var() {
	physroot "$1"
	bootc_state "$1" "$2"
	check_fails "a var link ($4) is refused" 12 "$3" pivot "$1" "composefs.digest=$D" "$BOOTC"
	check "... in one line" test "$(pivot "$1" "composefs.digest=$D" "$BOOTC" 2>&1 | wc -l)" = 1
	refused "$1" state
}
mkdir -p "$S/outside"
refuse_var abs "$S/outside" "refusing .*/state/deploy/$D/var: it is a symbolic link that leaves the state directory" \
	"absolute"
refuse_var up ../../../composefs "leaves the state directory" "up into the store"
refuse_var far ../../../../../../../.. "leaves the state directory" "far above the root"
refuse_var proc /proc/self/root "leaves the state directory" "a magic link's path"
physroot loop
bootc_state loop var2
ln -s var "$S/loop/state/deploy/$D/var2"
check_fails "var -> var2 -> var (a loop) is refused" 12 "a loop of symbolic links" \
	pivot loop "composefs.digest=$D" "$BOOTC"
refused loop state
physroot file
bootc_state file ../../os/default/var/lib/shared
check_fails "var -> a file is refused" 12 "not a directory, nor a link to one" \
	pivot file "composefs.digest=$D" "$BOOTC"
refused file state
refuse_var dangling ../../os/default/nothing "is a symbolic link to nothing" "dangling"

# ---- the image's setup-root-conf.toml
# conf_image TEXT: an image of SRC with TEXT as its configuration, in the
# store; prints its digest.
conf_image() {
	rm -rf "$S/csrc" && cp -a "$SRC" "$S/csrc" && mkdir -p "$S/csrc/usr/lib/composefs"
	printf '%s' "$1" > "$S/csrc/usr/lib/composefs/setup-root-conf.toml"
	"$CFSBOOT" mkimage --store "$S/store" --print-digest "$S/csrc" "$S/c.cfs" 2>/dev/null
}
# A comment makes it longer than what mkimage keeps in the image: an object.
LONG='# /etc is rebuilt from the image at every boot; nothing written there survives.'
T=$(conf_image "$LONG
[etc]
transient = true
")
V=$(conf_image '[var]
mount = "none"
')
BAD=$(conf_image '[usr]
mount = "transient"
')
VT=$(conf_image "$LONG
[var]
mount = \"volatile\"
")
R=$(conf_image '[root]
transient = true
')
# conf_boot NAME DIGEST [POLICY]: a fresh physical root in bootc's layout
# booted with DIGEST; the policy BOOTC unless given.
conf_boot() {
	physroot "$1"
	bootc_state "$1" "" "$2"
	pivot "$1" "composefs.digest=$2" "${3:-$BOOTC}"
}
out=$(conf_boot et "$T" 2>&1)
check "[etc] transient = true: boots" test "$(status et 's["result"]')" = booted
check "... saying it is stricter than the policy's etc = bind" grep -q \
	"setup-root-conf.toml: etc = transient, stricter than the policy's etc = bind" <<< "$out"
check "... /etc is the image's, not the deployment's etc" grep -qx image "$S/et/etc/hostname"
check "... written to a tmpfs, not to the state" \
	sh -c "echo x > '$S/et/etc/new' && test ! -e '$S/et/sysroot/state/deploy/$T/etc/new' && test ! -e '$S/et/sysroot/state/deploy/$T/etc/upper/new'"
check "... and the root's source names the image" test "$(source_at et)" = "composefs:$T"
unmounted et
check "image-config = no: the file is not read" conf_boot etno "$T" "$BOOTC
image-config = no"
check "... /etc is the deployment's (etc = bind)" grep -qx "deployment's own" "$S/etno/etc/hostname"
unmounted etno
check "[var] mount = \"none\" (a file kept in the image): boots" conf_boot vn "$V"
check "... /var is the image's own, not the shared var" \
	test ! -e "$S/vn/var/lib/shared" -a "$(findmnt -n -o TARGET "$S/vn/var" 2>/dev/null)" = ""
unmounted vn
check "[root] transient = true: boots, / read-only" conf_boot rt "$R"
check_fails "... the root stays read-only" 1 'Read-only file system' touch "$S/rt/new-file"
unmounted rt

physroot bad
bootc_state bad "" "$BAD"
check_fails "an unknown table is refused, naming the file and the line" 12 \
	"refusing the image's /usr/lib/composefs/setup-root-conf.toml: line 1: unknown table \[usr\]" \
	pivot bad "composefs.digest=$BAD" "$BOOTC"
refused bad state
physroot vt
bootc_state vt "" "$VT"
check_fails "[var] mount = \"volatile\" against var = bind is refused (not mounted by cfs-pivot)" 12 \
	"\[var\] mount = transient, which cfs-pivot does not mount" pivot vt "composefs.digest=$VT" "$BOOTC"
refused vt state
check "... but var = none is stricter, and boots" pivot vt "composefs.digest=$VT" "${BOOTC%var = bind}var = none"
unmounted vt

# The file's object is checked against the digest the image records.
physroot tamper
bootc_state tamper "" "$T"
# The same length, but etc = bind: the file as it would loosen the policy.
printf '%s\n[etc]\ntransient = true\n' "$LONG" > "$S/t.orig"
printf '%s\n[etc]\nmount = "bind"  \n' "$LONG" > "$S/t.toml"
O=$("$CFSBOOT" digest "$S/t.orig" | cut -d' ' -f1 | cut -d: -f2)
OBJ=$S/tamper/composefs/objects/${O:0:2}/${O:2}
check "the configuration's object is in the store" test -f "$OBJ"
cp "$S/t.toml" "$OBJ"
check_fails "a configuration object changed in the store is refused" 7 \
	"its object .* does not have the fs-verity digest the image records" \
	pivot tamper "composefs.digest=$T" "$BOOTC"
refused tamper verity
rm "$OBJ"
check_fails "... and a missing one" 5 "the object of the image's /usr/lib/composefs/setup-root-conf.toml" \
	pivot tamper "composefs.digest=$T" "$BOOTC"
refused tamper store

# ---- the measurement names the modes the file made effective
SWTPM_DIR=$S/tpm
. "$TESTS_DIR/swtpm.sh"
swtpm_template
start_tpm m
physroot m
bootc_state m "" "$T"
check "a measured boot: [etc] transient = true over etc = bind" pivot m "composefs.digest=$T" \
	"${BOOTC/tpm = off/tpm = if-present
tpm-device = $DEV}" --measure-log "$S/m.run/measure.log"
check "... measures composefs-state:etc=transient,keep=1;var=bind" \
	grep -aq 'composefs-state:etc=transient,keep=1;var=bind' "$S/m.run/measure.log"
check "... and the image's word names its digest" grep -aq "$T" "$S/m.run/measure.log"
unmounted m

done_testing
