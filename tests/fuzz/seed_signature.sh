#!/usr/bin/env bash
# Seeds for fuzz_signature, made at run time with the openssl tool so that
# no key or signature is kept in the repository: signatures of the shapes
# that exist (fsverity sign's: no attributes, no certificates; ours:
# attributes and a chain; RSA and ECDSA), a few edit triples for mode 1,
# and a revocation list and a certificate for mode 2.  The first byte of
# each seed is the fuzz target's mode.
#
#   tests/fuzz/seed_signature.sh DIR     writes DIR/sig-*
set -eu
out=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# The payload the target verifies against: "FSVerity", SHA-256, 32 bytes.
printf 'FSVerity\001\000\040\000\300\377\356\001' > "$work/payload"
head -c 28 /dev/zero >> "$work/payload"

seed() { # NAME MODE FILE
	{ printf "\\$(printf %03o "$2")"; cat "$3"; } > "$out/sig-$1"
}

for k in rsa:2048 ec; do
	opt=(-newkey "$k"); [ "$k" = ec ] && opt+=(-pkeyopt ec_paramgen_curve:P-256)
	n=${k%%:*}
	openssl req -x509 "${opt[@]}" -nodes -keyout "$work/$n.key" -subj "/CN=seed $n" -days 30 \
		-out "$work/$n.crt" 2>/dev/null
	openssl cms -sign -binary -noattr -nocerts -outform DER -in "$work/payload" \
		-signer "$work/$n.crt" -inkey "$work/$n.key" -md sha256 -out "$work/$n-plain.sig"
	openssl cms -sign -binary -outform DER -in "$work/payload" -signer "$work/$n.crt" \
		-inkey "$work/$n.key" -md sha256 -out "$work/$n-attrs.sig"
	seed "$n-plain" 0 "$work/$n-plain.sig"
	seed "$n-attrs" 0 "$work/$n-attrs.sig"
done
printf '\000\020\001\001\000\377\002\000\200' > "$work/edits"
seed edits 1 "$work/edits"
printf '# revoked\n%064d  # a comment\n\n' 0 > "$work/list"
seed list 2 "$work/list"
seed cert 2 "$work/ec.crt"
