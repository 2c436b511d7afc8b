#!/usr/bin/env bash
# cfsboot sign and verify with a fresh PKI from keys/mkpki.sh: every key
# type, every refusal with its own exit code and message (docs/errors.md),
# interoperation with `fsverity sign` and `openssl cms`, and --store.
. "$(dirname "$0")/../lib.sh"
dir=$(scratch)
MKPKI=$REPO/keys/mkpki.sh
EKU=1.3.6.1.4.1.32473.1.1

pki() { "$MKPKI" "$@" >/dev/null 2>&1; }
fp() { "$MKPKI" fingerprint "$1"; }
sign() { "$CFSBOOT" sign "$@"; }
verify() { "$CFSBOOT" verify "$@"; }

# The formatted digest of ALG:HEX, built here independently of cfsboot.
payload() {
	case ${1%%:*} in
	sha256) printf 'FSVerity\001\000\040\000' ;;
	sha512) printf 'FSVerity\002\000\100\000' ;;
	esac
	printf "$(printf '%s' "${1#*:}" | sed 's/../\\x&/g')"
}

head -c 300000 /dev/urandom > "$dir/image"
head -c 5000 /dev/urandom > "$dir/other"
D=$("$CFSBOOT" digest "$dir/image" | cut -d' ' -f1)
D512=$("$CFSBOOT" digest --hash sha512 "$dir/image" | cut -d' ' -f1)
payload "$D" > "$dir/payload"

# ---- good paths, one whole PKI per key type ----
for t in rsa3072 rsa4096 p256 p384; do
	p=$dir/$t
	pki root "$p/root" --type "$t" && pki intermediate "$p/int" --ca "$p/root" --type "$t" &&
		pki signer "$p/sig" --ca "$p/int" --type "$t" ||
		{ fail "$t: mkpki.sh makes a root, an intermediate and a signer"; continue; }
	mkdir -p "$p/trust" && cp "$p/root/cert.pem" "$p/trust/root.pem"
	check "$t: sign with version" sign --key "$p/sig/key.pem" --cert "$p/sig/cert.pem" \
		--chain "$p/sig/chain.pem" --version 3 "$dir/image" -o "$p/image.sig"
	out=$(verify --trust "$p/trust" "$dir/image" "$p/image.sig" 2>&1)
	check "$t: verify prints signer, fingerprint and version" test "$out" = "signer: CN=cfsboot image signing
fingerprint: $(fp "$p/sig/cert.pem")
version: 3"
	check "$t: verify at the floor" verify --trust "$p/trust" --min-version 3 "$dir/image" "$p/image.sig"
	check "$t: openssl cms verifies it over an independently built payload" \
		openssl cms -verify -binary -inform DER -in "$p/image.sig" -content "$dir/payload" \
		-CAfile "$p/root/cert.pem" -purpose any -out /dev/null
done
P=$dir/p256     # the PKI the refusals below use
T=$P/trust
S=(--key "$P/sig/key.pem" --cert "$P/sig/cert.pem" --chain "$P/sig/chain.pem")

check "sha512 image" sign "${S[@]}" --hash sha512 "$dir/image" -o "$dir/sha512.sig"
check "sha512 verifies" verify --trust "$T" --hash sha512 "$dir/image" "$dir/sha512.sig"
check "--digest signs and verifies the same digest" sh -c \
	"'$CFSBOOT' sign --key '$P/sig/key.pem' --cert '$P/sig/cert.pem' --chain '$P/sig/chain.pem' --digest $D -o '$dir/d.sig' >/dev/null &&
	 '$CFSBOOT' verify --trust '$T' '$dir/image' '$dir/d.sig' >/dev/null &&
	 '$CFSBOOT' verify --trust '$T' --digest $D '$dir/d.sig' >/dev/null"
check "no --version: version 0, said so" sh -c \
	"'$CFSBOOT' sign --key '$P/sig/key.pem' --cert '$P/sig/cert.pem' --chain '$P/sig/chain.pem' '$dir/image' -o '$dir/nover.sig' >/dev/null &&
	 '$CFSBOOT' verify --trust '$T' '$dir/image' '$dir/nover.sig' | grep -qx 'version: 0 (no version attribute)'"
