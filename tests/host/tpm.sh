#!/usr/bin/env bash
# Measured boot against swtpm over TCP (docs/measurement.md): cfs-pivot's
# measurement (the TPM cases of tests/unit/test_measure.c), its log replayed
# by `cfsboot tpm replay` and cross-checked with tpm2_pcrread, a TPM that
# dies mid-extension, and the anti-rollback floor: raise, refusal to lower,
# refusal of an image below it, and what deleting or replacing the counter
# does.  Every swtpm is started with SHA-1 and SHA-256 banks, on free ports
# of 127.0.0.1 (tests/swtpm.sh), and killed on exit; every wait is bounded.
. "$(dirname "$0")/../lib.sh"
dir=$(scratch)
TEST_MEASURE=$BUILD/tests/test_measure
MKPKI=$REPO/keys/mkpki.sh
INDEX=0x0180cf5b
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$SCRATCH"
}
trap cleanup EXIT

for t in swtpm swtpm_setup tpm2_pcrread tpm2_nvdefine python3; do
	if ! command -v "$t" >/dev/null; then
		skip "$t is not installed (scripts/install-deps.sh)"
		done_testing
		exit
	fi
done

cfsboot() { timeout 60 "$CFSBOOT" "$@"; }
tpm2() { local t=$1; shift; timeout 30 "tpm2_$t" "$@"; }

SWTPM_DIR=$dir
. "$TESTS_DIR/swtpm.sh"
swtpm_template

# pcrread BANK PCR: the value tpm2_pcrread shows, lowercase hex.
pcrread() {
	tpm2 pcrread "$1:$2" | sed -n "s/^ *$2 *: *0x//p" | tr 'A-F' 'a-f'
}

# ---- the measurement ----

start_tpm measure || { fail "swtpm starts"; done_testing; exit; }
check "swtpm has the SHA-1 and SHA-256 banks" sh -c \
	"tpm2_getcap pcrs | grep -q 'sha1: \[ 0, 1' && tpm2_getcap pcrs | grep -q 'sha256: \[ 0, 1'"
MEASURE_PORT=$PORT MEASURE_DEV=$DEV
start_proxy "$MEASURE_PORT" --cut 0x182:2 || fail "the proxy starts"
mkdir -p "$dir/out"
out=$(CFS_TEST_TPM=$MEASURE_DEV CFS_TEST_TPM_DYING=$PROXY_DEV CFS_TEST_OUT=$dir/out \
	timeout 120 "$TEST_MEASURE" 2>&1)
rc=$?
if [ $rc -eq 0 ] && ! printf '%s\n' "$out" | grep -q SKIPPED; then
	ok "pivot_measure against swtpm: floor, extension, log, status, stale log, refusal, a TPM that dies mid-extension"
else
	fail "pivot_measure against swtpm (exit $rc)"
	printf '%s\n' "$out" | grep -E 'ERROR|FAIL|LINE|SKIP' | head -n 20 | sed 's/^/#   /'
fi
printf '%s\n' "$out" | grep '^# one boot' || true

LOG=$dir/out/tpm2-measure.log
out=$(cfsboot tpm replay --device "$MEASURE_DEV" "$LOG" 2>&1)
rc=$?
check "replay of the log matches PCR 15 in both banks" test $rc -eq 0 -a \
	"$(printf '%s\n' "$out" | grep -c '^15 sha[0-9]* match .* (4 records)$')" -eq 2
for bank in sha1 sha256; do
	live=$(pcrread $bank 15)
	replayed=$(printf '%s\n' "$out" | sed -n "s/^15 $bank match \([0-9a-f]*\) .*/\1/p")
	status=$(python3 -c "import json,sys; s=json.load(open(sys.argv[1])); \
print([b['value'] for b in s['tpm']['banks'] if b['alg']==sys.argv[2]][0])" \
		"$dir/out/status.json" "$bank")
	check "$bank: tpm2_pcrread, the replay and status.json agree" \
		test -n "$live" -a "$live" = "$replayed" -a "$live" = "$status"
