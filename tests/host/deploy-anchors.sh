#!/usr/bin/env bash
# cfsboot deploy verifies an image with the trust of the initramfs it
# ships, as cfs-pivot will at boot (docs/update.md): an initramfs that
# trusts another root, revokes the signer, sets a min-version above the
# image's, holds no anchor, or is not a readable initramfs, is refused in
# one line naming it, before anything is written.  The reader
# (lib/initramfs) is checked against cpio's extraction of real images:
# one dracut makes, with an uncompressed early archive before it as
# dracut writes microcode, and one cfs-mkinitramfs makes of the VM
# tests' kernel, in each of its compressions.
. "$(dirname "$0")/../lib.sh"
private_mount_ns "the boot partition is a tmpfs mounted in a namespace of its own" "$@"
trap 'unmount_scratch; rm -rf "$SCRATCH"' EXIT
for tool in cpio gzip zstd xz; do
	command -v "$tool" > /dev/null || { skip "needs $tool"; done_testing; exit; }
done
TPM=off
. "$TESTS_DIR/deploy-lib.sh"

# ---- images whose initramfs is not the one of deploy-lib's images ----
# image N VERSION INITRD: tree N with INITRD as its initramfs, in the
# store, signed with security version VERSION; prints its digest.
image() {
	local d
	tree "$1" && cp "$3" "$dir/src$1/usr/lib/modules/6.1.0-$1-amd64/initramfs.img" &&
		d=$("$CFSBOOT" mkimage --store "$S" --print-digest "$dir/src$1" "$dir/img$1.cfs" \
			2>/dev/null | cut -d' ' -f1) &&
		"$CFSBOOT" sign --key "$dir/pki/sig/key.pem" --cert "$dir/pki/sig/cert.pem" \
			--version "$2" --store "$S" --digest "sha256:$d" > /dev/null && echo "$d"
}
# refused NAME DIGEST PATTERN: deploy refuses it in one line saying
# PATTERN and naming the initramfs, and leaves the boot partition and the
# state as they were.
refused() {
	local before after out rc=0
	before=$(find "$B" "$ST" | sort | md5sum)
	# the line of the object check before is information, not the refusal
	out=$(cf deploy "$2" 2>&1 | grep -v '^cfsboot: boot-check:'; exit "${PIPESTATUS[0]}") || rc=$?
	after=$(find "$B" "$ST" | sort | md5sum)
	if [ "$rc" -ne 1 ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] ||
		! grep -qE -- "$3" <<< "$out" || ! grep -q "initramfs.img" <<< "$out"; then
		fail "$1 (exit $rc)"
		printf '%s\n' "$out" | tail -n 3 | sed 's/^/#   /'
	elif [ "$before" != "$after" ]; then
		fail "$1: something was written"
	else
		ok "$1"
	fi
}

pki root "$dir/pki/other" --type p256 || fail "mkpki.sh makes a second root"
"$MKPKI" fingerprint "$dir/pki/sig/cert.pem" > "$dir/revoked.list"
printf 'min-version = 1000\n' > "$dir/min.conf"
printf 'revoked = /etc/cfsboot/revoked.list\nsigner-ca = any\n' > "$dir/plain.conf"

initrd "$dir/other.img" "$dir/pki/other/cert.pem"
refused "an initramfs that trusts another root is refused" \
	"$(image 5 50 "$dir/other.img")" "does not chain|trust anchor"
initrd "$dir/revoked.img" "$dir/pki/root/cert.pem" "$dir/plain.conf" "$dir/revoked.list"
refused "a signer the initramfs revokes is refused" "$(image 6 60 "$dir/revoked.img")" "revoked"
initrd "$dir/min.img" "$dir/pki/root/cert.pem" "$dir/min.conf"
refused "an image below the min-version of the initramfs's policy is refused" \
	"$(image 7 70 "$dir/min.img")" "below"
head -c 3000 "$dir/min.img" > "$dir/cut.img"
refused "a truncated initramfs is refused" "$(image 8 80 "$dir/cut.img")" "truncated"
head -c 4096 /dev/urandom | tr '\0' x > "$dir/garbage.img"
refused "an initramfs that is not one is refused" "$(image 9 90 "$dir/garbage.img")" \
	"not a valid initramfs"
r=$dir/empty && mkdir -p "$r/etc/cfsboot" && echo x > "$r/etc/cfsboot/x"
(cd "$r" && find . | cpio --quiet -o -H newc) | zstd -q > "$dir/empty.img"
refused "an initramfs without trust anchors is refused" "$(image 10 100 "$dir/empty.img")" \
	"holds no trust anchor"
printf 'no-such-key = 1\n' > "$dir/bad.conf"
initrd "$dir/badconf.img" "$dir/pki/root/cert.pem" "$dir/bad.conf"
refused "a policy cfs-pivot would refuse is refused" "$(image 11 110 "$dir/badconf.img")" \
	"pivot.conf:1"

