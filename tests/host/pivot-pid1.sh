#!/usr/bin/env bash
# PID-1 mode of cfs-pivot (docs/pid1.md) on the host kernel.  Each boot runs
# as PID 1 of its own PID and mount namespace, with a tmpfs as the
# initramfs (tests/host/pivot-pid1-driver.c makes it the root, then calls
# cfs-pivot's own PID-1 entry point, pivot_boot_pid1(), with the command
# line read from a file: /proc/cmdline is the host's).  Root devices are
# ext4 images on loop devices holding a store with a composefs image of
# the "installed system": busybox with an init script that says how it was
# started and what it finds mounted.  A refused boot
# calls reboot(2), which in a PID namespace ends its init with SIGINT
# (halt: exit 130 here) or SIGHUP (reboot: 129) instead of the machine.
#
# The whole script runs in a private mount namespace of its own, so that
# every mount it makes vanishes with it.
if [ "$(id -u)" -eq 0 ] && [ -z "${CFS_PID1_NS:-}" ]; then
	exec unshare --mount --propagation private env CFS_PID1_NS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "PID-1 mode needs root (namespaces, mounts, loop devices)"
	done_testing
	exit
fi
missing=
for tool in busybox mkfs.ext4 sfdisk partx losetup depmod xz cc; do
	command -v "$tool" > /dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	skip "PID-1 mode tests need:$missing"
	done_testing
	exit
fi

S=$(scratch)
KVER=$(uname -r)
LOOPS=()
cleanup() {
	local l
	# Deepest first; the namespace would drop them at exit, but only
	# after the scratch directory is to be removed.
	unmount_scratch
	for l in "${LOOPS[@]}"; do losetup -d "$l" 2> /dev/null; done
	rm -rf "$SCRATCH"
}
trap cleanup EXIT

# ------------------------------------------------------------------ driver
# Compiled and linked as cfs-pivot is (make print-pivot-link): the same
# libkmod and libblkid archives, statically unless sanitized.
DRIVER=$S/driver
build_driver() {
	local link san=
	[ -n "${CFS_SANITIZED:-}" ] && san=1
	link=$(make -s -C "$REPO" print-pivot-link SANITIZE=$san) || return 1
	flags() { sed -n "s/^$1=//p" <<< "$link"; }
	# shellcheck disable=SC2046 # the flags are lists of words
	(cd "$REPO" && cc -std=gnu11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Isrc \
		$(flags PIVOT_CPPFLAGS) $(flags PIVOT_LDFLAGS) -o "$DRIVER" tests/host/pivot-pid1-driver.c \
		"$BUILD/libcfspivot.a" "$BUILD/libcfs.a" $(flags PIVOT_LIBS))
}
if ! out=$(build_driver 2>&1); then
	fail "the test driver builds against $BUILD"
	printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
	done_testing
	exit
fi
ok "the test driver builds against $BUILD"

# --------------------------------------------------------- installed system
# $S/os: what the root device holds.  /sbin/init reports argv[0], its PID
# and every mount as "MOUNT <point> <type> <options> <fs options>".
OS=$S/os
mkdir -p "$OS"/{bin,sbin,etc,proc,sys,dev,run}
cp "$(command -v busybox)" "$OS/bin/busybox"
for applet in sh awk echo; do ln -s busybox "$OS/bin/$applet"; done
cat > "$OS/sbin/init" <<'EOF'
#!/bin/sh
echo "INIT: $0 pid=$$"
awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { print "MOUNT", $5, $(i + 1), $6, $(i + 3); break } }' /proc/self/mountinfo
EOF
cat > "$OS/sbin/other-init" <<'EOF'
#!/bin/sh
echo "OTHER-INIT: $0 pid=$$"
EOF
ln -s /sbin/init "$OS/sbin/init-link"	# absolute: must resolve inside the new root
# init is executed from the fd it was opened as: a program keeps the
# argv[0] it was given, a script's interpreter reads it as /dev/fd/N.
printf '%s\n' '#include <stdio.h>' '#include <unistd.h>' \
	'int main(int argc, char **argv) { (void)argc; printf("ELF-INIT: %s pid=%d\n", argv[0], (int)getpid()); return 0; }' \
	> "$S/elf-init.c"
cc -static -o "$OS/sbin/elf-init" "$S/elf-init.c"
printf 'this is no program\n' > "$OS/sbin/not-elf"
chmod 755 "$OS/sbin/init" "$OS/sbin/other-init" "$OS/sbin/not-elf"

