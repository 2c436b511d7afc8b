# Shared by tests/host/pull-dir.sh and pull-http.sh: a PKI with an image
# signer and a channel signer, two versions of a tree whose images share
# most objects, a store holding both, and checks that a refused pull said
# one line and left the device's store as it was.  Source after lib.sh.

S=$(scratch)
PKI=$S/pki
BUILD_STORE=$S/build-store
REPO_DIR=$S/repo
DEV=$S/device

make_pki() {
	local k=$REPO/keys/mkpki.sh
	mkdir -p "$PKI/trust"
	"$k" root "$PKI/root" >/dev/null &&
	"$k" intermediate "$PKI/int" --ca "$PKI/root" >/dev/null &&
	"$k" signer "$PKI/signer" --ca "$PKI/int" >/dev/null &&
	"$k" channel "$PKI/channel" --ca "$PKI/int" >/dev/null &&
	cp "$PKI/root/cert.pem" "$PKI/trust/root.pem"
}

# make_tree DIR VERSION: 40 files from 100 bytes to 600 KiB, the same
# content for every version but for files 0-4, which change, and one new
# file per version.
make_tree() {
	local dir=$1 v=$2 i
	mkdir -p "$dir/usr/lib" "$dir/etc"
	for i in $(seq 0 39); do
		if [ "$i" -lt 5 ]; then
			python3 -c "import random,sys; random.seed($i*1000+$v); sys.stdout.buffer.write(random.randbytes(($i+1)*15000))"
		else
			python3 -c "import random,sys; random.seed($i); sys.stdout.buffer.write(random.randbytes($i*$i*400+100))"
		fi > "$dir/usr/lib/file$i"
	done
	echo "version $v" > "$dir/etc/os-release"
	head -c 70000 /dev/urandom > "$dir/usr/lib/new-in-$v"
}

# build_image TREE VERSION: its image into the build store, signed with
# that security version; prints the digest.
build_image() {
	local d
	d=$("$CFSBOOT" mkimage --store "$BUILD_STORE" "$1" "$S/tmp.cfs" --print-digest) || return 1
	"$CFSBOOT" sign --key "$PKI/signer/key.pem" --cert "$PKI/signer/cert.pem" \
		--chain "$PKI/signer/chain.pem" --version "$2" --store "$BUILD_STORE" \
		--digest "sha256:$d" >/dev/null || return 1
	echo "$d"
}

# publish [OPTIONS] DIGEST...: into the repository, channel stable by default.
publish() {
	"$CFSBOOT" publish --store "$BUILD_STORE" --out "$REPO_DIR" --trust "$PKI/trust" \
		--channel stable --key "$PKI/channel/key.pem" --cert "$PKI/channel/cert.pem" \
		--chain "$PKI/channel/chain.pem" "$@"
}

# snapshot STORE: every file's name and content hash, for "unchanged".
snapshot() {
	(cd "$1" 2>/dev/null && find . -type f -print0 | sort -z | xargs -0r sha256sum)
}

# refused NAME EXIT PATTERN CMD...: CMD exits EXIT, says exactly one error
# line ("cfsboot: ...") that matches PATTERN, and leaves $DEV as it was
# and fsck-clean.
refused() {
	local name=$1 want=$2 pattern=$3; shift 3
	local before after out rc=0 lines
	before=$(snapshot "$DEV")
	out=$("$@" 2>&1 >/dev/null) || rc=$?
	after=$(snapshot "$DEV")
	lines=$(printf '%s\n' "$out" | grep -c '^cfsboot: ' || true)
	if [ "$rc" -ne "$want" ]; then
		fail "$name (exit $rc, expected $want)"
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'
	elif [ "$lines" -ne 1 ] || ! printf '%s\n' "$out" | grep '^cfsboot: ' | grep -qE -- "$pattern"; then
		fail "$name ($lines error lines, expected one matching /$pattern/)"
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'
	elif [ "$before" != "$after" ]; then
		fail "$name (the store changed)"
		diff <(echo "$before") <(echo "$after") | head -n 5 | sed 's/^/#   /'
	elif ! "$CFSBOOT" fsck --store "$DEV" >/dev/null 2>&1; then
		fail "$name (fsck finds the store damaged)"
	else
		ok "$name: $(printf '%s\n' "$out" | grep '^cfsboot: ' | cut -c1-150)"
	fi
}

make_pki || { echo "Bail out! cannot make the PKI"; exit 1; }
make_tree "$S/v1" 1
make_tree "$S/v2" 2
V1=$(build_image "$S/v1" 1) && V2=$(build_image "$S/v2" 2) ||
	{ echo "Bail out! cannot build the images"; exit 1; }