done
check "status.json: pcr 15, logged, floor 4" python3 -c "import json,sys
t = json.load(open(sys.argv[1]))['tpm']
assert t['present'] and t['pcr'] == 15 and t['logged'] is True and t['floor'] == 4, t" \
	"$dir/out/status.json"
check "a PCR no record names replays to its initial value" sh -c \
	"'$CFSBOOT' tpm replay --device '$MEASURE_DEV' --pcr 0 '$LOG' | grep -q '^0 sha256 match 0* (0 records)$'"
check_fails "PCR 16 was extended without a log (stale log case): mismatch" 6 \
	'^16 sha1 MISMATCH log 0{40} tpm [0-9a-f]{40}$' \
	cfsboot tpm replay --device "$MEASURE_DEV" --pcr 16 "$LOG"

cp "$LOG" "$dir/marked.log" && chmod 1600 "$dir/marked.log"
out=$(cfsboot tpm replay --device "$MEASURE_DEV" "$dir/marked.log" 2>&1)
rc=$?
check "a log marked incomplete is said to be so (the values still decide)" test $rc -eq 0 -a \
	"$(printf '%s\n' "$out" | grep -c 'is marked incomplete (sticky bit)')" -eq 1

sed 's/composefs-verity:require/composefs-verity:boot-check/' "$LOG" > "$dir/forged.log"
check_fails "a record whose digests are not those of its word" 6 \
	'record 3: its sha1 digest is not the digest of its content string "composefs-verity:boot-check"' \
	cfsboot tpm replay --device "$MEASURE_DEV" "$dir/forged.log"
head -c 200 "$LOG" > "$dir/torn.log"
check_fails "a torn record refuses the log" 1 'record 1: not JSON' \
	cfsboot tpm replay --device "$MEASURE_DEV" "$dir/torn.log"

tpm2 pcrextend "15:sha1=$(printf '%040d' 7),sha256=$(printf '%064d' 7)" ||
	fail "tpm2_pcrextend"
check_fails "an extension the log does not know: mismatch in both banks" 6 \
	'^15 sha256 MISMATCH log [0-9a-f]{64} tpm [0-9a-f]{64}$' \
	cfsboot tpm replay --device "$MEASURE_DEV" "$LOG"
check_fails "no log" 1 'there is no measurement log at' \
	cfsboot tpm replay --device "$MEASURE_DEV" "$dir/none.log"

# ---- no TPM, a TPM that cannot be reached ----

check_fails "no TPM at the device path" 7 'no TPM at ' \
	cfsboot tpm read-floor --device "$dir/no-tpm"
closed=$(free_port)
check_fails "a software TPM nobody listens for" 1 'cannot reach the software TPM' \
	cfsboot tpm read-floor --device "swtpm:host=127.0.0.1,port=$closed"
check_fails "a bad --pcr" 2 'give a PCR number from 0 to 23' cfsboot tpm replay --pcr 24
check_fails "an unknown tpm command" 2 "unknown command 'tpm frob'" cfsboot tpm frob
for c in replay read-floor commit-version; do
	check "tpm $c --help" sh -c "'$CFSBOOT' tpm $c --help | grep -q '^Usage: cfsboot tpm $c'"
done

# ---- a busy TPM ----

# ESAPI resubmits RETRY, TESTING and YIELDED a few times at once; beyond
# that cfsboot waits and asks again, for about 2.6 s at most.
start_proxy "$MEASURE_PORT" --busy 0x17a:12:0x90a || fail "the busy proxy starts"
check "a TPM testing itself for 12 answers: the banks are still read" \
	cfsboot tpm replay --device "$PROXY_DEV" --pcr 0 "$LOG"
start_proxy "$MEASURE_PORT" --busy 0x17a:100000:0x922 || fail "the busy proxy starts"
start=$(date +%s%N)
check_fails "a TPM that stays busy: given up, with the TPM's reason" 1 \
	'asking for the PCR banks: the TPM .* refused: .*not able to start the command' \
	cfsboot tpm replay --device "$PROXY_DEV" --pcr 0 "$LOG"