check "the chain may follow the signer in --cert" sh -c \
	"cat '$P/sig/cert.pem' '$P/sig/chain.pem' > '$dir/full.pem' &&
	 '$CFSBOOT' sign --key '$P/sig/key.pem' --cert '$dir/full.pem' '$dir/image' -o '$dir/full.sig' >/dev/null &&
	 '$CFSBOOT' verify --trust '$T' '$dir/image' '$dir/full.sig' >/dev/null"
check "default output is IMAGE.sig" sh -c \
	"'$CFSBOOT' sign --key '$P/sig/key.pem' --cert '$P/sig/cert.pem' --chain '$P/sig/chain.pem' '$dir/image' >/dev/null &&
	 '$CFSBOOT' verify --trust '$T' '$dir/image' '$dir/image.sig' >/dev/null"

# Ed25519: fine for CAs, not for the signer (OpenSSL 3.0's CMS).
if pki root "$dir/ed/root" --type ed25519 && pki intermediate "$dir/ed/int" --ca "$dir/ed/root" --type ed25519 &&
	pki signer "$dir/ed/sig" --ca "$dir/ed/int" --type p256; then
	mkdir -p "$dir/ed/trust" && cp "$dir/ed/root/cert.pem" "$dir/ed/trust/"
	check "Ed25519 root and intermediate above a P-256 signer" sh -c \
		"'$CFSBOOT' sign --key '$dir/ed/sig/key.pem' --cert '$dir/ed/sig/cert.pem' --chain '$dir/ed/sig/chain.pem' '$dir/image' -o '$dir/ed.sig' >/dev/null &&
		 '$CFSBOOT' verify --trust '$dir/ed/trust' '$dir/image' '$dir/ed.sig' >/dev/null"
else
	fail "mkpki.sh makes Ed25519 CAs"
fi
check_fails "mkpki.sh refuses an Ed25519 signer" 1 "signers must be RSA or ECDSA" \
	"$MKPKI" signer "$dir/ed/sig2" --ca "$dir/ed/int" --type ed25519

# The verifier ignores openssl.cnf: a configuration that leaves OpenSSL
# without SHA-256 breaks the openssl tool but not cfsboot verify.
cat > "$dir/base-only.cnf" <<'EOF'
openssl_conf = init
[init]
providers = provs
[provs]
base = base_sect
[base_sect]
activate = 1
EOF
check "the base-only configuration does break openssl itself" sh -c \
	"! OPENSSL_CONF='$dir/base-only.cnf' openssl dgst -sha256 '$dir/payload' >/dev/null 2>&1"
check "verify reads no openssl.cnf" env OPENSSL_CONF="$dir/base-only.cnf" \
	"$CFSBOOT" verify --trust "$T" "$dir/image" "$P/image.sig"

# ---- refusals: each its own exit code and message ----
good=$P/image.sig
: > "$dir/empty.sig"
head -c 100 "$good" > "$dir/trunc.sig"
{ printf 'G'; head -c 2999 /dev/urandom; } > "$dir/garbage.sig"
{ printf '\060\202\013\270'; head -c 3000 /dev/urandom; } > "$dir/garbage-der.sig"   # a SEQUENCE of 3000 random bytes
openssl cms -cmsout -inform DER -in "$good" -outform PEM -out "$dir/pem.sig"
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' '0' > "$dir/big.sig"
check_fails "empty signature" 10 "is empty" verify --trust "$T" "$dir/image" "$dir/empty.sig"
check_fails "oversized signature" 11 "larger than 1048576 bytes" verify --trust "$T" "$dir/image" "$dir/big.sig"
check_fails "truncated signature" 12 "is truncated: it declares [0-9]+ bytes but has 100" \
	verify --trust "$T" "$dir/image" "$dir/trunc.sig"
check_fails "garbage signature" 13 "is not DER" verify --trust "$T" "$dir/image" "$dir/garbage.sig"
check_fails "garbage inside a well-formed SEQUENCE" 13 "is not a PKCS#7/CMS structure" \
	verify --trust "$T" "$dir/image" "$dir/garbage-der.sig"
check_fails "a PEM signature" 13 "not DER" verify --trust "$T" "$dir/image" "$dir/pem.sig"
{ cat "$good"; printf x; } > "$dir/trailing.sig"
check_fails "bytes after the signature" 13 "1 bytes after its end" \
	verify --trust "$T" "$dir/image" "$dir/trailing.sig"