# ------------------------------------------------------------- module tree
# A depmod tree for the running kernel's release: cfs_test_top needs
# cfs_test_dep (an exported symbol), both .ko.xz ($PLAINTREE: the same
# as plain .ko, as cfs-mkinitramfs packs them); cfs_test_builtin is in
# modules.builtin; $LIVE, when the host has loadable modules, is one it
# has loaded.  The .ko files are objects without a module section: a
# kernel that supports modules refuses them (ENOEXEC), so nothing is ever
# loaded into the host.
MODTREE=$S/modtree PLAINTREE=$S/plaintree
LIVE=$(awk '$3 == 0 && $5 == "Live" { print $1; exit }' /proc/modules 2> /dev/null)
make_modtree() { # TREE COMPRESS(yes|no)
	local base=$S/modbase d=$S/modbase/lib/modules/$KVER
	rm -rf "$base" && mkdir -p "$d/kernel/cfs" || return 1
	printf '%s\n' '__attribute__((section("__ksymtab_strings"), used)) static const char s[] = "cfs_test_sym";' \
		'void cfs_test_sym(void) {}' > "$S/dep.c"
	printf '%s\n' 'extern void cfs_test_sym(void);' 'void cfs_test_top(void) { cfs_test_sym(); }' > "$S/top.c"
	cc -c -o "$d/kernel/cfs/cfs_test_dep.ko" "$S/dep.c" &&
		cc -c -o "$d/kernel/cfs/cfs_test_top.ko" "$S/top.c" || return 1
	if [ -n "$LIVE" ]; then
		echo 'void cfs_test_live(void) {}' > "$S/live.c"
		cc -c -o "$d/kernel/cfs/$LIVE.ko" "$S/live.c" || return 1
	fi
	[ "$2" = no ] || xz "$d"/kernel/cfs/*.ko || return 1
	echo kernel/cfs/cfs_test_builtin.ko > "$d/modules.builtin"
	: > "$d/modules.order"
	: > "$d/modules.builtin.modinfo"
	depmod -b "$base" "$KVER" && mv "$d" "$1"
}
check "a depmod tree of fake modules" make_modtree "$MODTREE" yes
check "a depmod tree of the same modules, plain" make_modtree "$PLAINTREE" no

# modules NAME LIST-TEXT: the driver loads LIST-TEXT's modules from $MODTREE.
modules() {
	printf '%s' "$2" > "$S/$1.list"
	"$DRIVER" modules "$MODTREE" "$S/$1.list"
}
check "a built-in module (modules.builtin) is success" \
	modules ok $'# comment\ncfs_test_builtin\n\n'
if [ -n "$LIVE" ]; then
	check "a module the kernel has loaded ($LIVE) is success" modules live "$LIVE"
else
	skip "a module the kernel has loaded is success (this kernel loads no modules)"
fi
check "no modules list: nothing to load" "$DRIVER" modules "$MODTREE" "$S/no-such-list"
check_fails "a dependency is loaded first and a failure names it" 14 \
	'cannot load module cfs_test_dep, which cfs_test_top needs: ' modules dep $'cfs_test_top\n'
# libkmod hands the kernel the module decompressed, or the compressed file
# to a kernel that says it decompresses itself.
if command -v strace > /dev/null; then
	DEP_SIZE=$(xz -dc "$MODTREE/kernel/cfs/cfs_test_dep.ko.xz" | wc -c)
	out=$(strace -e trace=init_module,finit_module "$DRIVER" modules "$MODTREE" "$S/dep.list" 2>&1)
	if grep -qE "^init_module\(0x[0-9a-f]+, $DEP_SIZE, " <<< "$out" ||
	   grep -q '^finit_module(.*MODULE_INIT_COMPRESSED_FILE' <<< "$out"; then
		ok "a .ko.xz module reaches the kernel decompressed"
	else
		fail "a .ko.xz module reaches the kernel decompressed"
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'
	fi
	# A plain .ko goes to the kernel as it is: its file, or its bytes.
	DEP_SIZE=$(stat -c %s "$PLAINTREE/kernel/cfs/cfs_test_dep.ko")
	out=$(strace -y -e trace=init_module,finit_module "$DRIVER" modules "$PLAINTREE" "$S/dep.list" 2>&1)
	if grep -qE "^init_module\(0x[0-9a-f]+, $DEP_SIZE, " <<< "$out" ||
	   grep -qF "finit_module(3<$PLAINTREE/kernel/cfs/cfs_test_dep.ko>, \"\", 0)" <<< "$out"; then
		ok "a plain .ko module reaches the kernel as it is"
	else
		fail "a plain .ko module reaches the kernel as it is"
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'
	fi
else
	skip "a .ko.xz module reaches the kernel decompressed (no strace)"
	skip "a plain .ko module reaches the kernel as it is (no strace)"
fi
check_fails "plain .ko: a dependency is loaded first and a failure names it" 14 \
	'cannot load module cfs_test_dep, which cfs_test_top needs: ' \
	"$DRIVER" modules "$PLAINTREE" "$S/dep.list"
check "plain .ko: a built-in module is success" "$DRIVER" modules "$PLAINTREE" "$S/ok.list"
check_fails "a module in neither the tree nor the kernel is named" 14 \
	"module cfs_test_missing is neither in $MODTREE nor built into the kernel" \
	modules missing $'cfs_test_builtin\ncfs_test_missing\n'
check_fails "a bad line of the list is named" 14 \
	"bad.list:2: 'ext4 max=1' is not a module name" modules bad $'cfs_test_builtin\next4 max=1\n'
check_fails "a tree without depmod's index" 14 "cannot load the module index in $S: " \
	"$DRIVER" modules "$S" "$S/ok.list"

# --------------------------------------------------------------- initramfs
# new_initramfs NAME: a tmpfs at $S/NAME holding what a minimal initramfs
# holds around cfs-pivot, plus files to be freed at the switch.
new_initramfs() {
	local d=$S/$1
	mkdir -p "$d" && mount -t tmpfs -o mode=0755 "initramfs-$1" "$d" || return 1
	mkdir -p "$d"/etc/cfsboot "$d"/lib/modules "$d"/deep/a/b/c
	cp -a "$MODTREE" "$d/lib/modules/$KVER"
	printf 'cfs_test_builtin\n' > "$d/etc/cfsboot/modules"
	echo deep > "$d/deep/a/b/c/file"
	ln -s /keep "$d/link-to-keep"
}

# add_mount NAME DIR: a separate tmpfs at DIR inside initramfs NAME, with a
# file that the switch must not delete.
add_mount() {
	mkdir -p "$S/$1/$2" && mount -t tmpfs "other-$1" "$S/$1/$2" && echo keep > "$S/$1/$2/kept"
}

# add_newroot NAME: the installed system on a tmpfs at /newroot inside NAME.
add_newroot() {
	mkdir -p "$S/$1/newroot" && mount -t tmpfs "newroot-$1" "$S/$1/newroot" &&
		cp -a "$OS/." "$S/$1/newroot/"
}

# pid1 NAME ARGS...: the driver as PID 1 of new PID and mount namespaces,
# with initramfs NAME as its root.
pid1() {
	local name=$1; shift
	timeout 120 unshare --pid --fork --kill-child --mount --propagation private \
		"$DRIVER" --enter "$S/$name" "$@"
}

# boot NAME CMDLINE [POLICY]: PID-1 mode from initramfs NAME, as cfs-pivot
# runs it, with CMDLINE as the kernel command line and POLICY (default
# $DEV_POLICY) as pivot.conf.
boot() {
	printf '%s\n' "$2" > "$S/$1/cmdline"
	printf '%s\n' "${3:-$DEV_POLICY}" > "$S/$1/etc/cfsboot/pivot.conf"
	pid1 "$1" boot /cmdline /etc/cfsboot/pivot.conf /sysroot
}

# left NAME: what is left in initramfs NAME, one name per line, sorted.
left() {
	(cd "$S/$1" && find . -mindepth 1 | LC_ALL=C sort)
}

# expect NAME STATUS OUT PATTERN...: the run exited STATUS and printed a
# line matching each PATTERN.
expect() {
	local name=$1 status=$2 out=$3 want=$4 p; shift 4
	if [ "$status" -ne "$want" ]; then
		fail "$name (exit $status, expected $want)"
		printf '%s\n' "$out" | tail -n 12 | sed 's/^/#   /'
		return
	fi
	for p in "$@"; do
		if ! printf '%s\n' "$out" | grep -qE -- "$p"; then
			fail "$name (no line matches /$p/)"
			printf '%s\n' "$out" | tail -n 12 | sed 's/^/#   /'
			return
		fi
	done
	ok "$name"
}

# --------------------------------------------------------- switch root only
new_initramfs sw && add_mount sw keep && add_newroot sw
rc=0; out=$(pid1 sw switch /newroot 2>&1) || rc=$?
expect "switch: an init script runs as PID 1, read from the fd it was opened as" $rc "$out" 0 \
	'^INIT: /dev/fd/[0-9]+ pid=1$' '^MOUNT / tmpfs '
expect "switch: /proc, /sys, /dev and /run are moved into the new root" $rc "$out" 0 \
	'^MOUNT /proc proc ' '^MOUNT /sys sysfs ' '^MOUNT /dev devtmpfs ' '^MOUNT /run tmpfs '
if [ "$(left sw)" = "$(printf './keep\n./keep/kept')" ]; then
	ok "switch: the initramfs's files are deleted, another mount's are not"
else
	fail "switch: the initramfs's files are deleted, another mount's are not"
	left sw | sed 's/^/#   left: /'
fi

new_initramfs swi && add_newroot swi
rc=0; out=$(pid1 swi switch /newroot /sbin/other-init 2>&1) || rc=$?
expect "switch: init= is executed" $rc "$out" 0 '^OTHER-INIT: /dev/fd/[0-9]+ pid=1$'

new_initramfs swe && add_newroot swe
rc=0; out=$(pid1 swe switch /newroot /sbin/elf-init 2>&1) || rc=$?
expect "switch: a program as init runs as PID 1 with argv[0] its path" $rc "$out" 0 \
	'^ELF-INIT: /sbin/elf-init pid=1$'

new_initramfs swl && add_newroot swl
rc=0; out=$(pid1 swl switch /newroot /sbin/init-link 2>&1) || rc=$?
expect "switch: an absolute symlink as init resolves inside the new root" $rc "$out" 0 \
	'^INIT: /dev/fd/[0-9]+ pid=1$'

new_initramfs swm && add_newroot swm
rc=0; out=$(pid1 swm switch /newroot /sbin/nope 2>&1) || rc=$?
expect "switch: a missing init is refused" $rc "$out" 13 \
	'the new root /newroot has no /sbin/nope; name its init program with init='
if [ -f "$S/swm/deep/a/b/c/file" ] && [ -L "$S/swm/link-to-keep" ] && [ -f "$S/swm/newroot/sbin/init" ]; then
	ok "switch: a missing init is refused before anything is deleted"
else
	fail "switch: a missing init is refused before anything is deleted"
fi

new_initramfs swd && add_newroot swd
rc=0; out=$(pid1 swd switch /newroot /etc 2>&1) || rc=$?
expect "switch: a directory as init is refused" $rc "$out" 13 \
	'/etc in the new root /newroot is not an executable file'

rc=0; out=$(pid1 swd switch /newroot sbin/init 2>&1) || rc=$?
expect "switch: a relative init= is refused" $rc "$out" 13 'init=sbin/init is not an absolute path'

rc=0; out=$(pid1 swd switch /etc 2>&1) || rc=$?
expect "switch: a new root that is not a mount point is refused" $rc "$out" 13 \
	'the new root /etc is not a mount point'

new_initramfs swx && add_newroot swx
rc=0; out=$(pid1 swx switch /newroot /sbin/not-elf 2>&1) || rc=$?
expect "switch: a failing exec is reported" $rc "$out" 13 \
	'cannot execute /sbin/not-elf in the new root: Exec format error; the initramfs is gone'

# An old root that is no ramfs or tmpfs is not an initramfs: nothing is
# deleted from it.
truncate -s 16M "$S/disk-root.img" && mkfs.ext4 -q -F "$S/disk-root.img" &&
	mkdir -p "$S/ondisk" && mount -o loop "$S/disk-root.img" "$S/ondisk" &&
	echo stays > "$S/ondisk/file" && add_newroot ondisk
rc=0; out=$(pid1 ondisk switch /newroot 2>&1) || rc=$?
expect "switch: an old root on a real file system is left alone" $rc "$out" 0 \
	'the old root is not an initramfs' '^INIT: /dev/fd/[0-9]+ pid=1$'
if [ -f "$S/ondisk/file" ]; then ok "switch: its files are still there"; else fail "switch: its files are still there"; fi

# ------------------------------------------------------------ the image
# The installed system as a composefs image in a store, which every root
# device below holds: its init reports what it finds.
IMG=$S/image-src
mkdir -p "$IMG" && cp -a "$OS/." "$IMG/" && mkdir -p "$IMG/var" "$IMG/sysroot"
echo image-host > "$IMG/etc/hostname"
for applet in touch tr head; do ln -s busybox "$IMG/bin/$applet"; done
# An absolute link out of the image's own tree, onto the physical root.
ln -s /sysroot/evil "$IMG/sbin/escape"
cat > "$IMG/sbin/init" <<'INIT'
#!/bin/sh
echo "IMAGE-INIT: $0 pid=$$"
awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { print "MOUNT", $5, $(i + 1), $6, $(i + 3); break } }' /proc/self/mountinfo
echo pid1 > /etc/pid1-etc && echo "ETC: writable"
echo pid1 > /var/pid1-var && echo "VAR: writable"
touch /sysroot/pid1-sysroot 2> /dev/null || echo "SYSROOT: read-only"
for f in ld.so.preload systemd/system/evil.service; do [ -e "/etc/$f" ] && echo "PLANTED: /etc/$f"; done
read -r h < /etc/hostname; echo "HOSTNAME: $h"
echo kept > /etc/hostname
echo "STATUS: $(tr -d ' \n' < /run/cfsboot/status.json)"
# What was planted on the physical root and in its state (below): a
# setuid-root program run by an unprivileged user, and a device node.
for f in /sysroot/evil-suid /var/evil-suid /etc/evil-suid; do
	[ -e "$f" ] && echo "SUID $f: $(runas 1000 "$f" 2>&1)"
done
for f in /sysroot/evil-dev /var/evil-dev; do
	[ -e "$f" ] && { head -c 16 "$f" > /dev/null 2>&1 && echo "DEV $f: readable" || echo "DEV $f: refused"; }
done
exit 0
INIT
# runas UID PROG: PROG started by an unprivileged user, as a local user would.
printf '%s\n' '#include <grp.h>' '#include <stdio.h>' '#include <stdlib.h>' '#include <unistd.h>' \
	'int main(int argc, char **argv) { uid_t u; if (argc < 3) return 2; u = (uid_t)atoi(argv[1]);' \
	'  if (setgroups(0, NULL) || setresgid(u, u, u) || setresuid(u, u, u)) return 3;' \
	'  execv(argv[2], argv + 2); perror(argv[2]); return 4; }' > "$S/runas.c"
cc -static -D_GNU_SOURCE -o "$IMG/bin/runas" "$S/runas.c"
COMPOSED=$S/composed-root
mkdir -p "$COMPOSED/composefs"
ID=$("$CFSBOOT" mkimage --store "$COMPOSED/composefs" --print-digest "$IMG" "$S/composed.cfs" 2> /dev/null)
if [ ${#ID} -eq 64 ]; then ok "a store holding the image"; else fail "a store holding the image"; fi
D=composefs.digest=$ID
# Planted on the physical root and in the deployment's /etc and /var
# state, as an attacker with the disk would: a program that would run in
# place of the image's init, a setuid-root program that says whom it runs
# as, and a device node (/dev/zero's, which any kernel has; a disk's
# would do the same).
plant() {
	local d
	printf '%s\n' '#include <stdio.h>' '#include <unistd.h>' \
		'int main(void) { printf("euid=%d\n", (int)geteuid()); return 0; }' > "$S/euid.c" &&
		cc -static -o "$S/euid" "$S/euid.c" || return 1
	mkdir -p "$COMPOSED/state/deploy/$ID/var" "$COMPOSED/state/deploy/$ID/etc/upper" || return 1
	for d in "$COMPOSED" "$COMPOSED/state/deploy/$ID/var"; do
		printf '#!/bin/sh\necho "EVIL-INIT: $0 pid=$$"\n' > "$d/evil" && chmod 755 "$d/evil" &&
			install -m 4755 "$S/euid" "$d/evil-suid" && mknod "$d/evil-dev" c 1 5 || return 1
	done
	install -m 4755 "$S/euid" "$COMPOSED/state/deploy/$ID/etc/upper/evil-suid"
}
check "files planted on the physical root and in its state" plant
# What this host lacks turned off: fs-verity, and a TPM, which must never be
# the host's own.  /etc and /var as by default: etc = transient keeping
# hostname, var = bind, on the physical root.
DEV_POLICY=$'root-wait = 5\nverity = insecure-dev\nsignature = off\ntpm = off'

# ------------------------------------------------------------ root devices
FSUUID=$(cat /proc/sys/kernel/random/uuid)
LABEL=cfsT$RANDOM
PARTUUID=$(cat /proc/sys/kernel/random/uuid)
PARTLABEL=cfs-part-$RANDOM

attach() { # VAR IMAGE [losetup options]: sets VAR to a new loop device of IMAGE
	local l
	l=$(losetup --find --show "${@:3}" "$2") || return 1
	LOOPS+=("$l")
	printf -v "$1" %s "$l"
}
detach() { # DEV: detaches a device of attach, now rather than at exit
	local i
	losetup -d "$1"
	for i in "${!LOOPS[@]}"; do [ "${LOOPS[$i]}" = "$1" ] && unset "LOOPS[$i]"; done
}

truncate -s 32M "$S/root.img"
mkfs.ext4 -q -F -U "$FSUUID" -L "$LABEL" -d "$COMPOSED" "$S/root.img"
attach ROOT_DEV "$S/root.img"

# A GPT disk whose one partition holds the same store.  This host kernel
# may not read partition tables itself; partx adds the partition then.
truncate -s 48M "$S/disk.img"
printf 'label: gpt\nsize=40M, type=L, uuid=%s, name=%s\n' "$PARTUUID" "$PARTLABEL" |
	sfdisk -q "$S/disk.img"
attach DISK_DEV "$S/disk.img" --partscan
[ -b "${DISK_DEV}p1" ] || partx -a "$DISK_DEV"
mkfs.ext4 -q -F -d "$COMPOSED" "${DISK_DEV}p1"

for spec in "UUID=$FSUUID" "UUID=${FSUUID^^}" "LABEL=$LABEL" "PARTUUID=$PARTUUID" \
	    "PARTLABEL=$PARTLABEL" "$ROOT_DEV"; do
	new_initramfs b && add_mount b keep
	rc=0; out=$(boot b "console=ttyS0 root=$spec ro $D" 2>&1) || rc=$?
	expect "boot root=$spec: found, its mount read-only, its file system writable, init runs" \
		$rc "$out" 0 "root device $spec is /dev/" '^IMAGE-INIT: /dev/fd/[0-9]+ pid=1$' \
		'^MOUNT /sysroot ext4 ro,[^ ]* rw'
	umount -l "$S/b/keep" 2> /dev/null; umount -l "$S/b"
done

new_initramfs b
rc=0; out=$(boot b "root=UUID=$FSUUID $D" 2>&1) || rc=$?
expect "boot: the modules of /etc/cfsboot/modules are loaded" $rc "$out" 0 \
	'loaded the 1 module of /etc/cfsboot/modules'
if [ "$(printf '%s\n' "$out" | grep -c '^MOUNT /proc ')" -eq 1 ]; then
	ok "boot: the API file systems are mounted once"
else
	fail "boot: the API file systems are mounted once"
fi
if [ -z "$(left b)" ]; then ok "boot: the initramfs is emptied"; else fail "boot: the initramfs is emptied"; fi
umount -l "$S/b"

new_initramfs b
rc=0; out=$(boot b "root=UUID=$FSUUID rootfstype=xfs,ext4 rootflags=nodelalloc init=/sbin/other-init $D" \
	"$DEV_POLICY"$'\ninit = /sbin/other-init' 2>&1) || rc=$?
expect "boot: rootfstype= is tried in order, the policy's init is executed" $rc "$out" 0 \
	'mounted root device /dev/[a-z0-9]+ \(ext4\) at /sysroot, the mount read-only' \
	'^OTHER-INIT: /dev/fd/[0-9]+ pid=1$'
umount -l "$S/b"

new_initramfs b
rc=0; out=$(boot b "root=UUID=$FSUUID rootflags=nodelalloc $D" 2>&1) || rc=$?
expect "boot: rootflags= reach the file system" $rc "$out" 0 '^MOUNT /sysroot ext4 ro,[^ ]* rw,nodelalloc'
umount -l "$S/b"

# Refusals: PID 1 says why last and halts (exit 130) or reboots (129).
new_initramfs b
rc=0; out=$(boot b "root=$ROOT_DEV rootfstype=xfs $D" 2>&1) || rc=$?
expect "boot: a wrong rootfstype= halts, saying why" $rc "$out" 130 \
	"boot refused \(rootdev, exit 14\): cannot mount root device /dev/[a-z0-9]+ \(xfs\) at /sysroot: " \
	'halting'
if [ -n "$(left b)" ]; then ok "boot: a refused boot leaves the initramfs"; else fail "boot: a refused boot leaves the initramfs"; fi
umount -l "$S/b"

new_initramfs b
rc=0; out=$(boot b "root=UUID=$FSUUID rootflags=nodelalloc,cfs_bogus=1 $D" 2>&1) || rc=$?
expect "boot: an option of rootflags= the file system refuses is named with the kernel's reason" \
	$rc "$out" 130 "cannot mount root device /dev/[a-z0-9]+ \(ext4, nodelalloc,cfs_bogus=1\) at /sysroot: Invalid argument \(kernel: .*cfs_bogus.*\)"
umount -l "$S/b"

GONE=$(cat /proc/sys/kernel/random/uuid)
new_initramfs b
start=$SECONDS
rc=0; out=$(boot b "root=UUID=$GONE rootwait $D" $'root-wait = 1\non-failure = halt' 2>&1) || rc=$?
took=$((SECONDS - start))
expect "boot: a root device that never appears times out, rootwait or not" $rc "$out" 130 \
	"waiting up to 1 s for root device UUID=$GONE" \
	"boot refused \(rootdev, exit 14\): root device UUID=$GONE did not appear within 1 s among file systems of type ext4,ext3,ext2,xfs,btrfs,f2fs \(rootfstype= names others\); check root="
if [ "$took" -le 10 ]; then ok "boot: the wait is bounded (${took} s for root-wait = 1)"; else fail "boot: the wait is bounded (${took} s for root-wait = 1)"; fi
if dmesg 2> /dev/null | grep -qF "boot refused (rootdev, exit 14): root device UUID=$GONE"; then
	ok "boot: the refusal is in the kernel log"
else
	fail "boot: the refusal is in the kernel log"
fi
umount -l "$S/b"

# The same refusal with a TPM (swtpm, tests/swtpm.sh): PID 1 marks PCR 15
# with composefs-refused:rootdev before it halts, so that nothing can bring
# the PCR from zero to a genuine boot's value with the public words.
if command -v swtpm > /dev/null && command -v tpm2_pcrread > /dev/null; then
	PIDS=()
	SWTPM_DIR=$S/tpm
	. "$TESTS_DIR/swtpm.sh"
	swtpm_template
	start_tpm pid1 || fail "swtpm starts"
	new_initramfs b
	rc=0; out=$(boot b "root=UUID=$GONE $D" \
		$'root-wait = 1\non-failure = halt\ntpm-device = '"$DEV" 2>&1) || rc=$?
	expect "boot: the refusal with a TPM still halts with its class" $rc "$out" 130 \
		"measured composefs-refused:rootdev into PCR 15" \
		"boot refused \(rootdev, exit 14\): root device UUID=$GONE did not appear within 1 s"
	want=$(python3 -c 'import hashlib, sys; w = hashlib.sha256(b"composefs-refused:rootdev").digest(); print(hashlib.sha256(bytes(32) + w).hexdigest())')
	got=$(timeout 30 tpm2_pcrread sha256:15 | sed -n 's/^ *15 *: *0x//p' | tr 'A-F' 'a-f')
	check "boot: PCR 15 after it is composefs-refused:rootdev's ($want), per tpm2_pcrread" test "$got" = "$want"
	umount -l "$S/b"
	for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null; done
	wait 2> /dev/null
else
	skip "boot: PCR 15 after a refusal needs swtpm and tpm2-tools"
fi

# The TPM's phases run alongside the root device's (pid1.md): a refusal of
# theirs is taken at their own place in the order, after the root device,
# the store and the digest, and is the one given when those pass.  The
# TPM's wait outlasts the root device's, so that its refusal comes later.
NO_TPM=$'tpm = required\ntpm-device = /dev/cfs-no-such-tpm\ntpm-wait = 2\non-failure = halt'
new_initramfs b
rc=0; out=$(boot b "root=UUID=$GONE $D" \
	$'root-wait = 1\nverity = insecure-dev\nsignature = off\n'"$NO_TPM" 2>&1) || rc=$?
expect "boot: with no TPM either, the root device's refusal is the one given" $rc "$out" 130 \
	"boot refused \(rootdev, exit 14\): root device UUID=$GONE did not appear within 1 s"
umount -l "$S/b"
new_initramfs b
rc=0; out=$(boot b "root=UUID=$FSUUID $D" $'verity = insecure-dev\nsignature = off\n'"$NO_TPM" 2>&1) ||
	rc=$?
expect "boot: a TPM that is required and missing refuses after the root device is found" \
	$rc "$out" 130 "root device UUID=$FSUUID is /dev/" \
	"boot refused \(tpm, exit 10\): no TPM found \(tpm-device = /dev/cfs-no-such-tpm, waited"
umount -l "$S/b"

new_initramfs b
start=$SECONDS
rc=0; out=$(boot b "root=LABEL=$LABEL-gone $D" $'root-wait = 1\non-failure = reboot' 2>&1) || rc=$?
took=$((SECONDS - start))
expect "boot: on-failure = reboot reboots after the delay" $rc "$out" 129 \
	"boot refused \(rootdev, exit 14\): root device LABEL=$LABEL-gone did not appear" 'rebooting in 10 seconds'
if [ "$took" -ge 10 ]; then ok "boot: the reboot waits for a human to read (${took} s)"; else fail "boot: the reboot waits for a human to read (${took} s)"; fi
umount -l "$S/b"

cp "$S/root.img" "$S/clone.img"
attach CLONE_DEV "$S/clone.img"
new_initramfs b
rc=0; out=$(boot b "root=UUID=$FSUUID $D" 2>&1) || rc=$?
expect "boot: two devices with the root's UUID are refused, not guessed" $rc "$out" 130 \
	"root=UUID=$FSUUID is ambiguous: /dev/[a-z0-9]+ and /dev/[a-z0-9]+ both carry it"
umount -l "$S/b"
detach "$CLONE_DEV"

new_initramfs b
printf 'cfs_test_builtin\ncfs_test_missing\n' > "$S/b/etc/cfsboot/modules"
rc=0; out=$(boot b "root=UUID=$FSUUID $D" 2>&1) || rc=$?
expect "boot: a missing module refuses the boot, naming it" $rc "$out" 130 \
	"boot refused \(rootdev, exit 14\): module cfs_test_missing is neither in /lib/modules/$KVER"
umount -l "$S/b"

truncate -s 8M "$S/blank.img"
attach BLANK_DEV "$S/blank.img"
# halts NAME CMDLINE PATTERN: a boot from a fresh initramfs with CMDLINE
# halts (exit 130) and says PATTERN.
halts() {
	local rc=0 out
	new_initramfs b
	out=$(boot b "$2" 2>&1) || rc=$?
	expect "$1" $rc "$out" 130 "$3"
	umount -l "$S/b"
}
halts "boot: a device without a file system needs rootfstype=" "root=$BLANK_DEV $D" \
	"boot refused \(rootdev, exit 14\): cannot tell the file system type of root device $BLANK_DEV \(cfs-pivot looks for ext4,ext3,ext2,xfs,btrfs,f2fs only\); name it with rootfstype="
halts "boot: no root= is refused" "quiet $D" \
	'boot refused \(rootdev, exit 14\): PID-1 mode needs root= on the kernel command line'
halts "boot: a root= form that is not resolved is refused" "root=vda2 $D" \
	'boot refused \(rootdev, exit 14\): root=vda2 is not a form cfs-pivot resolves'
halts "boot: a command line naming no image is refused: PID 1 boots nothing else" "root=UUID=$FSUUID" \
	'boot refused \(no-image, exit 15\): the kernel command line names no image \(composefs.digest=\)'

# ------------------------------------------------ composing in PID-1 mode
# The store on a device of its own, whose state the tests look at.
# Files planted offline in the /etc state of two deployments: /state for
# etc = overlay, /state2 for the default /etc.
for st in state state2; do
	mkdir -p "$COMPOSED/$st/deploy/$ID/etc/upper/systemd/system"
	echo /planted.so > "$COMPOSED/$st/deploy/$ID/etc/upper/ld.so.preload"
	printf '[Service]\nExecStart=/bin/sh\n' > "$COMPOSED/$st/deploy/$ID/etc/upper/systemd/system/evil.service"
done
CFSUUID=$(cat /proc/sys/kernel/random/uuid)
truncate -s 64M "$S/composed.img"
check "a root device with the store" mkfs.ext4 -q -F -U "$CFSUUID" -d "$COMPOSED" "$S/composed.img"
attach COMPOSED_DEV "$S/composed.img"

# state_of FILE: FILE of the deployment's state on the composed root
# device, from a read-only mount of it.
state_of() {
	local m=$S/state-look
	mkdir -p "$m" && mount -o ro "$COMPOSED_DEV" "$m" || return 1
	cat "$m/state/deploy/$ID/$1"
	umount "$m"
}

new_initramfs c
rc=0; out=$(boot c "root=UUID=$CFSUUID ro composefs.digest=$ID" "$DEV_POLICY"$'\netc = overlay' 2>&1) || rc=$?
expect "compose: the image's init runs as PID 1 on the composed tree" $rc "$out" 0 \
	'^IMAGE-INIT: /dev/fd/[0-9]+ pid=1$' '^MOUNT / overlay ro,'
expect "compose: /sysroot is the physical root, its mount read-only, its file system writable" \
	$rc "$out" 0 '^MOUNT /sysroot ext4 ro,[^ ]* rw' '^SYSROOT: read-only$'
expect "compose: etc = overlay and var = bind on the physical root, writable" $rc "$out" 0 \
	'^MOUNT /etc overlay rw,' '^MOUNT /var ext4 rw,' '^ETC: writable$' '^VAR: writable$'
expect "compose: the status says booted, with the root-device phase" $rc "$out" 0 \
	'^STATUS: \{"result":"booted".*"name":"root-device"'
expect "compose: etc = overlay shows what was planted in its state (unverified, as documented)" \
	$rc "$out" 0 '^PLANTED: /etc/ld.so.preload$' '^PLANTED: /etc/systemd/system/evil.service$'
expect "compose: /sysroot is nosuid, nodev and noexec; /etc and /var nosuid and nodev" $rc "$out" 0 \
	'^MOUNT /sysroot ext4 ro,nosuid,nodev,noexec,' '^MOUNT /var ext4 rw,nosuid,nodev,' \
	'^MOUNT /etc overlay rw,nosuid,nodev,'
expect "compose: a setuid program planted on the physical root does not run through /sysroot" \
	$rc "$out" 0 '^SUID /sysroot/evil-suid: .*Permission denied'
expect "compose: one planted in the /var and /etc state runs, but not as root" $rc "$out" 0 \
	'^SUID /var/evil-suid: euid=1000$' '^SUID /etc/evil-suid: euid=1000$'
expect "compose: a device node planted there cannot be opened through /sysroot or /var" \
	$rc "$out" 0 '^DEV /sysroot/evil-dev: refused$' '^DEV /var/evil-dev: refused$'
if printf '%s\n' "$out" | grep -q '^DEV .*: readable$\|^SUID .*euid=0$'; then
	fail "compose: nothing planted gets root or the disk"
else
	ok "compose: nothing planted gets root or the disk"
fi
if [ "$(state_of etc/upper/pid1-etc)" = pid1 ] && [ "$(state_of var/pid1-var)" = pid1 ]; then
	ok "compose: what init wrote to /etc and /var is in the deployment's state on the device"
else
	fail "compose: what init wrote to /etc and /var is in the deployment's state on the device"
fi
umount -l "$S/c"

# The default /etc, on the deployment of /state2: the image's, with the
# kept hostname bound from the state; nothing planted there shows.
new_initramfs c
rc=0; out=$(boot c "root=UUID=$CFSUUID ro composefs.digest=$ID" "$DEV_POLICY"$'\nstate = /state2' 2>&1) || rc=$?
expect "keep: the default /etc as PID 1: the image's, with hostname bound nosuid,nodev,noexec" \
	$rc "$out" 0 '^IMAGE-INIT: /dev/fd/[0-9]+ pid=1$' '^MOUNT /etc overlay rw,' \
	'^MOUNT /etc/hostname ext4 rw,nosuid,nodev,noexec' '^HOSTNAME: image-host$'
if grep -q '^PLANTED' <<< "$out"; then
	fail "keep: a unit and ld.so.preload planted in the state are not in /etc"
else
	ok "keep: a unit and ld.so.preload planted in the state are not in /etc"
fi
umount -l "$S/c"
new_initramfs c
rc=0; out=$(boot c "root=UUID=$CFSUUID ro composefs.digest=$ID" "$DEV_POLICY"$'\nstate = /state2' 2>&1) || rc=$?
expect "keep: what init wrote to the kept /etc/hostname persists to the next boot" \
	$rc "$out" 0 '^HOSTNAME: kept$'
if [ "$(state_of ../../../state2/deploy/$ID/etc/upper/hostname)" = kept ] &&
	[ -z "$(state_of ../../../state2/deploy/$ID/etc/upper/pid1-etc 2> /dev/null)" ]; then
	ok "keep: the kept file is in the state, the other /etc writes are not"
else
	fail "keep: the kept file is in the state, the other /etc writes are not"
fi
# init= leads nowhere but into the image: the command line cannot name
# another init, and the policy's is opened without leaving the image's own
# tree, whatever links it follows.  The image's init never runs either.
init_refused() { # NAME CMDLINE-WORDS POLICY-LINES PATTERN
	local rc=0 out
	new_initramfs c
	out=$(boot c "root=UUID=$CFSUUID $2 composefs.digest=$ID" "$DEV_POLICY$3" 2>&1) || rc=$?
	expect "$1" $rc "$out" 130 "$4"
	if printf '%s\n' "$out" | grep -q 'INIT: '; then
		fail "$1: no init ran"
		printf '%s\n' "$out" | grep 'INIT: ' | sed 's/^/#   /'
	fi
	umount -l "$S/c"
}
init_refused "init: init=/sysroot/evil on the command line is refused" "init=/sysroot/evil" "" \
	'boot refused \(cmdline, exit 3\): refusing init=/sysroot/evil: the policy runs init = /sbin/init, and any other program could start unverified code as PID 1'
init_refused "init: init=/var/evil is refused" "init=/var/evil" $'\netc = transient\nvar = none' \
	'boot refused \(cmdline, exit 3\): refusing init=/var/evil: '
init_refused "init: a second init= is refused" "init=/sysroot/evil init=/sbin/init" "" \
	'boot refused \(cmdline, exit 3\): refusing init=/sysroot/evil and init=/sbin/init: the command line names two inits'
init_refused "init: a policy init on the physical root is not opened across /sysroot" \
	"init=/sysroot/evil" $'\ninit = /sysroot/evil' \
	'boot refused \(switch-root, exit 13\): refusing init /sysroot/evil: it leads out of the new root /sysroot onto another mount'
init_refused "init: nor one in the /var state" "" $'\ninit = /var/evil' \
	'boot refused \(switch-root, exit 13\): refusing init /var/evil: it leads out of the new root'
init_refused "init: nor a link of the image that leads onto the physical root" "" $'\ninit = /sbin/escape' \
	'boot refused \(switch-root, exit 13\): refusing init /sbin/escape: it leads out of the new root'
init_refused "init: an init the image does not have is refused" "init=/sbin/nope" $'\ninit = /sbin/nope' \
	'boot refused \(switch-root, exit 13\): the new root /sysroot has no /sbin/nope'
new_initramfs c
rc=0; out=$(boot c "root=UUID=$CFSUUID composefs.digest=$ID" "$DEV_POLICY"$'\ninit = /sbin/init-link' 2>&1) || rc=$?
expect "init: a link inside the image's tree is followed" $rc "$out" 0 '^IMAGE-INIT: /dev/fd/[0-9]+ pid=1$'
umount -l "$S/c"

# libblkid looks at the types of rootfstype= only.
new_initramfs c
rc=0; out=$(boot c "root=UUID=$CFSUUID rootfstype=xfs composefs.digest=$ID" \
	$'root-wait = 1\nverity = insecure-dev\nsignature = off\ntpm = off' 2>&1) || rc=$?
expect "rootfstype=: an ext4 root is not found among xfs file systems" $rc "$out" 130 \
	"root device UUID=$CFSUUID did not appear within 1 s among file systems of type xfs \(rootfstype= names others\)"
umount -l "$S/c"

# rootflags=ro makes the file system itself read-only: no state on it.
new_initramfs c
rc=0; out=$(boot c "root=UUID=$CFSUUID rootflags=ro composefs.digest=$ID" "$DEV_POLICY"$'\netc = overlay' 2>&1) || rc=$?
expect "compose: rootflags=ro refuses etc = overlay and var = bind, saying what to change" \
	$rc "$out" 130 \
	'boot refused \(state, exit 12\): the physical root /sysroot is a read-only file system, but etc = overlay and var = bind keep state on it: its file system must be mounted writable \(a writable superblock; the mount itself may stay read-only\); cfs-pivot mounts it so unless rootflags= holds ro or the device is read-only; or set etc = transient or none and var = none$'
umount -l "$S/c"

# No image named: as PID 1 there is nothing else to boot, whatever the
# policy; with an image required (here by the trust anchor in the
# initramfs) the refusal says so.  The image's init never runs.
new_initramfs c
rc=0; out=$(boot c "root=UUID=$CFSUUID" "$DEV_POLICY"$'\nimage = optional' 2>&1) || rc=$?
expect "compose: no image named is refused as PID 1 (image = optional)" $rc "$out" 130 \
	'boot refused \(no-image, exit 15\): the kernel command line names no image \(composefs.digest=\), and this initramfs boots nothing else'
if grep -q 'IMAGE-INIT' <<< "$out"; then fail "compose: ... the image's init never runs"; else ok "compose: ... the image's init never runs"; fi
umount -l "$S/c"
new_initramfs c
mkdir -p "$S/c/etc/cfsboot/trust.d" && echo "a certificate" > "$S/c/etc/cfsboot/trust.d/root.pem"
rc=0; out=$(boot c "root=UUID=$CFSUUID" "$DEV_POLICY" 2>&1) || rc=$?
expect "compose: no image named is refused as PID 1 (trust anchors: image = required)" $rc "$out" 130 \
	'boot refused \(no-image, exit 15\): the kernel command line names no image \(composefs.digest=\), and the policy requires one \(image = required\)'
umount -l "$S/c"

# A device that can only be read is mounted read-only, as the kernel does.
attach RO_DEV "$S/composed.img" --read-only
new_initramfs c
rc=0; out=$(boot c "root=$RO_DEV composefs.digest=$ID" "$DEV_POLICY" 2>&1) || rc=$?
expect "compose: a read-only device is mounted read-only and refuses state" $rc "$out" 130 \
	"root device $RO_DEV can only be read: its file system is mounted read-only" \
	'boot refused \(state, exit 12\): the physical root /sysroot is a read-only file system'
umount -l "$S/c"
new_initramfs c
rc=0; out=$(boot c "root=$RO_DEV composefs.digest=$ID" \
	"$DEV_POLICY"$'\netc = transient\nvar = none' 2>&1) || rc=$?
# hostname, which the etc = overlay boot above wrote to the state, is kept
# read-only.
expect "compose: a read-only device boots with etc = transient and var = none" $rc "$out" 0 \
	'^IMAGE-INIT: /dev/fd/[0-9]+ pid=1$' '^MOUNT /sysroot ext4 ro,[^ ]* ro' '^MOUNT /etc overlay rw,' \
	'^ETC: writable$' \
	'^MOUNT /etc/hostname ext4 rw,nosuid,nodev,noexec[^ ]* ro' '^HOSTNAME: kept$'
umount -l "$S/c"
detach "$RO_DEV"

done_testing
