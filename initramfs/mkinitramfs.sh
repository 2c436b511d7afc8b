#!/usr/bin/env bash
# cfs-mkinitramfs: a minimal initramfs whose /init is cfs-pivot (PID-1 mode,
# docs/pid1.md): the policy, the trust anchors, the revocation list, and
# only the kernel modules needed to reach the root, with their
# dependencies.  Installed as cfs-mkinitramfs; see cfs-mkinitramfs(8) and
# docs/initramfs.md.
#
# The archive depends only on its inputs: entries sorted by name, every
# mtime SOURCE_DATE_EPOCH (default 0), every owner root, modes fixed here,
# compressed without names or timestamps.  The same inputs give the same
# bytes.
set -euo pipefail

PROG=cfs-mkinitramfs
SELF=$(readlink -f "${BASH_SOURCE[0]}")
umask 022

die() { echo "$PROG: $*" >&2; exit 1; }
note() { echo "$PROG: $*" >&2; }

usage() {
	cat <<EOF
Usage: $PROG [OPTIONS] -o OUTPUT

Build a minimal initramfs whose /init is cfs-pivot: it mounts the API file
systems, loads the listed kernel modules, finds root=, verifies, measures and
mounts the composefs image named by composefs.digest=, and switches root.
The same inputs give the same bytes.  See cfs-mkinitramfs(8).

  -o, --output FILE      write the initramfs to FILE (required)
  -k, --kver VERSION     the kernel release the modules are for
                         (default: the running kernel's, uname -r)
  -b, --basedir DIR      the modules are in DIR/lib/modules/VERSION (default /)
  -p, --policy FILE      the policy to install as /etc/cfsboot/pivot.conf
                         (default: none, that is cfs-pivot's secure defaults)
  -t, --trust PATH       a trust anchor (PEM or DER certificate), or a
                         directory of them; repeatable
  -r, --revoked FILE     the revocation list (fingerprints, docs/signature.md)
  -m, --add-module NAME  load module NAME (or alias) as well, before the
                         default ones: the storage driver; repeatable
      --modules LIST     the modules to load instead of the defaults, in order,
                         separated by commas or spaces ("" for none); the
                         defaults are ext4, erofs and overlay, loop when
                         the kernel cannot mount EROFS from a file, and the
                         CPU's SHA-256 and SHA-512 for fs-verity when they
                         are modules
      --pivot FILE       the static cfs-pivot to install as /init (default:
                         the one installed with this script)
  -c, --compress ALG     zstd (default), gzip or none
  -h, --help             show this help

Environment: SOURCE_DATE_EPOCH sets every mtime (default 0).
EOF
}

# ------------------------------------------------------------ options

OUTPUT='' KVER='' BASEDIR=/ POLICY='' REVOKED='' PIVOT='' COMPRESS=zstd
TRUST=() EXTRA=() MODULES=() MODULES_SET=no

# split_list TEXT: the words of a comma- or space-separated list into MODULES.
split_list() {
	local word
	MODULES=()
	for word in ${1//,/ }; do
		MODULES+=("$word")
	done
}

while [ $# -gt 0 ]; do
	opt=$1
	case $opt in
	-h|--help) usage; exit 0 ;;
	-o|--output|-k|--kver|-b|--basedir|-p|--policy|-t|--trust|-r|--revoked|-m|--add-module|\
	--modules|--pivot|-c|--compress)
		[ $# -ge 2 ] || die "option $opt needs a value (see --help)"
		val=$2
		shift 2 ;;
	--*=*)
		set -- "${opt%%=*}" "${opt#*=}" "${@:2}"
		continue ;;
	*) die "unknown option or argument '$opt' (see --help)" ;;
	esac
	case $opt in
	-o|--output) OUTPUT=$val ;;
	-k|--kver) KVER=$val ;;
	-b|--basedir) BASEDIR=$val ;;
	-p|--policy) POLICY=$val ;;
	-t|--trust) TRUST+=("$val") ;;
	-r|--revoked) REVOKED=$val ;;
	-m|--add-module) EXTRA+=("$val") ;;
	--modules) split_list "$val"; MODULES_SET=yes ;;
	--pivot) PIVOT=$val ;;
	-c|--compress) COMPRESS=$val ;;
	esac
done

[ -n "$OUTPUT" ] || die "no output file given (write -o FILE; see --help)"
case $COMPRESS in
zstd|gzip|none) ;;
*) die "unknown compression '$COMPRESS' (write zstd, gzip or none)" ;;
esac
KVER=${KVER:-$(uname -r)}
EPOCH=${SOURCE_DATE_EPOCH:-0}
[[ $EPOCH =~ ^[0-9]{1,11}$ ]] || die "SOURCE_DATE_EPOCH='$EPOCH' is not a number of seconds"