check_fails "a signature over another digest" 14 "does not sign sha256:" \
	verify --trust "$T" "$dir/other" "$good"
check_fails "the digest algorithm must match" 14 "does not sign sha512:" \
	verify --trust "$T" --hash sha512 "$dir/image" "$good"
check_fails "an untrusted root" 15 "does not chain to a trust anchor" \
	verify --trust "$dir/p384/trust" "$dir/image" "$good"
check_fails "a signature without its intermediate" 15 "does not chain to a trust anchor" \
	sh -c "'$CFSBOOT' sign --key '$P/sig/key.pem' --cert '$P/sig/cert.pem' '$dir/image' -o '$dir/nochain.sig' >/dev/null &&
	       '$CFSBOOT' verify --trust '$T' '$dir/image' '$dir/nochain.sig'"
check_fails "a revoked signer" 18 "CN=cfsboot image signing .* is revoked" sh -c \
	"printf '# compromised\n%s\n' \$('$MKPKI' fingerprint '$P/sig/cert.pem') > '$dir/revoked' &&
	 '$CFSBOOT' verify --trust '$T' --revoked '$dir/revoked' '$dir/image' '$good'"
check_fails "a revoked intermediate" 18 "CN=cfsboot intermediate CA .* is revoked" sh -c \
	"'$MKPKI' fingerprint '$P/int/cert.pem' > '$dir/revoked-int' &&
	 '$CFSBOOT' verify --trust '$T' --revoked '$dir/revoked-int' '$dir/image' '$good'"
check "an unrelated revocation changes nothing" sh -c \
	"'$MKPKI' fingerprint '$dir/p384/sig/cert.pem' > '$dir/revoked-other' &&
	 '$CFSBOOT' verify --trust '$T' --revoked '$dir/revoked-other' '$dir/image' '$good' >/dev/null"
check_fails "a version below the floor" 19 "security version 3 is below the floor 4" \
	verify --trust "$T" --min-version 4 "$dir/image" "$good"
# verify's --revoked names a list that must be there (deploy's default
# list, as pivot.conf's, may be missing: tests/host/deploy.sh).
check_fails "a missing --revoked list is refused" 24 "$dir/no-such-list" \
	verify --trust "$T" --revoked "$dir/no-such-list" "$dir/image" "$good"
check_fails "malformed --signer-ca pins are refused before any work" 2 "--signer-ca spki:zz: write" \
	verify --trust "$T" --signer-ca spki:zz "$dir/image" "$good"
# The fingerprint is the key's: SHA-256 of the DER SubjectPublicKeyInfo,
# computed here from the certificate with openssl alone.
spki_of() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1; }
check "verify's fingerprint is the SHA-256 of the signer's SubjectPublicKeyInfo" sh -c \
	"'$CFSBOOT' verify --trust '$T' '$dir/image' '$good' | grep -qx 'fingerprint: spki:$(spki_of "$P/sig/cert.pem")'"
check "mkpki.sh fingerprint prints the same line" test "$(fp "$P/sig/cert.pem")" = "spki:$(spki_of "$P/sig/cert.pem")"

# Certificates the tooling would never make, issued with openssl directly.
cat > "$dir/ext.cnf" <<EOF
[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, $EKU
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ no_eku ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
# issue NAME CADIR EXTENSION KEYTYPE MD: $dir/NAME/{key,cert}.pem
issue() {
	local d=$dir/$1
	mkdir -p "$d"
	case $4 in
	rsa1024) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$d/key.pem" 2>/dev/null ;;
	*) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/key.pem" 2>/dev/null ;;
	esac
	openssl req -new -key "$d/key.pem" -subj "/CN=$1" -out "$d/req.pem" 2>/dev/null
	openssl x509 -req -in "$d/req.pem" -CA "$2/cert.pem" -CAkey "$2/key.pem" -set_serial "$RANDOM$RANDOM" \
		-days 30 -extfile "$dir/ext.cnf" -extensions "$3" -"$5" -out "$d/cert.pem" 2>/dev/null
}
# sign_verify NAME CHAIN...: signs the image with NAME's key and verifies it.
sign_verify() {
	local n=$1; shift
	cat "$@" > "$dir/$n/chain.pem"
	sign --key "$dir/$n/key.pem" --cert "$dir/$n/cert.pem" --chain "$dir/$n/chain.pem" \
		--version 3 "$dir/image" -o "$dir/$n.sig" >/dev/null &&
	verify --trust "$T" "$dir/image" "$dir/$n.sig"
}
issue below-signer "$P/sig" leaf p256 sha256
check_fails "an intermediate without CA rights" 16 "CN=cfsboot image signing may not issue" \
	sign_verify below-signer "$P/sig/cert.pem" "$P/int/cert.pem"