ms=$((($(date +%s%N) - start) / 1000000))
check "and within the bound ($ms ms)" test "$ms" -ge 2000 -a "$ms" -lt 10000

# ---- the anti-rollback floor ----

start_tpm floor || fail "the floor's swtpm starts"
F=(--device "$DEV")
check_fails "no counter yet" 8 "has no anti-rollback counter at 0x180cf5b" cfsboot tpm read-floor "${F[@]}"
check "commit 3 creates the counter" sh -c "'$CFSBOOT' tpm commit-version --device '$DEV' 3 | grep -qx 'anti-rollback floor: 0 -> 3'"
check "read-floor says 3" test "$(cfsboot tpm read-floor "${F[@]}")" = 3
check "tpm2_nvread reads 3 from the counter" test \
	"$(tpm2 nvread "$INDEX" -s 8 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 0000000000000003
check "the counter's attributes are the documented ones" sh -c \
	"tpm2_nvreadpublic $INDEX | grep -q 'value: 0x22040014'"
check "commit 5 raises it" sh -c "'$CFSBOOT' tpm commit-version --device '$DEV' 5 | grep -qx 'anti-rollback floor: 3 -> 5'"
check "commit 5 again changes nothing" sh -c "'$CFSBOOT' tpm commit-version --device '$DEV' 5 | grep -qx 'anti-rollback floor: 5 (unchanged)'"
check_fails "commit 4 is refused: the floor only rises" 9 \
	'refusing to lower the anti-rollback floor from 5 to 4' cfsboot tpm commit-version "${F[@]}" 4
check "the floor is still 5" test "$(cfsboot tpm read-floor "${F[@]}")" = 5
check_fails "a jump of more than 1024 increments is refused" 1 \
	'from 5 to 5000 takes 4995 increments of the TPM counter; more than 1024 are refused' \
	cfsboot tpm commit-version "${F[@]}" 5000
check_fails "tpm2_nvwrite cannot lower a counter" nonzero '' \
	sh -c "printf '\\0\\0\\0\\0\\0\\0\\0\\1' | tpm2_nvwrite $INDEX -i -"

# commit-version without VERSION: the version of the image that booted.
printf '{"result":"booted","version":6,"tpm":{"present":true}}' > "$dir/status.json"
check "commit the booted version from the status file" sh -c \
	"'$CFSBOOT' tpm commit-version --device '$DEV' --status '$dir/status.json' | grep -qx 'anti-rollback floor: 5 -> 6'"
printf '{"result":"refused","version":9}' > "$dir/refused.json"
check_fails "nothing to commit after a refused boot" 1 'does not say that an image booted' \
	cfsboot tpm commit-version "${F[@]}" --status "$dir/refused.json"
printf '{"result":"booted"}' > "$dir/nover.json"
check_fails "an unsigned image has no version to commit" 1 'has no security version' \
	cfsboot tpm commit-version "${F[@]}" --status "$dir/nover.json"
printf '{"result":"booted","version":-1}' > "$dir/neg.json"
check_fails "a status whose version is no number" 1 'is not an unsigned 64-bit number' \
	cfsboot tpm commit-version "${F[@]}" --status "$dir/neg.json"

# An image below the floor is refused by the check cfs-pivot makes.
if "$MKPKI" root "$dir/pki/root" --type p256 >/dev/null 2>&1 &&
	"$MKPKI" signer "$dir/pki/sig" --ca "$dir/pki/root" --type p256 >/dev/null 2>&1; then
	mkdir -p "$dir/pki/trust" && cp "$dir/pki/root/cert.pem" "$dir/pki/trust/"
	head -c 100000 /dev/urandom > "$dir/image"
	for v in 5 6; do
		"$CFSBOOT" sign --key "$dir/pki/sig/key.pem" --cert "$dir/pki/sig/cert.pem" \
			--version $v "$dir/image" -o "$dir/image.$v.sig" >/dev/null ||
			fail "sign version $v"
	done
	floor=$(cfsboot tpm read-floor "${F[@]}")
	check_fails "an image of version 5 below the floor 6 is refused" 19 'rollback|below' \
		cfsboot verify --trust "$dir/pki/trust" --min-version "$floor" "$dir/image" "$dir/image.5.sig"
	check "an image of version 6 at the floor verifies" cfsboot verify --trust "$dir/pki/trust" \
		--min-version "$floor" "$dir/image" "$dir/image.6.sig"