# The device nodes of the archive are made with mknod.
[ "$(id -u)" -eq 0 ] ||
	die "run as root (or under fakeroot): the initramfs needs the device nodes /dev/console and /dev/null"

for tool in cpio depmod modprobe readelf strip; do
	command -v "$tool" > /dev/null || die "$tool is missing (packages cpio, kmod and binutils)"
done
[ "$COMPRESS" = none ] || command -v "$COMPRESS" > /dev/null ||
	die "$COMPRESS is missing (package $COMPRESS)"

# ------------------------------------------------------------ cfs-pivot

# Installed: PREFIX/sbin/cfs-mkinitramfs and PREFIX/lib/cfsboot/cfs-pivot.
# In the source tree: initramfs/mkinitramfs.sh and build/cfs-pivot.
find_pivot() {
	local dir c
	dir=$(dirname "$SELF")
	for c in "$dir/../lib/cfsboot/cfs-pivot" "$dir/../build/cfs-pivot"; do
		[ -x "$c" ] && { readlink -f "$c"; return 0; }
	done
	return 1
}
if [ -z "$PIVOT" ]; then
	PIVOT=$(find_pivot) || die "cfs-pivot not found next to $SELF; give it with --pivot FILE"
fi
if [ ! -f "$PIVOT" ] || [ ! -x "$PIVOT" ]; then
	die "$PIVOT is not an executable file"
fi
# PID 1 of this initramfs has no C library to load.
if readelf -l "$PIVOT" 2> /dev/null | grep -q 'program interpreter'; then
	die "$PIVOT is dynamically linked; the initramfs has no shared libraries (build the static cfs-pivot with make)"
fi

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/cfs-mkinitramfs.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
ROOT=$STAGE/root
mkdir -p "$ROOT"

# ------------------------------------------------------------ policy

# The policy in force, as cfs-pivot itself reads it: a policy it would
# refuse at boot is refused now, and the paths it names for the anchors
# and the revocation list are where those go.  A missing --config file
# means the defaults, as at boot.
policy_in=${POLICY:-$STAGE/no-policy}
[ -z "$POLICY" ] || [ -f "$POLICY" ] || die "the policy $POLICY is not a file"
if ! "$PIVOT" --check --cmdline /dev/null --config "$policy_in" > "$STAGE/policy" 2> "$STAGE/policy.err"; then
	sed "s/^/$PROG: /" "$STAGE/policy.err" >&2
	die "cfs-pivot refuses the policy ${POLICY:-(defaults)}; every boot would be refused"
fi
# policy_value KEY: the value of KEY in force.
policy_value() {
	sed -n "s/^$1 = //p" "$STAGE/policy"
}
TRUST_DIR=$(policy_value trust)
REVOKED_PATH=$(policy_value revoked)
SIGNATURE=$(policy_value signature)
if [ -z "$TRUST_DIR" ] || [ -z "$REVOKED_PATH" ] || [ -z "$SIGNATURE" ]; then
	die "cannot read the policy in force from $PIVOT --check"
fi

install -d -m 0755 "$ROOT/etc/cfsboot"
[ -z "$POLICY" ] || install -m 0644 "$POLICY" "$ROOT/etc/cfsboot/pivot.conf"

# ------------------------------------------------------------ trust

