# shellcheck shell=bash
# The setting of the deployment tests (tests/host/deploy*.sh): a PKI made
# here, four images of a small OS in a store (mkimage --store, cfsboot
# sign --store, security versions 10, 20, 30, 40), a tmpfs as the boot
# partition, and cf CMD ARGS... running a deployment command on them.
# Source it after tests/lib.sh and private_mount_ns, with TPM set to the
# --tpm device (off, or a swtpm).  It lives beside lib.sh, not in
# tests/host/, where run-all.sh runs every *.sh as a test.
dir=$(scratch)
MKPKI=$REPO/keys/mkpki.sh

pki() { "$MKPKI" "$@" >/dev/null 2>&1; }
if ! { pki root "$dir/pki/root" --type p256 && pki signer "$dir/pki/sig" --ca "$dir/pki/root" --type p256; }; then
	fail "mkpki.sh makes a root and a signer"
	done_testing
	exit
fi
mkdir -p "$dir/trust" && cp "$dir/pki/root/cert.pem" "$dir/trust/root.pem"

S=$dir/store B=$dir/boot ST=$dir/state
mkdir -p "$B" "$ST"
mount -t tmpfs -o size=64m tmpfs "$B" && mkdir -p "$B/loader/entries"

# initrd OUT TRUST [POLICY [REVOKED]]: an initramfs (a gzip'd cpio newc
# archive, as cpio and gzip write it) holding the trust anchor TRUST, and
# the pivot.conf POLICY and revocation list REVOKED when given (files, or
# "" for none), as cfs-mkinitramfs places them; a random payload makes
# each one differ.  deploy verifies an image with what its initramfs holds.
initrd() {
	local out=$1 r
	r=$(mktemp -d "$dir/initrd.XXXXXX")
	mkdir -p "$r/etc/cfsboot/trust.d" &&
		cp "$2" "$r/etc/cfsboot/trust.d/root.pem" &&
		{ [ -z "${3:-}" ] || cp "$3" "$r/etc/cfsboot/pivot.conf"; } &&
		{ [ -z "${4:-}" ] || cp "$4" "$r/etc/cfsboot/revoked.list"; } &&
		head -c 200000 /dev/urandom > "$r/payload" &&
		(cd "$r" && find . | LC_ALL=C sort | cpio --quiet -o -H newc) | gzip -n > "$out" &&
		rm -rf "$r"
}

# tree N: an OS whose kernel and initramfs differ per N, /usr/bin/shared is the same in all
tree() {
	local t=$dir/src$1 k=6.1.0-$1-amd64
	mkdir -p "$t/usr/lib/modules/$k" "$t/usr/lib/kernel" "$t/usr/bin" "$t/etc"
	head -c 300000 /dev/urandom > "$t/usr/lib/modules/$k/vmlinuz"
	initrd "$t/usr/lib/modules/$k/initramfs.img" "$dir/pki/root/cert.pem"
	printf 'quiet\nrw\n' > "$t/usr/lib/kernel/cmdline"
	[ -f "$dir/shared" ] || head -c 100000 /dev/urandom > "$dir/shared"
	cp "$dir/shared" "$t/usr/bin/shared"
	head -c 50000 /dev/urandom > "$t/usr/bin/own$1"
	echo "v$1" > "$t/etc/os-release"
	echo "c$1" > "$t/etc/changed"
	echo removed > "$t/etc/removed"
	[ "$1" = 1 ] && echo gone > "$t/etc/gone"
	echo "new$1" > "$t/etc/new$1"
	mkdir -p "$t/etc/sub$1" && echo in > "$t/etc/sub$1/file"
	ln -s "target$1" "$t/etc/link"
	chmod 0640 "$t/etc/new$1"
}
declare -A D
for v in 1 2 3 4; do
	tree $v
	D[$v]=$("$CFSBOOT" mkimage --store "$S" --print-digest "$dir/src$v" "$dir/img$v.cfs" 2>/dev/null | cut -d' ' -f1)
	"$CFSBOOT" sign --key "$dir/pki/sig/key.pem" --cert "$dir/pki/sig/cert.pem" \
		--version $((v * 10)) --store "$S" --digest "sha256:${D[$v]}" >/dev/null ||
		fail "sign v$v"
done
echo "root=/dev/vda2 composefs.digest=${D[1]}" > "$dir/cmdline"
SITE=(--boot "$B" --store "$S" --state "$ST" --cmdline-file "$dir/cmdline" --status-file "$dir/no-status")
COMMON=("${SITE[@]}" --trust "$dir/trust" --revoked "$dir/none" --tpm "$TPM")
cf() { if [ "$1" = gc ]; then "$CFSBOOT" gc "${SITE[@]}" "${@:2}"; else "$CFSBOOT" "$1" "${COMMON[@]}" "${@:2}"; fi; }