issue no-eku "$P/int" no_eku p256 sha256
check_fails "a signer without the image-signing EKU" 17 "lacks the image-signing extended key usage $EKU" \
	sign_verify no-eku "$P/int/cert.pem"
issue rsa1024 "$P/int" leaf rsa1024 sha256
check_fails "an RSA key below 2048 bits" 22 "1024-bit RSA key" sign_verify rsa1024 "$P/int/cert.pem"
issue sha1-int "$P/root" ca p256 sha1
issue below-sha1 "$dir/sha1-int" leaf p256 sha256
check_fails "a certificate signed with SHA-1" 22 "CN=sha1-int is signed with SHA1" \
	sign_verify below-sha1 "$dir/sha1-int/cert.pem"
check_fails "a signer digest of SHA-1" 22 "digests with sha1" sh -c \
	"openssl cms -sign -binary -md sha1 -outform DER -in '$dir/payload' -signer '$P/sig/cert.pem' \
		-inkey '$P/sig/key.pem' -certfile '$P/sig/chain.pem' -out '$dir/sha1.sig' &&
	 '$CFSBOOT' verify --trust '$T' '$dir/image' '$dir/sha1.sig'"
check "an openssl cms signature with SHA-384 verifies" sh -c \
	"openssl cms -sign -binary -md sha384 -outform DER -in '$dir/payload' -signer '$P/sig/cert.pem' \
		-inkey '$P/sig/key.pem' -certfile '$P/sig/chain.pem' -out '$dir/sha384.sig' &&
	 '$CFSBOOT' verify --trust '$T' '$dir/image' '$dir/sha384.sig' >/dev/null"

# A root whose path length allows no intermediate.
pki root "$dir/short/root" --pathlen 0 && pki intermediate "$dir/short/int" --ca "$dir/short/root" &&
	pki signer "$dir/short/sig" --ca "$dir/short/int"
mkdir -p "$dir/short/trust" && cp "$dir/short/root/cert.pem" "$dir/short/trust/"
check_fails "an intermediate beyond the root's path length" 16 "may not issue" sh -c \
	"'$CFSBOOT' sign --key '$dir/short/sig/key.pem' --cert '$dir/short/sig/cert.pem' --chain '$dir/short/sig/chain.pem' '$dir/image' -o '$dir/short.sig' >/dev/null &&
	 '$CFSBOOT' verify --trust '$dir/short/trust' '$dir/image' '$dir/short.sig'"

# ---- revocation survives ECDSA malleability: (r, s) -> (r, n - s)
# keeps a certificate valid and changes its bytes, so an entry that names
# the whole certificate no longer matches; one that names the key does.
M=$dir/maul
mkdir -p "$M"
certfp() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }
for c in sig int; do
	openssl x509 -in "$P/$c/cert.pem" -outform DER -out "$M/$c.der"
	python3 "$TESTS_DIR/host/ecdsa-malleate.py" "$M/$c.der" "$M/$c-m.der" p256
	openssl x509 -inform DER -in "$M/$c-m.der" -out "$M/$c-m.pem"
done
check "openssl verify accepts the mauled signer below the mauled intermediate" \
	openssl verify -x509_strict -CAfile "$P/root/cert.pem" -untrusted "$M/int-m.pem" "$M/sig-m.pem"
check "the mauled certificates have other certificate fingerprints, the same keys" sh -c \
	"[ '$(certfp "$M/sig-m.pem")' != '$(certfp "$P/sig/cert.pem")' ] &&
	 [ '$(certfp "$M/int-m.pem")' != '$(certfp "$P/int/cert.pem")' ] &&
	 [ '$(spki_of "$M/sig-m.pem")' = '$(spki_of "$P/sig/cert.pem")' ] &&
	 [ '$(spki_of "$M/int-m.pem")' = '$(spki_of "$P/int/cert.pem")' ]"
