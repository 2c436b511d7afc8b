#!/usr/bin/env bash
# cfs-pivot's TPM phases (docs/measurement.md) against swtpm over TCP, in a
# private mount namespace like pivot-compose.sh: the measurement of a
# signed image (status, log, replay, the PCR predicted from the words), the
# verity word of the mode enforced, the anti-rollback floor of the TPM
# raising min-version, a refusal after the measurement spoiling the PCR,
# no TPM under required and if-present, a TPM without a counter, and a TPM
# that dies mid-extension.  Every swtpm is started here on free ports of
# 127.0.0.1 and killed on exit; every wait is bounded.  The host's own TPM,
# if it has one, is never touched: every policy names a device.
. "$(dirname "$0")/../lib.sh"
private_mount_ns "cfs-pivot mounts need root" "$@"

for t in swtpm swtpm_setup tpm2_pcrread python3; do
	if ! command -v "$t" > /dev/null; then
		skip "$t is not installed (scripts/install-deps.sh)"
		done_testing
		exit
	fi
done

S=$(scratch)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null; done
	wait 2> /dev/null
	awk -v s="$S/" 'index($5, s) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$S"
}
trap cleanup EXIT

cfsboot() { timeout 60 "$CFSBOOT" "$@"; }

# ---- software TPMs (tests/swtpm.sh)
SWTPM_DIR=$S
. "$TESTS_DIR/swtpm.sh"
swtpm_template

# pcr BANK: PCR 15 of the TPM at $DEV as tpm2_pcrread shows it, lowercase hex.
pcr() {
	timeout 30 tpm2_pcrread "$1:15" | sed -n 's/^ *15 *: *0x//p' | tr 'A-F' 'a-f'
}

