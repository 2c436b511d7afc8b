#!/usr/bin/env bash
# mkpki.sh: the certificates of a cfsboot image-signing PKI (docs/keys.md).
#
#   mkpki.sh root DIR [--type T] [--subject DN] [--days N] [--pathlen N]
#   mkpki.sh intermediate DIR --ca CADIR [--type T] [--subject DN] [--days N] [--pathlen N]
#   mkpki.sh signer DIR --ca CADIR [--type T] [--subject DN] [--days N]
#                       [--not-before DATE --not-after DATE]
#   mkpki.sh channel DIR --ca CADIR [--type T] [--subject DN] [--days N]
#   mkpki.sh fingerprint CERT
#
# Each DIR receives key.pem (mode 0600: keep it offline), cert.pem and
# chain.pem (the intermediate certificates above it, root excluded: what
# `cfsboot sign --chain` embeds).  CA directories also keep `openssl ca`'s
# database of what they issued under db/.  Key types: rsa3072, rsa4096,
# p256 (default), p384, and ed25519 for CAs only (OpenSSL 3.0's CMS cannot
# sign with EdDSA).  DATE is YYYYMMDDHHMMSSZ.  `fingerprint` prints the
# revocation-list line of the certificate's key: spki: and the SHA-256 of
# its DER SubjectPublicKeyInfo, lowercase (what cfsboot verify prints).
set -euo pipefail

KEYS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CNF=$KEYS_DIR/openssl.cnf

die() { echo "mkpki.sh: $*" >&2; exit 1; }
usage() { sed -n '3,18s/^# \{0,1\}//p' "$0"; }

# genkey TYPE FILE: a new private key, readable by its owner only.
genkey() {
	local opts
	case $1 in
	rsa3072) opts=(-algorithm RSA -pkeyopt rsa_keygen_bits:3072) ;;
	rsa4096) opts=(-algorithm RSA -pkeyopt rsa_keygen_bits:4096) ;;
	p256)    opts=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve) ;;
	p384)    opts=(-algorithm EC -pkeyopt ec_paramgen_curve:P-384 -pkeyopt ec_param_enc:named_curve) ;;
	ed25519) opts=(-algorithm ED25519) ;;
	esac
	(umask 077 && openssl genpkey "${opts[@]}" -out "$2" 2>/dev/null) ||
		die "cannot generate a $1 key in $2"
}

# The digest a CA of this key type signs certificates with.
ca_md() {
	case $1 in
	p384) echo sha384 ;;
	ed25519) echo default ;;    # EdDSA hashes internally
	*) echo sha256 ;;
	esac
}

# new_dir DIR: refuses to overwrite an existing key.
new_dir() {
	[ -e "$1/key.pem" ] && die "$1 already holds a key; choose another directory"
	mkdir -p "$1"
}

new_ca_db() {
	mkdir -p "$1/db/certs"
	: > "$1/db/index.txt"
}

# issue DIR CADIR EXTENSIONS DAYS NOT_BEFORE NOT_AFTER: a certificate for
# DIR's key, signed by CADIR with `openssl ca`.
issue() {
	local dir=$1 ca=$2 ext=$3 days=$4 nb=$5 na=$6 dates
	if [ -n "$nb$na" ]; then
		[ -n "$nb" ] && [ -n "$na" ] || die "--not-before and --not-after go together"
		dates=(-startdate "$nb" -enddate "$na")
	else
		dates=(-days "$days")
	fi
	openssl req -new -config "$CNF" -key "$dir/key.pem" -subj "$SUBJECT" -out "$dir/req.pem"
	CFS_CA_DIR=$ca openssl ca -batch -config "$CNF" -in "$dir/req.pem" -out "$dir/cert.pem" \
		-extensions "$ext" -notext -md "$(ca_md "$(cat "$ca/type")")" "${dates[@]}" 2>"$dir/ca.log" ||
		die "openssl ca failed: $(tail -n 3 "$dir/ca.log")"
	rm -f "$dir/req.pem" "$dir/ca.log"
	# The chain below a root is empty; below an intermediate it is that
	# intermediate and its own chain.
	if [ "$(cat "$ca/role")" = intermediate ]; then
		cat "$ca/cert.pem" "$ca/chain.pem" > "$dir/chain.pem"
	else
		: > "$dir/chain.pem"
	fi
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
cmd=$1; shift
case $cmd in
-h|--help) usage; exit 0 ;;
fingerprint)
	[ $# -eq 1 ] || die "usage: mkpki.sh fingerprint CERT"
	spki=$(openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum) ||
		die "cannot read the key of $1"
	echo "spki:${spki%% *}"
	exit 0 ;;
root|intermediate|signer|channel) ;;
*) die "unknown command '$cmd': root, intermediate, signer, channel or fingerprint" ;;
esac