sign --key "$P/sig/key.pem" --cert "$M/sig-m.der" --chain "$M/int-m.pem" --version 3 "$dir/image" \
	-o "$M/maul.sig" >/dev/null
check "a signature embedding both mauled certificates verifies when nothing is revoked" \
	verify --trust "$T" "$dir/image" "$M/maul.sig"
for c in sig int; do
	case $c in sig) who="CN=cfsboot image signing" ;; int) who="CN=cfsboot intermediate CA" ;; esac
	certfp "$P/$c/cert.pem" > "$M/old-$c.list"
	printf 'cert:%s\n' "$(certfp "$P/$c/cert.pem")" > "$M/cert-$c.list"
	fp "$P/$c/cert.pem" > "$M/spki-$c.list"
	check_fails "$c: an old-style entry (bare certificate fingerprint) still refuses the original" 18 \
		"certificate $who \(cert:[0-9a-f]{64}\) is revoked" \
		verify --trust "$T" --revoked "$M/old-$c.list" "$dir/image" "$good"
	check_fails "$c: ... and loading it warns that it is weaker" 18 \
		"old-$c.list:1: 1 entry revokes a whole-certificate fingerprint, which a re-encoded ECDSA certificate escapes" \
		verify --trust "$T" --revoked "$M/old-$c.list" "$dir/image" "$good"
	check_fails "$c: a cert: entry refuses the original" 18 "certificate $who \(cert:" \
		verify --trust "$T" --revoked "$M/cert-$c.list" "$dir/image" "$good"
	check "$c: the attack: the mauled certificate escapes a certificate entry" \
		verify --trust "$T" --revoked "$M/old-$c.list" "$dir/image" "$M/maul.sig"
	check_fails "$c: revoked by its key (spki:), the mauled certificate is refused" 18 \
		"the key of certificate $who \(spki:$(spki_of "$P/$c/cert.pem")\) is revoked" \
		verify --trust "$T" --revoked "$M/spki-$c.list" "$dir/image" "$M/maul.sig"
	check_fails "$c: revoked by its key, the original is refused" 18 "the key of certificate $who" \
		verify --trust "$T" --revoked "$M/spki-$c.list" "$dir/image" "$good"
done
check "a list of key entries loads without a warning" sh -c \
	"! '$CFSBOOT' verify --trust '$T' --revoked '$M/spki-int.list' '$dir/image' '$dir/ed.sig' 2>&1 | grep -q whole-certificate"
# A certificate issued again for the leaked key (a new serial): a key entry
# refuses it too.
openssl req -new -key "$P/sig/key.pem" -subj "/CN=cfsboot image signing, again" -out "$M/again.csr" 2>/dev/null
openssl x509 -req -in "$M/again.csr" -CA "$P/int/cert.pem" -CAkey "$P/int/key.pem" -set_serial 4242 \
	-days 30 -extfile "$dir/ext.cnf" -extensions leaf -sha256 -out "$M/again.pem" 2>/dev/null
sign --key "$P/sig/key.pem" --cert "$M/again.pem" --chain "$P/sig/chain.pem" "$dir/image" -o "$M/again.sig" >/dev/null
check "a re-issued certificate for the same key verifies when nothing is revoked" \
	verify --trust "$T" "$dir/image" "$M/again.sig"
check_fails "... and is refused by the key entry of the first certificate" 18 \
	"the key of certificate CN=cfsboot image signing.{1,3} again \(spki:$(spki_of "$P/sig/cert.pem")\) is revoked" \
	verify --trust "$T" --revoked "$M/spki-sig.list" "$dir/image" "$M/again.sig"

# ---- a key signs only for its product: signer-ca pins the issuing CAs.
# Product B's intermediate sits under the same root as product A's ($P/int).
{ pki intermediate "$dir/prod-b/int" --ca "$P/root" --subject "/CN=product B intermediate" &&
	pki signer "$dir/prod-b/sig" --ca "$dir/prod-b/int" --subject "/CN=product B signing"; } ||
	fail "mkpki.sh makes a second product's intermediate and signer"