# add_anchor FILE: one certificate file, checked to be one now rather than
# refused with the whole set at boot (docs/signature.md, "Trust anchors").
add_anchor() {
	local f=$1 name
	name=$(basename "$f")
	case $name in .*) return 0 ;; esac
	[ -f "$f" ] || die "trust anchor $f is not a regular file"
	openssl x509 -noout -in "$f" 2> /dev/null || openssl x509 -inform DER -noout -in "$f" 2> /dev/null ||
		die "trust anchor $f is not a PEM or DER certificate"
	grep -q 'PRIVATE KEY' "$f" && die "trust anchor $f contains a private key; it must not go into the initramfs"
	[ -e "$ROOT$TRUST_DIR/$name" ] && die "two trust anchors are named $name; rename one"
	install -D -m 0644 "$f" "$ROOT$TRUST_DIR/$name"
}
n_anchors=0
if [ ${#TRUST[@]} -gt 0 ]; then
	command -v openssl > /dev/null || die "openssl is missing (package openssl)"
	for t in "${TRUST[@]}"; do
		if [ -d "$t" ]; then
			for f in "$t"/*; do
				[ -e "$f" ] && add_anchor "$f"
			done
		else
			add_anchor "$t"
		fi
	done
	n_anchors=$(find "$ROOT$TRUST_DIR" -type f | wc -l)
	[ "$n_anchors" -gt 0 ] || die "no certificate in ${TRUST[*]}"
fi
if [ "$n_anchors" -eq 0 ]; then
	case $SIGNATURE in
	required) die "the policy requires signatures (signature = required) but no trust anchor was given (--trust); every boot would be refused" ;;
	optional) note "warning: no trust anchor (--trust): a signed image will be refused, only unsigned ones boot" ;;
	esac
fi

# ------------------------------------------------------------ revocation list

# The list's syntax (docs/signature.md), checked now: cfs-pivot refuses
# the whole list, and with it every boot, over one bad line.
if [ -n "$REVOKED" ]; then
	[ -f "$REVOKED" ] || die "the revocation list $REVOKED is not a file"
	bad=$(tr -d '\r' < "$REVOKED" | grep -nvE '^[[:blank:]]*((spki:|cert:)?[0-9a-f]{64}[[:blank:]]*)?(#.*)?$' | head -n 1) || true
	[ -z "$bad" ] || die "$REVOKED:${bad%%:*}: not a fingerprint (spki: or cert:, then 64 lowercase hex digits of a SHA-256): ${bad#*:}"
	install -D -m 0644 "$REVOKED" "$ROOT$REVOKED_PATH"
fi

# ------------------------------------------------------------ modules

CONFIG=$BASEDIR/boot/config-$KVER
# kernel_has OPTION [VALUE]: the kernel's configuration says OPTION=VALUE,
# y by default (false when the configuration file is not there).
kernel_has() {
	[ -f "$CONFIG" ] && grep -qx "$1=${2:-y}" "$CONFIG"
}

if [ "$MODULES_SET" = no ]; then
	MODULES=(ext4 erofs overlay)
	# EROFS mounts its image file directly from 6.12; before, cfs-pivot
	# goes through a loop device.
	kernel_has CONFIG_EROFS_FS_BACKED_BY_FILE || MODULES+=(loop)
	# fs-verity takes the best implementation of its hash that the kernel
	# has when it first hashes, and keeps it until power-off: the CPU's
	# (SHA-NI or AVX2, ARMv8 crypto extensions) only when its module is
	# loaded before the root is mounted, else the generic C for good.
	for opt in CRYPTO_SHA256_SSSE3:sha256_ssse3 CRYPTO_SHA512_SSSE3:sha512_ssse3 \
		CRYPTO_SHA2_ARM64_CE:sha2_ce CRYPTO_SHA512_ARM64_CE:sha512_ce; do
		kernel_has "CONFIG_${opt%%:*}" m && MODULES+=("${opt#*:}")
	done
fi
MODULES=("${EXTRA[@]}" "${MODULES[@]}")

if [ "$COMPRESS" != none ] && [ -f "$CONFIG" ]; then
	case $COMPRESS in
	zstd) kernel_has CONFIG_RD_ZSTD ;;
	gzip) kernel_has CONFIG_RD_GZIP ;;
	esac || die "the kernel ($CONFIG) cannot unpack a $COMPRESS initramfs; choose another --compress"
fi

LIST=()       # the names /etc/cfsboot/modules asks for
declare -A FILES=()   # module files to copy, relative to lib/modules/KVER
MODDIR=$BASEDIR/lib/modules/$KVER
if [ ${#MODULES[@]} -gt 0 ]; then
	[ -d "$MODDIR" ] || die "no modules for kernel $KVER in $MODDIR (give --kver and --basedir)"
	[ -f "$MODDIR/modules.dep" ] ||
		die "$MODDIR has no modules.dep; run depmod -b $BASEDIR $KVER first"
fi
for m in "${MODULES[@]}"; do
	[[ $m =~ ^[A-Za-z0-9_-]{1,55}$ ]] || die "'$m' is not a module name"
	# The kernel's own dependency and soft-dependency data only: the
	# build machine's modprobe.d is no business of the initramfs.
	deps=$(modprobe -C /dev/null -d "$BASEDIR" -S "$KVER" --show-depends "$m" 2> "$STAGE/modprobe.err") ||
		die "module $m is not in $MODDIR and not built into kernel $KVER ($(tail -n 1 "$STAGE/modprobe.err"))"
	needed=no
	while read -r kind path _; do
		case $kind in
		insmod)
			rel=${path#*/lib/modules/"$KVER"/}
			[ "$rel" != "$path" ] || die "modprobe named $path for $m, outside $MODDIR"
			FILES[$rel]=1
			needed=yes ;;
		builtin) ;;
		*) die "modprobe says for $m: $kind $path" ;;
		esac
	done <<< "$deps"
	# A module built into the kernel needs neither loading nor listing.
	if [ "$needed" = no ]; then
		note "$m is built into kernel $KVER"
	elif [[ " ${LIST[*]} " != *" $m "* ]]; then
		LIST+=("$m")
	fi
