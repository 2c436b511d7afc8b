#!/usr/bin/env bash
# Verifying one image signature, per key type (root, intermediate and
# signer all of that type), in wall time (best of $RUNS) and in
# instructions counted by callgrind:
#
#  - at boot: bench/verify_once.c, linked statically like cfs-pivot, times
#    from main() on what cfs-pivot does: OpenSSL initialisation, loading
#    the trust directory, reading and verifying the signature.  Target:
#    <= 2 ms.
#  - as processes: `cfsboot verify` against the baseline, measured in the
#    same run on the same signature and anchor, `openssl cms -verify`; and
#    the floor that exec and dynamic linking alone cost (`cfsboot verify
#    --help`).
#
# Ed25519 is not measured: OpenSSL 3.0's CMS cannot sign or verify with it
# (docs/signature.md).
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-30}
work=$(mktemp -d "${TMPDIR:-/tmp}/cfsboot-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# best_ms CMD...: the smallest wall time of $RUNS runs, in milliseconds,
# timed in-shell so that no helper process adds to it.
best_ms() {
	local best="" s e t
	for _ in $(seq "$RUNS"); do
		s=$EPOCHREALTIME
		"$@" >/dev/null 2>&1
		e=$EPOCHREALTIME
		t=$(echo "($e - $s) * 1000" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
	done
	printf '%.3f\n' "$best"
}

# instructions CMD...: instructions executed, as callgrind counts them.
instructions() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

make -s -C "$REPO" "${CFS_BUILD_DIR:-build}/libcfs.a"
cc -O2 -I"$REPO/src" -static -o "$work/verify_once" "$BENCH_DIR/verify_once.c" \
	"$REPO/${CFS_BUILD_DIR:-build}/libcfs.a" -lcrypto -lpthread 2>/dev/null

head -c 1M /dev/urandom > "$work/image"
digest=$("$CFSBOOT" digest "$work/image" | cut -d' ' -f1)
# The payload openssl verifies: the fs-verity formatted digest.
{ printf 'FSVerity\001\000\040\000'; printf "$(printf '%s' "${digest#sha256:}" | sed 's/../\\x&/g')"; } \
	> "$work/payload"

# boot_us CMD...: the smallest time verify_once reports over $RUNS runs.
boot_us() {
	for _ in $(seq "$RUNS"); do "$@"; done | sort -n | head -n 1
}

floor_ms=$(best_ms "$CFSBOOT" verify --help)
floor_ir=$(instructions "$CFSBOOT" verify --help)
printf 'process floor (cfsboot verify --help): %s ms, %s instructions\n\n' "$floor_ms" "$floor_ir"
printf '%-8s | %9s %11s | %10s %10s %6s | %11s %11s %6s\n' "" "at boot" "" \
	"processes:" "" "" "" "" ""
printf '%-8s | %9s %11s | %10s %10s %6s | %11s %11s %6s\n' key "ms" "Ir" "cfsboot ms" \
	"openssl ms" ratio "cfsboot Ir" "openssl Ir" ratio
for t in rsa3072 rsa4096 p256 p384; do
	p=$work/$t
	"$REPO/keys/mkpki.sh" root "$p/root" --type "$t" >/dev/null
	"$REPO/keys/mkpki.sh" intermediate "$p/int" --ca "$p/root" --type "$t" >/dev/null
	"$REPO/keys/mkpki.sh" signer "$p/sig" --ca "$p/int" --type "$t" >/dev/null
	mkdir -p "$p/trust" && cp "$p/root/cert.pem" "$p/trust/"
	"$CFSBOOT" sign --key "$p/sig/key.pem" --cert "$p/sig/cert.pem" --chain "$p/sig/chain.pem" \
		--version 1 --digest "$digest" -o "$p/sig.der" >/dev/null
	ours=("$CFSBOOT" verify --trust "$p/trust" --digest "$digest" "$p/sig.der")
	base=(openssl cms -verify -binary -inform DER -in "$p/sig.der" -content "$work/payload"
	      -CAfile "$p/root/cert.pem" -purpose any -out /dev/null)
	"${ours[@]}" >/dev/null && "${base[@]}" 2>/dev/null ||
		{ echo "$t: the signature does not verify; not measured"; continue; }
	boot=("$work/verify_once" "$p/trust" "${digest#sha256:}" "$p/sig.der")
	boot_ms=$(echo "$(boot_us "${boot[@]}") / 1000" | bc -l)
	boot_ir=$(instructions "${boot[@]}")
	ours_ms=$(best_ms "${ours[@]}")
	base_ms=$(best_ms "${base[@]}")
	ours_ir=$(instructions "${ours[@]}")
	base_ir=$(instructions "${base[@]}")
	printf '%-8s | %9.3f %11s | %10s %10s %6s | %11s %11s %6s\n' "$t" "$boot_ms" "$boot_ir" \
		"$ours_ms" "$base_ms" "$(ratio "$ours_ms" "$base_ms")" \
		"$ours_ir" "$base_ir" "$(ratio "$ours_ir" "$base_ir")"
done
echo
echo "at boot: OpenSSL init + trust directory + verification in a static binary (target <= 2 ms)"
echo "ratio = cfsboot verify / openssl cms -verify, whole processes (lower is faster)"