sign --key "$dir/prod-b/sig/key.pem" --cert "$dir/prod-b/sig/cert.pem" --chain "$dir/prod-b/sig/chain.pem" \
	--version 3 "$dir/image" -o "$dir/prod-b.sig" >/dev/null
PIN_A=$(fp "$P/int/cert.pem") PIN_B=$(fp "$dir/prod-b/int/cert.pem") PIN_ROOT=$(fp "$P/root/cert.pem")
check "nothing pinned: product B's signature verifies under the shared root (the gap)" \
	verify --trust "$T" "$dir/image" "$dir/prod-b.sig"
check "product A's intermediate pinned: product A's signature verifies" \
	verify --trust "$T" --signer-ca "$PIN_A" "$dir/image" "$good"
check_fails "the attack: product B's valid signature is refused under product A's pin" 25 \
	"signer CN=product B signing is not issued under a CA the policy pins \(signer-ca\); its issuer is CN=product B intermediate" \
	verify --trust "$T" --signer-ca "$PIN_A" "$dir/image" "$dir/prod-b.sig"
check "both intermediates pinned: product B verifies" \
	verify --trust "$T" --signer-ca "$PIN_A, $PIN_B" "$dir/image" "$dir/prod-b.sig"
check "the root pinned: any intermediate below it" \
	verify --trust "$T" --signer-ca "$PIN_ROOT" "$dir/image" "$dir/prod-b.sig"
check_fails "the signer's own key is not a CA of its chain" 25 "is not issued under a CA" \
	verify --trust "$T" --signer-ca "$(fp "$P/sig/cert.pem")" "$dir/image" "$good"
check_fails "a malformed --signer-ca" 2 "--signer-ca spki:abc: write any, or up to 8 spki:" \
	verify --trust "$T" --signer-ca spki:abc "$dir/image" "$good"
check "--signer-ca any pins nothing" verify --trust "$T" --signer-ca any "$dir/image" "$dir/prod-b.sig"

# Validity periods count only with --check-clock.
pki signer "$dir/expired" --ca "$P/int" --not-before 20200101000000Z --not-after 20210101000000Z
pki signer "$dir/future" --ca "$P/int" --not-before 20990101000000Z --not-after 21000101000000Z
for w in expired future; do
	sign --key "$dir/$w/key.pem" --cert "$dir/$w/cert.pem" --chain "$dir/$w/chain.pem" "$dir/image" \
		-o "$dir/$w.sig" >/dev/null
	check "$w certificate, clock not checked (the default)" verify --trust "$T" "$dir/image" "$dir/$w.sig"
done
check_fails "an expired certificate, clock checked" 20 "expired at 2021-01-01" \
	verify --trust "$T" --check-clock "$dir/image" "$dir/expired.sig"
check_fails "a not yet valid certificate, clock checked" 21 "not valid before 2099-01-01" \
	verify --trust "$T" --check-clock "$dir/image" "$dir/future.sig"
check "a current certificate, clock checked" verify --trust "$T" --check-clock "$dir/image" "$good"

# A certificate whose signature was altered (its last byte flipped).
mkdir -p "$dir/forged"
openssl x509 -in "$P/sig/cert.pem" -outform DER -out "$dir/forged/cert.der"
last=$(tail -c 1 "$dir/forged/cert.der" | od -An -tu1 | tr -d ' ')
printf "\\$(printf %03o $((last ^ 1)))" |
	dd of="$dir/forged/cert.der" bs=1 seek=$(($(stat -c %s "$dir/forged/cert.der") - 1)) conv=notrunc status=none
check_fails "a certificate with an altered signature" 23 "certificate signature failure" sh -c \
	"'$CFSBOOT' sign --key '$P/sig/key.pem' --cert '$dir/forged/cert.der' --chain '$P/sig/chain.pem' '$dir/image' -o '$dir/forged.sig' >/dev/null &&
	 '$CFSBOOT' verify --trust '$T' '$dir/image' '$dir/forged.sig'"

# ---- trust configuration and usage ----
mkdir -p "$dir/empty-trust"
check_fails "an empty trust directory" 24 "holds no certificate" \
	verify --trust "$dir/empty-trust" "$dir/image" "$good"