done

# plain_module REL: REL without the compression suffix the distribution
# gave it.
plain_module() {
	local rel=${1%.xz}
	rel=${rel%.zst}
	echo "${rel%.gz}"
}
# add_module REL: the module file into the archive.  A compressed archive
# gets it decompressed: compressing the archive as a whole compresses the
# module as well as its own compression did, and the kernel then loads it
# without decompressing it on the boot's time.  An uncompressed archive
# keeps the module as shipped, its only compression.
add_module() {
	local rel=$1 plain
	plain=$(plain_module "$rel")
	if [ "$COMPRESS" = none ] || [ "$plain" = "$rel" ]; then
		install -D -m 0644 "$MODDIR/$rel" "$dest/$rel"
		return
	fi
	mkdir -p "$(dirname "$dest/$plain")"
	case $rel in
	*.xz) xz -dc "$MODDIR/$rel" ;;
	*.zst) zstd -q -dc "$MODDIR/$rel" ;;
	*.gz) gzip -dc "$MODDIR/$rel" ;;
	esac > "$dest/$plain" || die "cannot decompress $MODDIR/$rel (packages xz-utils, zstd, gzip)"
	chmod 0644 "$dest/$plain"
}

if [ ${#FILES[@]} -gt 0 ]; then
	dest=$ROOT/lib/modules/$KVER
	for rel in "${!FILES[@]}"; do
		add_module "$rel"
	done
	# What depmod reads besides the modules: the modules built into the
	# kernel (libkmod answers "built in" from its index), and the order of
	# the modules, cut to those present.
	for f in modules.builtin modules.builtin.modinfo; do
		[ ! -f "$MODDIR/$f" ] || install -m 0644 "$MODDIR/$f" "$dest/$f"
	done
	if [ -f "$MODDIR/modules.order" ]; then
		for rel in "${!FILES[@]}"; do
			plain_module "$rel"
		done > "$STAGE/present"
		grep -xF -f "$STAGE/present" "$MODDIR/modules.order" > "$dest/modules.order" || true
	fi
	depmod -b "$ROOT" "$KVER" 2> "$STAGE/depmod.err" ||
		{ sed "s/^/$PROG: /" "$STAGE/depmod.err" >&2; die "depmod failed on the modules for $KVER"; }
	{
		echo "# Loaded in this order by cfs-pivot, dependencies first (cfs-mkinitramfs)."
		printf '%s\n' "${LIST[@]}"
	} > "$ROOT/etc/cfsboot/modules"
fi

# ------------------------------------------------------------ the rest

install -m 0755 "$PIVOT" "$ROOT/init"
# Debug information is of no use at boot; stripping is deterministic.
strip "$ROOT/init"
install -d -m 0755 "$ROOT/dev" "$ROOT/proc" "$ROOT/sys" "$ROOT/run" "$ROOT/sysroot"
# The kernel opens /dev/console for init before anything is mounted;
# without it cfs-pivot's first messages would go nowhere.
mknod -m 0600 "$ROOT/dev/console" c 5 1
mknod -m 0666 "$ROOT/dev/null" c 1 3

find "$ROOT" -exec touch -h -d "@$EPOCH" {} +
tmp=$OUTPUT.tmp.$$
trap 'rm -rf "$STAGE" "$tmp"' EXIT
(cd "$ROOT" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio -o -0 -H newc --reproducible -R 0:0 --quiet) > "$STAGE/initramfs.cpio"
case $COMPRESS in
zstd) zstd -q -19 -T1 -c "$STAGE/initramfs.cpio" > "$tmp" ;;
gzip) gzip -n -9 -c "$STAGE/initramfs.cpio" > "$tmp" ;;
none) cp "$STAGE/initramfs.cpio" "$tmp" ;;
esac
mv -f "$tmp" "$OUTPUT"

size=$(stat -c %s "$OUTPUT")
modsize=0
[ ! -d "$ROOT/lib" ] || modsize=$(find "$ROOT/lib" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
echo "$OUTPUT: $size bytes ($COMPRESS; uncompressed $(stat -c %s "$STAGE/initramfs.cpio")," \
	"of which /init $(stat -c %s "$ROOT/init"), ${#FILES[@]} modules and their index $modsize)"
echo "modules: ${LIST[*]:-none}; trust anchors: $n_anchors; revocation list: $([ -n "$REVOKED" ] && echo yes || echo no)"
