#!/usr/bin/env bash
# initramfs/mkinitramfs.sh (cfs-mkinitramfs(8)) on a fake kernel: a depmod
# tree of fake modules with a dependency, a built-in module and a kernel
# configuration.  The archive holds exactly what it should, byte for byte
# the same from the same inputs, and every input cfs-pivot would refuse at
# boot is refused here first.  That the result boots is tests/vm/
# test-initramfs.sh's part.
. "$(dirname "$0")/../lib.sh"
S=$(scratch)
MKINIT=$REPO/initramfs/mkinitramfs.sh

if [ "$(id -u)" -ne 0 ]; then
	skip "mkinitramfs.sh needs root for the device nodes"
	done_testing
	exit
fi
# The initramfs needs the static cfs-pivot; the sanitized build's is not.
if [ -n "${CFS_SANITIZED:-}" ]; then
	skip "the initramfs needs the static cfs-pivot of the plain build"
	done_testing
	exit
fi
for tool in cpio depmod modprobe xz zstd gzip cc openssl; do
	command -v "$tool" > /dev/null || { skip "needs $tool"; done_testing; exit; }
done

# ------------------------------------------------------------- fake kernel
# kernel/cfs/cfs_top needs cfs_dep (an exported symbol); ext4, erofs,
# overlay and loop stand for the default modules; cfs_builtin is built in.
# The .ko files are plain objects, which depmod and modprobe index but no
# kernel would load.
KVER=9.9.9-cfstest
BASE=$S/base
make_kernel() {
	local d=$BASE/lib/modules/$KVER m
	mkdir -p "$d/kernel/cfs" "$d/kernel/fs" "$BASE/boot" || return 1
	printf '%s\n' '__attribute__((section("__ksymtab_strings"), used)) static const char s[] = "cfs_sym";' \
		'void cfs_sym(void) {}' > "$S/dep.c"
	printf '%s\n' 'extern void cfs_sym(void);' 'void cfs_top(void) { cfs_sym(); }' > "$S/top.c"
	cc -c -o "$d/kernel/cfs/cfs_dep.ko" "$S/dep.c" && cc -c -o "$d/kernel/cfs/cfs_top.ko" "$S/top.c" ||
		return 1
	for m in ext4 erofs overlay loop cfs_unused; do
		echo "void ${m}_fn(void) {}" > "$S/$m.c"
		cc -c -o "$d/kernel/fs/$m.ko" "$S/$m.c" || return 1
	done
	# The CPU's SHA-256, named as x86's: a file name with a dash.
	mkdir -p "$d/kernel/arch/x86/crypto" && echo 'void sha_fn(void) {}' > "$S/sha.c" &&
		cc -c -o "$d/kernel/arch/x86/crypto/sha256-ssse3.ko" "$S/sha.c" || return 1
	xz "$d"/kernel/*/*.ko "$d"/kernel/arch/x86/crypto/*.ko || return 1
	echo kernel/cfs/cfs_builtin.ko > "$d/modules.builtin"
	: > "$d/modules.builtin.modinfo"
	(cd "$d" && find kernel -name '*.ko.xz' | sed 's/\.xz$//' | sort) > "$d/modules.order"
	printf 'CONFIG_RD_GZIP=y\nCONFIG_RD_ZSTD=y\nCONFIG_EROFS_FS_BACKED_BY_FILE=y\n' > "$BASE/boot/config-$KVER"
	depmod -b "$BASE" "$KVER"
}
check "a fake kernel: modules with their depmod index and a configuration" make_kernel

if ! "$REPO/keys/mkpki.sh" root "$S/pki/root" > /dev/null 2>&1 ||
	! "$REPO/keys/mkpki.sh" root "$S/pki/other" > /dev/null 2>&1; then
	fail "make two root certificates"
	done_testing
	exit
fi
FP=$("$REPO/keys/mkpki.sh" fingerprint "$S/pki/other/cert.pem")
printf '# a revoked key\n%s  # comment\n\n' "$FP" > "$S/revoked.list"
printf 'tpm = required\nmin-version = 2\n' > "$S/pivot.conf"

# mk OUT [OPTIONS...]: the builder with the fake kernel and the plain
# build's cfs-pivot.
mk() {
	local out=$1; shift
	"$MKINIT" -o "$out" -k "$KVER" -b "$BASE" --pivot "$CFS_PIVOT" "$@"
}
# list IMG: the archive's entries, "mode uid gid name" (devices: "mode major,minor name").
list() {
	zstd -dc "$1" | cpio -itv --quiet --numeric-uid-gid 2> /dev/null |
		awk '{ if ($1 ~ /^[cb]/) print $1, $5 $6, $NF; else print $1, $3, $4, $NF }'
}

# ------------------------------------------------------------- the archive
check "--help" "$MKINIT" --help
out=$(mk "$S/a.img" --policy "$S/pivot.conf" --trust "$S/pki/root/cert.pem" \
	--revoked "$S/revoked.list" -m cfs_top -m cfs_builtin 2>&1)
check "builds an initramfs" test -s "$S/a.img"
check "says its size" grep -qE "^$S/a.img: $(stat -c %s "$S/a.img") bytes \(zstd" <<< "$out"
check "a zstd-compressed cpio archive" zstd -t -q "$S/a.img"
list "$S/a.img" > "$S/a.list"
M=lib/modules/$KVER
cat > "$S/want.list" <<EOF
drwxr-xr-x 0 0 dev
crw------- 5,1 dev/console
crw-rw-rw- 1,3 dev/null
drwxr-xr-x 0 0 etc
drwxr-xr-x 0 0 etc/cfsboot
-rw-r--r-- 0 0 etc/cfsboot/modules
-rw-r--r-- 0 0 etc/cfsboot/pivot.conf
-rw-r--r-- 0 0 etc/cfsboot/revoked.list
drwxr-xr-x 0 0 etc/cfsboot/trust.d
-rw-r--r-- 0 0 etc/cfsboot/trust.d/cert.pem
-rwxr-xr-x 0 0 init
drwxr-xr-x 0 0 lib
drwxr-xr-x 0 0 lib/modules
drwxr-xr-x 0 0 $M
drwxr-xr-x 0 0 $M/kernel
drwxr-xr-x 0 0 $M/kernel/cfs
-rw-r--r-- 0 0 $M/kernel/cfs/cfs_dep.ko
-rw-r--r-- 0 0 $M/kernel/cfs/cfs_top.ko
drwxr-xr-x 0 0 $M/kernel/fs
-rw-r--r-- 0 0 $M/kernel/fs/erofs.ko
-rw-r--r-- 0 0 $M/kernel/fs/ext4.ko
-rw-r--r-- 0 0 $M/kernel/fs/overlay.ko
drwxr-xr-x 0 0 proc
drwxr-xr-x 0 0 run
drwxr-xr-x 0 0 sys
drwxr-xr-x 0 0 sysroot
EOF
# ... and whatever index files this depmod writes, which must include
# those libkmod reads.
grep " $M/modules\." "$S/a.list" | sed 's/^[^ ]* [^ ]* [^ ]* //' > "$S/index.list"
check "exactly the expected entries, modes and owners (and depmod's files)" \
	diff <(grep -v " $M/modules\." "$S/a.list") "$S/want.list"
for f in modules.dep.bin modules.alias.bin modules.symbols.bin modules.builtin.bin modules.softdep; do
	check "the index has $f" grep -qx "$M/$f" "$S/index.list"
done
check "every index file is root's, mode 0644" test -z "$(grep " $M/modules\." "$S/a.list" | grep -v '^-rw-r--r-- 0 0 ')"
mkdir "$S/x" && (cd "$S/x" && zstd -dc "$S/a.img" | cpio -idm --quiet 2> /dev/null)
check "the modules list: the modules asked for, in order, not the built-in one" \
	test "$(grep -v '^#' "$S/x/etc/cfsboot/modules" | tr '\n' ' ')" = "cfs_top ext4 erofs overlay "
check "no loop module: the kernel mounts EROFS from a file" test ! -e "$S/x/$M/kernel/fs/loop.ko"
check "modules.dep: cfs_top needs cfs_dep" grep -qx 'kernel/cfs/cfs_top.ko: kernel/cfs/cfs_dep.ko' "$S/x/$M/modules.dep"
check "modules.order: only the modules present" test "$(wc -l < "$S/x/$M/modules.order")" -eq 5
check "the built-in module stays known (modules.builtin)" grep -qx 'kernel/cfs/cfs_builtin.ko' "$S/x/$M/modules.builtin"
# The archive is compressed as a whole: the modules go in decompressed,
# byte for byte what the shipped files hold.
check "modules are decompressed: the shipped .ko.xz's content" \
	cmp "$S/x/$M/kernel/cfs/cfs_top.ko" <(xz -dc "$BASE/$M/kernel/cfs/cfs_top.ko.xz")
check "the policy as given" cmp "$S/x/etc/cfsboot/pivot.conf" "$S/pivot.conf"
check "the trust anchor as given" cmp "$S/x/etc/cfsboot/trust.d/cert.pem" "$S/pki/root/cert.pem"
check "the revocation list as given" cmp "$S/x/etc/cfsboot/revoked.list" "$S/revoked.list"
strip -o "$S/pivot.stripped" "$CFS_PIVOT"
check "/init is cfs-pivot, stripped" cmp "$S/x/init" "$S/pivot.stripped"
# mtimes IMG: the distinct mtimes in the archive's newc headers (cpio -i
# cannot keep those of directories it fills).
mtimes() {
	zstd -dc "$1" | python3 -c '
import sys
a, i, seen = sys.stdin.buffer.read(), 0, set()
while a[i:i + 6] == b"070701":
    f = [int(a[i + 6 + 8 * k:i + 14 + 8 * k], 16) for k in range(13)]
    name = a[i + 110:i + 110 + f[11] - 1]
    if name == b"TRAILER!!!":
        break
    seen.add(f[5])
    i = (i + 110 + f[11] + 3) & ~3
    i = (i + f[6] + 3) & ~3
print(" ".join(map(str, sorted(seen))))'
}
check "every mtime is 0" test "$(mtimes "$S/a.img")" = 0
check "the modules cfs-pivot loads resolve in the archive's index" \
	modprobe -C /dev/null -d "$S/x" -S "$KVER" --show-depends cfs_top

# ------------------------------------------------------------- reproducible
# Same inputs, other circumstances: later mtimes on every input, another
# umask and another temporary directory.
find "$BASE" "$S/pki" "$S/pivot.conf" "$S/revoked.list" -exec touch -d '2030-01-01' {} +
mkdir "$S/tmp"
(umask 077 && TMPDIR=$S/tmp mk "$S/b.img" --policy "$S/pivot.conf" --trust "$S/pki/root/cert.pem" \
	--revoked "$S/revoked.list" -m cfs_top -m cfs_builtin > /dev/null 2>&1)
check "the same inputs give the same bytes (other mtimes, umask, TMPDIR)" cmp "$S/a.img" "$S/b.img"
SOURCE_DATE_EPOCH=1700000000 mk "$S/c.img" --policy "$S/pivot.conf" --trust "$S/pki/root/cert.pem" \
	--revoked "$S/revoked.list" -m cfs_top -m cfs_builtin > /dev/null 2>&1
check "SOURCE_DATE_EPOCH sets every mtime" test "$(mtimes "$S/c.img")" = 1700000000
for c in gzip none; do
	mk "$S/$c.1" -c "$c" --modules cfs_top --policy "$S/pivot.conf" --trust "$S/pki/root/cert.pem" > /dev/null 2>&1
	mk "$S/$c.2" -c "$c" --modules cfs_top --policy "$S/pivot.conf" --trust "$S/pki/root/cert.pem" > /dev/null 2>&1
	check "--compress $c: the same bytes twice" cmp "$S/$c.1" "$S/$c.2"
done
check "--compress gzip is gzip" gzip -t "$S/gzip.1"
check "--compress none is a newc cpio archive" test "$(head -c 6 "$S/none.1")" = 070701
# An archive without compression of its own keeps the modules as shipped.
mkdir "$S/none.x" && (cd "$S/none.x" && cpio -idm --quiet < "$S/none.1" 2> /dev/null)
check "--compress none: the modules stay compressed as shipped" \
	cmp "$S/none.x/$M/kernel/cfs/cfs_top.ko.xz" "$BASE/$M/kernel/cfs/cfs_top.ko.xz"
check "--compress none: modules.dep names the shipped files" \
	grep -qx 'kernel/cfs/cfs_top.ko.xz: kernel/cfs/cfs_dep.ko.xz' "$S/none.x/$M/modules.dep"

# ------------------------------------------------------------- choices
sed 's/EROFS_FS_BACKED_BY_FILE=y/EROFS_FS_BACKED_BY_FILE=n/' "$BASE/boot/config-$KVER" > "$S/config" &&
	cp "$S/config" "$BASE/boot/config-$KVER"
mk "$S/loop.img" --policy "$S/pivot.conf" --trust "$S/pki/root/cert.pem" > /dev/null 2>&1
check "a kernel without file-backed EROFS gets the loop module" \
	grep -q "$M/kernel/fs/loop.ko$" <(list "$S/loop.img")
# fs-verity keeps the hash it first used: the CPU's goes in where it is a
# module, and not where it is built in.
printf 'CONFIG_CRYPTO_SHA256_SSSE3=m\nCONFIG_CRYPTO_SHA512_SSSE3=y\n' >> "$BASE/boot/config-$KVER"
mk "$S/sha.img" --policy "$S/pivot.conf" --trust "$S/pki/root/cert.pem" > /dev/null 2>&1
mkdir "$S/sha.x" && (cd "$S/sha.x" && zstd -dc "$S/sha.img" | cpio -idm --quiet 2> /dev/null)
check "the CPU's SHA-256 module goes in, last, where the kernel has it as a module" \
	test "$(grep -v '^#' "$S/sha.x/etc/cfsboot/modules" | tr '\n' ' ')" = "ext4 erofs overlay loop sha256_ssse3 "
check "... its file with it" test -f "$S/sha.x/$M/kernel/arch/x86/crypto/sha256-ssse3.ko"
check "the module the kernel has built in is not listed" \
	test -z "$(grep -x sha512_ssse3 "$S/sha.x/etc/cfsboot/modules")"
mk "$S/none.img" --modules '' --policy "$S/pivot.conf" --trust "$S/pki/root/cert.pem" > /dev/null 2>&1
check "--modules '': no modules, no list" \
	test -z "$(list "$S/none.img" | grep -E ' (lib|etc/cfsboot/modules)')"
printf 'store = /cfs\ntrust = /etc/anchors\nrevoked = /etc/revoked\n' > "$S/paths.conf"
mkdir "$S/anchors" && cp "$S/pki/root/cert.pem" "$S/anchors/"
mk "$S/paths.img" --modules '' --policy "$S/paths.conf" --trust "$S/anchors" --revoked "$S/revoked.list" > /dev/null 2>&1
check "anchors and list go where the policy says" \
	test "$(list "$S/paths.img" | awk '$NF ~ /^etc\/(anchors|revoked)/ { print $NF }' | tr '\n' ' ')" = \
	"etc/anchors etc/anchors/cert.pem etc/revoked "
printf 'signature = off\n' > "$S/nosig.conf"
check "signature = off needs no anchor" mk "$S/nosig.img" --modules '' --policy "$S/nosig.conf"

# ------------------------------------------------------------- refusals
refuse() { # NAME PATTERN ARGS...: the builder fails, says PATTERN, leaves no OUT
	local name=$1 pattern=$2; shift 2
	rm -f "$S/r.img"
	check_fails "$name" 1 "$pattern" mk "$S/r.img" "$@"
	[ ! -e "$S/r.img" ] || fail "$name: left $S/r.img behind"
}
T=(--trust "$S/pki/root/cert.pem")
printf 'verity = sometimes\n' > "$S/bad.conf"
refuse "a policy cfs-pivot refuses" 'bad.conf:1: verity = "sometimes" is not a valid value' --policy "$S/bad.conf" "${T[@]}"
refuse "signatures required, no anchor" 'no trust anchor was given' --modules ''
echo "not a certificate" > "$S/junk.pem"
refuse "an anchor that is no certificate" 'junk.pem is not a PEM or DER certificate' --trust "$S/junk.pem"
cat "$S/pki/root/cert.pem" "$S/pki/root/key.pem" > "$S/withkey.pem"
refuse "an anchor with a private key" 'contains a private key' --trust "$S/withkey.pem"
printf '%s\nSHA256:%s\n' "$FP" "$FP" > "$S/badrevoked.list"
refuse "a revocation list cfs-pivot would refuse" 'badrevoked.list:2: not a fingerprint \(spki: or cert:' \
	"${T[@]}" --revoked "$S/badrevoked.list"
refuse "a module in neither tree nor kernel" 'module no_such_module is not in' "${T[@]}" -m no_such_module
refuse "a name that is no module name" "'a/b' is not a module name" "${T[@]}" -m a/b
refuse "a kernel with no modules directory" 'no modules for kernel 0.0' "${T[@]}" -k 0.0
grep -v RD_ZSTD "$BASE/boot/config-$KVER" > "$S/config" && cp "$S/config" "$BASE/boot/config-$KVER"
refuse "a compression the kernel cannot unpack" 'cannot unpack a zstd initramfs' "${T[@]}"
check "... which another compression avoids" mk "$S/g.img" -c gzip "${T[@]}"
refuse "an unknown compression" "unknown compression 'xz'" -c xz "${T[@]}"
refuse "a dynamically linked /init" 'is dynamically linked' --pivot "$(type -P true)" "${T[@]}"
check_fails "no output named" 1 'no output file given' "$MKINIT" -k "$KVER"
check_fails "an unknown option" 1 "unknown option or argument '--bogus'" "$MKINIT" --bogus

done_testing