check_fails "a private key in the trust directory" 24 "contains a private key" sh -c \
	"mkdir -p '$dir/keyed' && cp '$P/root/cert.pem' '$P/sig/key.pem' '$dir/keyed/' &&
	 '$CFSBOOT' verify --trust '$dir/keyed' '$dir/image' '$good'"
printf 'ABCDEF\n' > "$dir/bad-revoked"
check_fails "a bad revocation line" 24 "bad-revoked:1: not a fingerprint: write spki:" \
	verify --trust "$T" --revoked "$dir/bad-revoked" "$dir/image" "$good"
check_fails "a missing revocation list" 24 "cannot open .*nope" \
	verify --trust "$T" --revoked "$dir/nope" "$dir/image" "$good"
check_fails "verify needs --trust" 2 "--trust DIR is required" verify "$dir/image" "$good"
check_fails "a malformed --digest" 2 "a sha256 digest is 64 hex digits" \
	verify --trust "$T" --digest sha256:abcd "$good"
check_fails "a malformed --version" 2 "--version -1: not a decimal number" \
	sign "${S[@]}" --version -1 "$dir/image" -o "$dir/x.sig"
check_fails "a key that is not the certificate's" 1 "does not belong to the certificate" \
	sign --key "$dir/p384/sig/key.pem" --cert "$P/sig/cert.pem" "$dir/image" -o "$dir/x.sig"
check "--help describes sign" sh -c "'$CFSBOOT' sign --help | grep -q 'formatted digest'"
check "--help describes verify" sh -c "'$CFSBOOT' verify --help | grep -q 'trust anchors'"

# ---- fsverity sign: a plain signature by a certificate that is an anchor ----
for t in rsa p256; do
	case $t in
	rsa) kopt=(-newkey rsa:2048) ;;
	p256) kopt=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
	esac
	mkdir -p "$dir/fsv-$t/trust"
	openssl req -x509 "${kopt[@]}" -nodes -keyout "$dir/fsv-$t/key.pem" -subj "/CN=fsverity $t" \
		-days 30 -out "$dir/fsv-$t/trust/cert.pem" 2>/dev/null
	for h in sha256 sha512; do
		fsverity sign --hash-alg="$h" --key "$dir/fsv-$t/key.pem" --cert "$dir/fsv-$t/trust/cert.pem" \
			"$dir/image" "$dir/fsv-$t-$h.sig" >/dev/null
		check "fsverity sign ($t, $h) verifies with its certificate as the anchor" sh -c \
			"'$CFSBOOT' verify --trust '$dir/fsv-$t/trust' --hash $h '$dir/image' '$dir/fsv-$t-$h.sig' |
			 grep -qx 'version: 0 (no version attribute)'"
	done
	check "fsverity sign's payload is the one built here" openssl cms -verify -binary -inform DER \
		-in "$dir/fsv-$t-sha256.sig" -content "$dir/payload" -certfile "$dir/fsv-$t/trust/cert.pem" \
		-CAfile "$dir/fsv-$t/trust/cert.pem" -purpose any -out /dev/null
	check "cfsboot sign with that key verifies the same way" sh -c \
		"'$CFSBOOT' sign --key '$dir/fsv-$t/key.pem' --cert '$dir/fsv-$t/trust/cert.pem' '$dir/image' -o '$dir/fsv-$t.ours.sig' >/dev/null &&
		 '$CFSBOOT' verify --trust '$dir/fsv-$t/trust' '$dir/image' '$dir/fsv-$t.ours.sig' >/dev/null"
done
check_fails "a trust anchor that signs directly has no CA above it to match signer-ca" 25 \
	"its issuer is none \(it is a trust anchor itself\)" \
	verify --trust "$dir/fsv-p256/trust" --signer-ca "$(fp "$dir/fsv-p256/trust/cert.pem")" \
	"$dir/image" "$dir/fsv-p256-sha256.sig"
fsverity sign --key "$P/sig/key.pem" --cert "$P/sig/cert.pem" "$dir/image" "$dir/fsv-pki.sig" >/dev/null
check_fails "fsverity sign by a certificate below the anchor: nothing to chain with" 15 \
	"does not embed and that is not a trust anchor" verify --trust "$T" "$dir/image" "$dir/fsv-pki.sig"