# An early uncompressed archive before an xz one whose pivot.conf sets
# a min-version below the image's: the image deploys.
r=$dir/early && mkdir -p "$r/kernel/x86/microcode" && head -c 5000 /dev/urandom > "$r/kernel/x86/microcode/GenuineIntel.bin"
(cd "$r" && find . | cpio --quiet -o -H newc) > "$dir/good.img"
printf 'min-version = 100\n' > "$dir/low.conf"
initrd "$dir/main.img" "$dir/pki/root/cert.pem" "$dir/low.conf"
gzip -dc "$dir/main.img" | xz -C crc32 >> "$dir/good.img"
G=$(image 12 120 "$dir/good.img")
check "an early cpio then xz, trusting our root, deploys" cf deploy "$G"
check "... and its entry is there" test -f "$B/loader/entries/cfsboot-$G+3.conf"

# ---- the reader against cpio, on real images ----
LIST=$dir/initramfs-list
san=""
[ -n "${CFS_SANITIZED:-}" ] && san="-fsanitize=address,undefined"
# shellcheck disable=SC2086 # $san is a list of flags or none
if ! out=$(cd "$REPO" && cc -std=gnu11 -D_GNU_SOURCE -Isrc -isystem build/deps/include $san \
	-o "$LIST" tests/host/initramfs-list.c "$BUILD/libcfs.a" -lzstd -llzma -lz -lcrypto 2>&1); then
	fail "the initramfs lister builds against $BUILD"
	printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'
fi
# extracted DIR: the listing's lines of what cpio extracted into DIR.
extracted() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while read -r p; do
		p=${p#./}
		if [ -L "$p" ]; then echo "l $(readlink "$p") $p"
		elif [ -f "$p" ]; then echo "f $(sha256sum < "$p" | cut -d' ' -f1) $p"
		elif [ -d "$p" ]; then echo "d - $p"
		else echo "o - $p"; fi
	done)
}
# same_as_cpio NAME IMG EXTRACT: the lister's view of IMG is what
# EXTRACT IMG has cpio extract in the current directory, later archives
# over earlier ones as the kernel unpacks them.
same_as_cpio() {
	local x
	x=$(mktemp -d "$dir/x.XXXXXX")
	if ! (cd "$x" && "$3" "$2" 2>/dev/null); then
		fail "$1: cpio extracts it"
		return
	fi
	"$LIST" "$2" | LC_ALL=C sort > "$x.ours"
	extracted "$x" | LC_ALL=C sort > "$x.cpio"
	check "$1: $(wc -l < "$x.ours") entries, as cpio extracts them" cmp "$x.ours" "$x.cpio"
}
cpio_x() { cpio --quiet -idmu --no-absolute-filenames; }
# GNU cpio stops at the first trailer; skipcpio (dracut's) skips that archive.
early_then_zstd() { cpio_x < "$1" && /usr/lib/dracut/skipcpio "$1" | zstd -dc | cpio_x; }
from_zstd() { zstd -dc < "$1" | cpio_x; }
from_gzip() { gzip -dc < "$1" | cpio_x; }
plain() { cpio_x < "$1"; }

if [ -x /usr/lib/dracut/skipcpio ] && command -v dracut > /dev/null; then
	if dracut --no-kernel --force --zstd -m base --no-hostonly --quiet "$dir/dracut-main.img" \
		> "$dir/dracut.log" 2>&1; then
		(cd "$dir/early" && find . | cpio --quiet -o -H newc) > "$dir/dracut.img"
		cat "$dir/dracut-main.img" >> "$dir/dracut.img"
		same_as_cpio "dracut --zstd after an early cpio" "$dir/dracut.img" early_then_zstd
	else
		fail "dracut builds an initramfs"
		tail -n 3 "$dir/dracut.log" | sed 's/^/#   /'
	fi
else
	skip "dracut is not installed"
fi

kernel=$(ls -d "$BUILD"/vm/kernel/linux-image-* 2>/dev/null | head -n 1)
if [ -n "$kernel" ] && [ -z "${CFS_SANITIZED:-}" ]; then
	kver=$(basename "$(echo "$kernel"/lib/modules/*)")
	for c in zstd gzip none; do
		if "$REPO/initramfs/mkinitramfs.sh" -o "$dir/mk-$c.img" -k "$kver" -b "$kernel" \
			--pivot "$CFS_PIVOT" --trust "$dir/pki/root/cert.pem" -c "$c" \
			> "$dir/mk.log" 2>&1; then
			case $c in
			zstd) same_as_cpio "cfs-mkinitramfs -c zstd" "$dir/mk-$c.img" from_zstd ;;
			gzip) same_as_cpio "cfs-mkinitramfs -c gzip" "$dir/mk-$c.img" from_gzip ;;
			none) same_as_cpio "cfs-mkinitramfs -c none" "$dir/mk-$c.img" plain ;;
			esac
		else
			fail "cfs-mkinitramfs -c $c builds an initramfs"
			tail -n 3 "$dir/mk.log" | sed 's/^/#   /'
		fi
	done
else
	skip "no VM kernel in $BUILD/vm/kernel (tests/vm makes it), or a sanitized build"
fi
done_testing
