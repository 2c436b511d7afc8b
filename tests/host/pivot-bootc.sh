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
cleanup() {
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

# bootc_state NAME [VAR-LINK]: bootc's state for the deployment D on the
# physical root NAME: etc copied from the image, var a link (bootc's own
# by default), the origin file, and the shared var with a file in it.
bootc_state() {
	local dep=$S/$1/state/deploy/$D
	mkdir -p "$dep" "$S/$1/state/os/default/var/lib"
	cp -a "$SRC/etc" "$dep/etc"
	echo "deployment's own" > "$dep/etc/hostname"
	ln -s "${2:-../../os/default/var}" "$dep/var"
	printf '[origin]\ncontainer-image-reference = ostree-unverified-image:docker://example\n' \
		> "$dep/$D.origin"
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

# A mount on the shared var is not crossed: the state is read from the
# physical root's own file system (a clone of its mount without submounts).
physroot mnt
bootc_state mnt
mount --bind "$S/mnt" "$S/mnt"
mount -t tmpfs tmpfs "$S/mnt/state/os/default/var"
echo mounted > "$S/mnt/state/os/default/var/over"
check "a mount on the shared var: boots" pivot mnt "composefs.digest=$D" "$BOOTC"
check "... with the physical root's var, not what is mounted on it" \
	test -f "$S/mnt/var/lib/shared" -a ! -e "$S/mnt/var/over"
unmounted mnt

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
done_testing