check_fails "fsverity sign over another file" 14 "does not sign" \
	verify --trust "$dir/fsv-rsa/trust" "$dir/other" "$dir/fsv-rsa-sha256.sig"

# ---- --store: signatures/<digest>.sig, written atomically ----
repo=$dir/repo
hex=${D#sha256:}
mkdir -p "$repo/objects/${hex:0:2}" "$repo/images"
cp "$dir/image" "$repo/objects/${hex:0:2}/${hex:2}"
ln -s "../objects/${hex:0:2}/${hex:2}" "$repo/images/$hex"
check "--store writes signatures/<digest>.sig for a linked image" sh -c \
	"'$CFSBOOT' sign --key '$P/sig/key.pem' --cert '$P/sig/cert.pem' --chain '$P/sig/chain.pem' --version 5 --store '$repo' '$repo/images/$hex' >/dev/null &&
	 '$CFSBOOT' verify --trust '$T' --min-version 5 '$repo/images/$hex' '$repo/signatures/$hex.sig' >/dev/null"
check "--store made signatures/ 0755" test "$(stat -c %a "$repo/signatures")" = 755
check "--store leaves nothing else behind, and nothing in images/" \
	test "$(ls -A "$repo/images" | tr '\n' ' ')/$(ls -A "$repo/signatures" | tr '\n' ' ')" = "$hex /$hex.sig "
check "--store with --digest" sh -c \
	"'$CFSBOOT' sign --key '$P/sig/key.pem' --cert '$P/sig/cert.pem' --chain '$P/sig/chain.pem' --version 6 --store '$repo' --digest $D >/dev/null &&
	 '$CFSBOOT' verify --trust '$T' --min-version 6 '$dir/image' '$repo/signatures/$hex.sig' >/dev/null"
cp "$repo/signatures/$hex.sig" "$dir/before.sig"
check_fails "a failed signing keeps the old signature" 1 "does not belong" \
	sign --key "$dir/p384/sig/key.pem" --cert "$P/sig/cert.pem" --store "$repo" "$dir/image"
check "... byte for byte, and leaves no temporary file" sh -c \
	"cmp -s '$dir/before.sig' '$repo/signatures/$hex.sig' && test \$(ls -A '$repo/signatures' | wc -l) = 1"
check_fails "--store refuses an image the store does not hold" 1 "add the image first" \
	sign "${S[@]}" --store "$repo" "$dir/other"
check "... and writes nothing" test "$(ls -A "$repo/images" | wc -l)/$(ls -A "$repo/signatures" | wc -l)" = 1/1
# A store an earlier cfsboot signed: its images/<digest>.sig is moved out
# of images/ first, then replaced by the new signature.
mv "$repo/signatures/$hex.sig" "$repo/images/$hex.sig"
out=$("$CFSBOOT" sign "${S[@]}" --version 7 --store "$repo" "$dir/image" 2>&1) &&
	ok "--store signs a store with a legacy images/<digest>.sig" ||
	fail "--store signs a store with a legacy images/<digest>.sig: $out"
check "... moving it first, and saying so" grep -q "moved 1 signatures from images/ to signatures/" <<< "$out"
check "... images/ holds the image alone" test "$(ls -A "$repo/images")" = "$hex"
check "... and signatures/ the new signature" \
	verify --trust "$T" --min-version 7 "$dir/image" "$repo/signatures/$hex.sig"
mkdir "$repo/signatures.real" && mv "$repo/signatures"/* "$repo/signatures.real/" && rmdir "$repo/signatures" &&
	ln -s signatures.real "$repo/signatures"
cp "$repo/signatures.real/$hex.sig" "$dir/v7.sig"
check_fails "--store refuses a signatures/ that is a link" 1 "refusing the signatures directory .*symbolic link" \
	sign "${S[@]}" --store "$repo" "$dir/image"
check "... and writes nothing through it" sh -c \
	"cmp -s '$dir/v7.sig' '$repo/signatures.real/$hex.sig' && test \$(ls -A '$repo/signatures.real' | wc -l) = 1"
check_fails "-o and --store are exclusive" 2 "exclusive" \
	sign "${S[@]}" --store "$repo" -o "$dir/x.sig" "$dir/image"

done_testing