else
	fail "keys/mkpki.sh makes a root and a signer"
fi

# Deleting the counter (owner authorization, empty here) and defining it
# again does not lower it: a new counter starts above every earlier one.
tpm2 nvundefine "$INDEX" -C o || fail "tpm2_nvundefine"
check_fails "after deletion: no counter" 8 'has no anti-rollback counter' cfsboot tpm read-floor "${F[@]}"
tpm2 nvdefine "$INDEX" -C o -s 8 -a "authread|authwrite|nt=counter|no_da" >/dev/null ||
	fail "tpm2_nvdefine"
check_fails "defined again, never incremented: no usable floor" 8 'was never incremented' \
	cfsboot tpm read-floor "${F[@]}"
tpm2 nvincrement "$INDEX" || fail "tpm2_nvincrement"
check "defined again and incremented: 7, above the old floor" \
	test "$(cfsboot tpm read-floor "${F[@]}")" = 7

# Something else at the handle is never trusted nor touched.
tpm2 nvundefine "$INDEX" -C o || fail "tpm2_nvundefine"
if ! tpm2 nvdefine "$INDEX" -C o -s 8 -a "ownerread|ownerwrite|authread|authwrite" >/dev/null ||
	! printf '\0\0\0\0\0\0\0\0' | tpm2 nvwrite "$INDEX" -C o -i -; then
	fail "an ordinary index"
fi
check_fails "an ordinary index at the handle is not a floor" 8 "is not cfsboot's anti-rollback counter" \
	cfsboot tpm read-floor "${F[@]}"
check_fails "commit-version leaves it alone" 1 'leaving it alone' cfsboot tpm commit-version "${F[@]}" 9
tpm2 nvundefine "$INDEX" -C o || fail "tpm2_nvundefine"
check_fails "a new counter that would start above the version is deleted again" 1 \
	'a new counter on the TPM .* starts at 8, above version 3 .* deleted it again' \
	cfsboot tpm commit-version "${F[@]}" 3
check_fails "and is gone" 8 'has no anti-rollback counter' cfsboot tpm read-floor "${F[@]}"

# With an owner password, cfsboot cannot create the counter; an
# administrator does, as docs/measurement.md says, and commits work.
tpm2 changeauth -c owner ownerpw || fail "tpm2_changeauth"
check_fails "owner password: creating is refused with what to do" 1 \
	"owner hierarchy has a password; create it with tpm2_nvdefine" cfsboot tpm commit-version "${F[@]}" 9
tpm2 nvdefine "$INDEX" -C o -P ownerpw -s 8 -a "authread|authwrite|nt=counter|no_da" >/dev/null ||
	fail "tpm2_nvdefine with the owner password"
check "commit-version works on the administrator's counter" sh -c \
	"'$CFSBOOT' tpm commit-version --device '$DEV' 9 | grep -qx 'anti-rollback floor: 0 -> 9'"
check "read-floor says 9" test "$(cfsboot tpm read-floor "${F[@]}")" = 9

# TPM2_Clear (lockout authorization, empty here) deletes the counter, but
# counters made afterwards still start above it.
tpm2 clear -c l || fail "tpm2_clear"
check_fails "cleared: no counter" 8 'has no anti-rollback counter' cfsboot tpm read-floor "${F[@]}"
check_fails "cleared: a new counter starts above the old floor" 1 'starts at 10, above version 3' \
	cfsboot tpm commit-version "${F[@]}" 3

done_testing