# ---- the image, signed with security version 5
SRC=$S/src
mkdir -p "$SRC/etc" "$SRC/var" "$SRC/sysroot"
echo measured > "$SRC/etc/hostname"
head -c 20000 /dev/urandom > "$SRC/etc/blob"
D=$("$CFSBOOT" mkimage --store "$S/store" --print-digest "$SRC" "$S/image.cfs" 2> /dev/null)
PKI=$S/pki
if [ ${#D} -ne 64 ] || ! "$REPO/keys/mkpki.sh" root "$PKI/root" --type p256 > /dev/null 2>&1 ||
	! "$REPO/keys/mkpki.sh" signer "$PKI/sig" --ca "$PKI/root" --type p256 > /dev/null 2>&1 ||
	! "$CFSBOOT" sign --key "$PKI/sig/key.pem" --cert "$PKI/sig/cert.pem" --version 5 \
		--store "$S/store" "$S/image.cfs" > /dev/null; then
	fail "a signed image in a store"
	done_testing
	exit
fi
mkdir -p "$PKI/trust" && cp "$PKI/root/cert.pem" "$PKI/trust/"
FP=$("$REPO/keys/mkpki.sh" fingerprint "$PKI/sig/cert.pem")
ok "a store with an image signed with security version 5"

# policy TPM DEVICE [MORE...]: the policy of these boots, one key a line.
policy() {
	printf '%s\n' "verity = insecure-dev" "trust = $PKI/trust" "revoked = $PKI/revoked.list" \
		"tpm = $1" "tpm-device = $2" "${@:3}"
}

# physroot NAME: a fresh physical root holding the store.
physroot() {
	rm -rf "${S:?}/$1" "$S/$1.run"
	mkdir -p "$S/$1/composefs" "$S/$1.run"
	cp -a "$S/store/." "$S/$1/composefs/"
}

listing() { find "$S/$1" -printf '%p %m %s\n' | sort; }

# pivot NAME POLICY-TEXT [OPTIONS...]: boots the image from the physical
# root NAME, its status and measurement log in NAME.run.
pivot() {
	local name=$1 policy=$2; shift 2
	mountpoint -q "$S/$name" || mount --bind "$S/$name" "$S/$name"
	listing "$name" > "$S/$name.run/before"
	printf '%s\n' "composefs.digest=$D" > "$S/$name.run/cmdline"
	printf '%s\n' "$policy" > "$S/$name.run/pivot.conf"
	local rc=0
	timeout 120 "$CFS_PIVOT" --cmdline "$S/$name.run/cmdline" --config "$S/$name.run/pivot.conf" \
		--sysroot "$S/$name" --status "$S/$name.run/status.json" \
		--measure-log "$S/$name.run/measure.log" "$@" > "$S/$name.run/out" 2>&1 || rc=$?
	cat "$S/$name.run/out"
	return $rc
}

# said NAME PATTERN: the last boot from NAME said a line matching PATTERN.
said() { grep -qE -- "$2" "$S/$1.run/out"; }

# status NAME EXPR: a field of NAME's status file (a Python expression on s).
status() {
	python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$S/$1.run/status.json" "$2"
}

phases() { status "$1" '" ".join(p["name"] for p in s["phases"])'; }

# words NAME: the content strings of NAME's measurement log, one a line.
words() {
	python3 - "$S/$1.run/measure.log" <<-'EOF'
	import json, sys
	for rec in open(sys.argv[1], "rb").read().split(b"\x1e")[1:]:
	    r = json.loads(rec)
	    print(r["pcr"], r["content"]["eventType"], r["content"]["string"])
	EOF
}

# predicted BANK FROM WORD...: a PCR of value FROM (hex; "" for a fresh
# one) after extending it with the digests of the words, as
# docs/measurement.md says to predict it.
predicted() {
	python3 - "$@" <<-'EOF'
	import hashlib, sys
	h = lambda b: hashlib.new(sys.argv[1], b).digest()
	pcr = bytes.fromhex(sys.argv[2]) or bytes(hashlib.new(sys.argv[1]).digest_size)
	for w in sys.argv[3:]:
	    pcr = h(pcr + h(w.encode()))
	print(pcr.hex())
	EOF
}

mounts_at() {
	awk -v p="$S/$1" '$5 == p { for (i = 7; $i != "-"; i++); print $(i + 1) }' /proc/self/mountinfo
}

# refused NAME CLASS: a "refused" status of that class, and nothing left
# behind: the physical root alone at its place, nothing written to it.
refused() {
	local name=$1 class=$2
	check "$name: status refused, class $class" \
		test "$(status "$name" 's["result"] + " " + s["error"]["class"]')" = "refused $class"
	check "$name: the physical root is still in place, alone" \
		test "$(mounts_at "$name")" = "$(findmnt -n -o FSTYPE --target "$S")"
	check "$name: nothing written to the physical root" \
		sh -c "find '$S/$name' -printf '%p %m %s\n' | sort | cmp -s - '$S/$name.run/before'"
}

IMAGE_WORD=composefs-image:sha256:$D
SIGNER_WORD=composefs-signer:$FP:5

# ---- a measured boot: tpm = required, the counter at 3
start_tpm m || fail "swtpm starts"
cfsboot tpm commit-version --device "$DEV" 3 > /dev/null || fail "commit-version 3"
physroot m
check "a signed image boots measured (tpm = required)" pivot m "$(policy required "$DEV")"
check "phases: tpm and floor before the signature, probe, measure before the mount" \
	test "$(phases m)" = "cmdline policy store digest tpm floor signature probe measure mount state attach"
check "status: TPM present, PCR 15, logged, floor 3" test \
	"$(status m '[s["tpm"][k] for k in ("present", "pcr", "logged", "floor")]')" = "[True, 15, True, 3]"
check "status: the sha1 and sha256 banks" \
	test "$(status m '" ".join(b["alg"] for b in s["tpm"]["banks"])')" = "sha1 sha256"
for bank in sha1 sha256; do
	check "status: the $bank value is the live PCR's" \
		test "$(status m "[b['value'] for b in s['tpm']['banks'] if b['alg'] == '$bank'][0]")" = "$(pcr $bank)"
	check "$bank: the value predicted from the three words" \
		test "$(pcr $bank)" = "$(predicted $bank "" "$IMAGE_WORD" "$SIGNER_WORD" composefs-verity:insecure-dev)"
done
check "the log holds the three records, in order, with their event types" test "$(words m)" = \
	"15 composefs-image $IMAGE_WORD
15 composefs-signer $SIGNER_WORD
15 composefs-verity composefs-verity:insecure-dev"
out=$(cfsboot tpm replay --device "$DEV" --pcr 15 "$S/m.run/measure.log" 2>&1)
check "cfsboot tpm replay of the log matches the live PCR in both banks" test $? -eq 0 -a \
	"$(printf '%s\n' "$out" | grep -c '^15 sha[0-9]* match [0-9a-f]* (3 records)$')" -eq 2
check "the line of the boot says signed, version 5, measured into PCR 15" said m \
	"booted composefs image sha256:$D .*security version 5; .*; measured into PCR 15; "
check "the floor phase names its source" said m \
	'anti-rollback floor: security version 3 \(the TPM.s anti-rollback counter\)'
diag "a measured boot against swtpm, µs per phase: $(status m '" ".join("%s %d" % (p["name"], p["usec"]) for p in s["phases"])')"
umount -R "$S/m"

# The verity word is the mode the plan enforces: boot-check on the same TPM.
physroot bc
check "verity = boot-check boots measured" pivot bc "$(policy required "$DEV" | sed 's/^verity = .*/verity = boot-check/')"
check "... its verity word is composefs-verity:boot-check" \
	test "$(words bc | tail -n 1)" = "15 composefs-verity composefs-verity:boot-check"
cat "$S/m.run/measure.log" "$S/bc.run/measure.log" > "$S/both.log"
check "... and the replay of both boots' records matches the PCR" \
	cfsboot tpm replay --device "$DEV" --pcr 15 "$S/both.log"
umount -R "$S/bc"

# ---- a refusal after the measurement: etc = bind without its etc (state)
physroot late
before=$(pcr sha256)
check_fails "a refusal after the measurement keeps its class" 12 "etc = bind mounts .* but it does not exist" \
	pivot late "$(policy required "$DEV" "etc = bind")"
refused late state
check "... and is measured last: composefs-refused:state" test "$(words late)" = \
	"15 composefs-image $IMAGE_WORD
15 composefs-signer $SIGNER_WORD
15 composefs-verity composefs-verity:insecure-dev
15 composefs-refused composefs-refused:state"
check "... so the PCR is not the value of a booted image, but that of the refusal" sh -c \
	"test '$(pcr sha256)' != '$(predicted sha256 "$before" "$IMAGE_WORD" "$SIGNER_WORD" composefs-verity:insecure-dev)' &&
	test '$(pcr sha256)' = '$(predicted sha256 "$before" "$IMAGE_WORD" "$SIGNER_WORD" composefs-verity:insecure-dev composefs-refused:state)'"
check "... the status has the values after it" test \
	"$(status late "[b['value'] for b in s['tpm']['banks'] if b['alg'] == 'sha256'][0]")" = "$(pcr sha256)"
cat "$S/both.log" "$S/late.run/measure.log" > "$S/all.log"
check "... and the log still replays to the live PCR" \
	cfsboot tpm replay --device "$DEV" --pcr 15 "$S/all.log"
check "... the status gives the refusal's reason, not the TPM's" \
	sh -c "python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[\"error\"][\"message\"])' \
	'$S/late.run/status.json' | grep -q '^etc = bind mounts .* but it does not exist'"

# ---- the anti-rollback floor of the TPM raises min-version
cfsboot tpm commit-version --device "$DEV" 6 > /dev/null || fail "commit-version 6"
physroot floor
before=$(pcr sha256)
check_fails "the TPM's floor 6 above the signed version 5 refuses" 9 \
	"security version 5 is below the floor 6" pivot floor "$(policy required "$DEV")"
refused floor rollback
check "... the status has the floor" test "$(status floor 's["tpm"]["floor"]')" = 6
check "... nothing was measured" sh -c "test '$(pcr sha256)' = '$before' && test ! -e '$S/floor.run/measure.log'"
check_fails "the same under tpm = if-present" 9 "security version 5 is below the floor 6" \
	pivot floor "$(policy if-present "$DEV")"
check_fails "min-version above the TPM's floor wins" 9 "security version 5 is below the floor 7" \
	pivot floor "$(policy required "$DEV" "min-version = 7")"
check "... and is named as the floor's source" said floor \
	'anti-rollback floor: security version 7 \(min-version\)'
check_fails "an image not checked for a signature has no version: refused under the TPM's floor" 9 \
	"it is not checked for a signature, so it carries no security version, and the floor is 6 \(the TPM's anti-rollback counter\)" \
	pivot floor "$(policy required "$DEV" "signature = off")"
refused floor rollback
rm "$S/floor/composefs/images/$D.sig"
check_fails "an unsigned image under signature = optional: refused the same" 9 \
	"it is unsigned, so it carries no security version, and the floor is 6" \
	pivot floor "$(policy required "$DEV" "signature = optional")"
refused floor rollback

# ---- no TPM
physroot none
check_fails "tpm = required without a TPM refuses" 10 \
	"no TPM found \(tpm-device = $S/no-tpm\) and the policy requires one \(tpm = required\)" \
	pivot none "$(policy required "$S/no-tpm")"
refused none tpm
check "... with nothing measured, no log" test ! -e "$S/none.run/measure.log"
check "tpm = if-present without a TPM boots" pivot none "$(policy if-present "$S/no-tpm")"
check "... saying so" said none "no TPM found \(tpm-device = $S/no-tpm\): booting without measuring"
check "... and so does its line" said none "booted composefs image .*; NOT measured \(no TPM, tpm = if-present\); "
check "... the status: present false, nothing else" test "$(status none 's["tpm"]')" = "{'present': False}"
check "... phases: the TPM looked for, no floor, no measurement" \
	test "$(phases none)" = "cmdline policy store digest tpm signature probe mount state attach"
check "... no log" test ! -e "$S/none.run/measure.log"
umount -R "$S/none"

# ---- a TPM without the anti-rollback counter
start_tpm fresh || fail "swtpm starts"
physroot fresh
check_fails "tpm = required: a TPM without the counter refuses" 10 \
	"has no anti-rollback counter at 0x180cf5b; with tpm = required it must be there.*cfsboot tpm commit-version" \
	pivot fresh "$(policy required "$DEV")"
refused fresh tpm
check "tpm = if-present: boots measured without a floor" pivot fresh "$(policy if-present "$DEV")"
check "... warning that only min-version guards" said fresh \
	'has no anti-rollback counter at 0x180cf5b: only min-version = 0 guards against rollback'
check "... the status: measured, no floor" test \
	"$(status fresh '[s["tpm"].get(k) for k in ("present", "pcr", "floor")]')" = "[True, 15, None]"
umount -R "$S/fresh"

# ---- a TPM that dies at the second PCR_Extend
start_tpm dying || fail "swtpm starts"
start_proxy "$PORT" --cut 0x182:2 || fail "the proxy starts"
physroot dying
check_fails "a TPM that dies mid-extension refuses, even under tpm = if-present" 10 \
	"no valid answer from the TPM" pivot dying "$(policy if-present "$PROXY_DEV")"
refused dying tpm
check "... the log is marked incomplete (sticky bit): an extension's outcome is unknown" \
	test "$(stat -c %a "$S/dying.run/measure.log")" = 1600
check "... and holds the one extension known to be made" \
	test "$(words dying)" = "15 composefs-image $IMAGE_WORD"

# A TPM that dies at the refusal's extension, the fourth: the refusal stands.
start_proxy "$PORT" --cut 0x182:4 || fail "the proxy starts"
physroot late2
check_fails "a TPM that dies measuring a refusal: the refusal keeps its class" 12 \
	"may still read as if the image had booted" pivot late2 "$(policy if-present "$PROXY_DEV" "etc = bind")"
refused late2 state
check "... and its reason is the last error, in the status and the output" sh -c \
	"python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[\"error\"][\"message\"])' \
	'$S/late2.run/status.json' | grep -q '^etc = bind mounts .* but it does not exist' &&
	tail -n 1 '$S/late2.run/out' | grep -q 'etc = bind mounts .* but it does not exist'"

done_testing