[ $# -ge 1 ] || die "$cmd needs a directory"
DIR=$1; shift
TYPE=p256 CA="" DAYS="" PATHLEN="" NOT_BEFORE="" NOT_AFTER=""
case $cmd in
root) SUBJECT="/CN=cfsboot root CA" DAYS=7300 PATHLEN=1 ;;
intermediate) SUBJECT="/CN=cfsboot intermediate CA" DAYS=3650 PATHLEN=0 ;;
signer) SUBJECT="/CN=cfsboot image signing" DAYS=730 ;;
channel) SUBJECT="/CN=cfsboot channel signing" DAYS=730 ;;
esac
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || die "$1 needs a value"
	case $1 in
	--type) TYPE=$2 ;;
	--subject) SUBJECT=$2 ;;
	--days) DAYS=$2 ;;
	--pathlen) [ "$cmd" != signer ] && [ "$cmd" != channel ] || die "a signer is no CA: --pathlen does not apply"; PATHLEN=$2 ;;
	--ca) [ "$cmd" != root ] || die "a root is self-signed: --ca does not apply"; CA=$2 ;;
	--not-before) NOT_BEFORE=$2 ;;
	--not-after) NOT_AFTER=$2 ;;
	*) die "unknown option '$1'" ;;
	esac
	shift 2
done
case $TYPE in
rsa3072|rsa4096|p256|p384|ed25519) ;;
*) die "unknown key type '$TYPE': rsa3072, rsa4096, p256, p384 or ed25519" ;;
esac
[ "$cmd" = root ] || [ -n "$CA" ] || die "$cmd needs --ca CADIR, the directory of its issuer"
[ -z "$CA" ] || { [ -f "$CA/key.pem" ] && [ -f "$CA/cert.pem" ] && [ -d "$CA/db" ]; } ||
	die "$CA is not a CA directory made by mkpki.sh"
{ [ "$cmd" != signer ] && [ "$cmd" != channel ]; } || [ "$TYPE" != ed25519 ] ||
	die "signers must be RSA or ECDSA: OpenSSL 3.0 cannot make CMS signatures with Ed25519"
export CFS_CA_DIR=${CA:-$DIR} CFS_PATHLEN=${PATHLEN:-0}

new_dir "$DIR"
genkey "$TYPE" "$DIR/key.pem"
echo "$TYPE" > "$DIR/type"
echo "$cmd" > "$DIR/role"
case $cmd in
root)
	[ -z "$NOT_BEFORE$NOT_AFTER" ] || die "a root takes --days, not dates"
	md=$(ca_md "$TYPE")
	mdopt=()
	[ "$md" = default ] || mdopt=(-"$md")
	openssl req -new -x509 -config "$CNF" -key "$DIR/key.pem" -subj "$SUBJECT" -days "$DAYS" \
		-extensions v3_root "${mdopt[@]}" -out "$DIR/cert.pem" ||
		die "cannot make the root certificate"
	: > "$DIR/chain.pem"
	new_ca_db "$DIR" ;;
intermediate)
	issue "$DIR" "$CA" v3_intermediate "$DAYS" "$NOT_BEFORE" "$NOT_AFTER"
	new_ca_db "$DIR" ;;
signer)
	issue "$DIR" "$CA" v3_signer "$DAYS" "$NOT_BEFORE" "$NOT_AFTER" ;;
channel)
	issue "$DIR" "$CA" v3_channel "$DAYS" "$NOT_BEFORE" "$NOT_AFTER" ;;
esac
echo "$cmd $DIR: $(openssl x509 -in "$DIR/cert.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'), fingerprint $("$0" fingerprint "$DIR/cert.pem")"
