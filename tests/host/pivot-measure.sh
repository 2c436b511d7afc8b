#!/usr/bin/env bash
# cfs-pivot's TPM phases (docs/measurement.md) against swtpm over TCP, in a
# private mount namespace like pivot-compose.sh: the measurement of a
# signed image (status, log, replay, the PCR predicted from the words), the
# verity word of the mode enforced, the anti-rollback floor of the TPM
# raising min-version, a refusal after the measurement spoiling the PCR,
# no TPM under required and if-present, a TPM without a counter, a TPM
# that dies mid-extension, and the floor that must not vanish quietly:
# floor = required against a deleted, redefined or password-protected
# counter (tpm2-tools playing the attacker), a TPM that appears late within
# tpm-wait, and one that does not appear; then every exit that is not a
# measured boot (nothing booted, refusals before and after the
# measurement) marking PCR 15, and the attack that a PCR left at zero
# allowed, with tpm2-tools.  Every swtpm is started here on free ports of
# 127.0.0.1 and killed on exit; every wait is bounded.  The host's own TPM,
# if it has one, is never touched: every policy names a device.
. "$(dirname "$0")/../lib.sh"
private_mount_ns "cfs-pivot mounts need root" "$@"

for t in swtpm swtpm_setup tpm2_pcrread tpm2_nvdefine python3; do
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
	unmount_scratch
	rm -rf "$S"
}
trap cleanup EXIT

cfsboot() { timeout 60 "$CFSBOOT" "$@"; }
tpm2() { local t=$1; shift; timeout 30 "tpm2_$t" "$@"; }
INDEX=0x0180cf5b

# ---- software TPMs (tests/swtpm.sh)
# The TPMs' states apart from the physical roots, which physroot wipes: a
# TPM whose state directory vanished goes into failure mode.
SWTPM_DIR=$S/tpm
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
# The signer word names the key: SHA-256 of its DER SubjectPublicKeyInfo,
# which re-encoding the certificate cannot change (docs/measurement.md).
FP=$(openssl x509 -in "$PKI/sig/cert.pem" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
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
# root NAME, its status and measurement log in NAME.run; the command line
# is $CMDLINE when set (empty: none), else the image's digest and $WORDS,
# more words of the command line.
pivot() {
	local name=$1 policy=$2; shift 2
	mountpoint -q "$S/$name" || mount --bind "$S/$name" "$S/$name"
	listing "$name" > "$S/$name.run/before"
	printf '%s\n' "${CMDLINE-composefs.digest=$D${WORDS:+ $WORDS}}" > "$S/$name.run/cmdline"
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
# The default state modes: etc = transient keeping two files, var = bind.
STATE_WORD='composefs-state:etc=transient,keep=1;var=bind'

# ---- a measured boot: tpm = required, the counter at 3
start_tpm m || fail "swtpm starts"
cfsboot tpm commit-version --device "$DEV" 3 > /dev/null || fail "commit-version 3"
physroot m
check "a signed image boots measured (tpm = required)" pivot m "$(policy required "$DEV")"
check "phases: tpm and floor before the signature, probe, image-config, measure before the mount" \
	test "$(phases m)" = "cmdline policy store digest tpm floor signature probe image-config measure mount state attach"
check "status: TPM present, PCR 15, logged, floor 3" test \
	"$(status m '[s["tpm"][k] for k in ("present", "pcr", "logged", "floor")]')" = "[True, 15, True, 3]"
check "status: the sha1 and sha256 banks" \
	test "$(status m '" ".join(b["alg"] for b in s["tpm"]["banks"])')" = "sha1 sha256"
for bank in sha1 sha256; do
	check "status: the $bank value is the live PCR's" \
		test "$(status m "[b['value'] for b in s['tpm']['banks'] if b['alg'] == '$bank'][0]")" = "$(pcr $bank)"
	check "$bank: the value predicted from the four words" \
		test "$(pcr $bank)" = "$(predicted $bank "" "$IMAGE_WORD" "$SIGNER_WORD" composefs-verity:insecure-dev "$STATE_WORD")"
done
# The value of the genuine boot on a fresh TPM, which no other exit may
# leave a way to.
GOOD=$(predicted sha256 "" "$IMAGE_WORD" "$SIGNER_WORD" composefs-verity:insecure-dev "$STATE_WORD")
ZERO=$(printf '%064d' 0)
check "the log holds the four records, in order, with their event types" test "$(words m)" = \
	"15 composefs-image $IMAGE_WORD
15 composefs-signer $SIGNER_WORD
15 composefs-verity composefs-verity:insecure-dev
15 composefs-state $STATE_WORD"
out=$(cfsboot tpm replay --device "$DEV" --pcr 15 "$S/m.run/measure.log" 2>&1)
check "cfsboot tpm replay of the log matches the live PCR in both banks" test $? -eq 0 -a \
	"$(printf '%s\n' "$out" | grep -c '^15 sha[0-9]* match [0-9a-f]* (4 records)$')" -eq 2
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
	test "$(words bc | sed -n 3p)" = "15 composefs-verity composefs-verity:boot-check"
cat "$S/m.run/measure.log" "$S/bc.run/measure.log" > "$S/both.log"
check "... and the replay of both boots' records matches the PCR" \
	cfsboot tpm replay --device "$DEV" --pcr 15 "$S/both.log"
umount -R "$S/bc"

# The signer word names the key: the signer's certificate mauled ((r, s) ->
# (r, n - s), still valid, other bytes) measures the same word, so nobody
# can change the PCR with the vendor's key.
physroot maul
openssl x509 -in "$PKI/sig/cert.pem" -outform DER -out "$S/sig.der"
python3 "$TESTS_DIR/host/ecdsa-malleate.py" "$S/sig.der" "$S/sig-m.der" p256
"$CFSBOOT" sign --key "$PKI/sig/key.pem" --cert "$S/sig-m.der" --version 5 \
	--store "$S/maul/composefs" "$S/image.cfs" > /dev/null
check "a mauled signer certificate is another certificate" sh -c \
	"! cmp -s '$S/sig.der' '$S/sig-m.der' && openssl verify -CAfile '$PKI/root/cert.pem' '$S/sig-m.der'"
check "an image signed with the mauled certificate boots measured" pivot maul "$(policy required "$DEV")"
check "... and measures the same signer word" \
	test "$(words maul | sed -n 2p)" = "15 composefs-signer $SIGNER_WORD"
umount -R "$S/maul"

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
15 composefs-state composefs-state:etc=bind;var=bind
15 composefs-refused composefs-refused:state"
check "... so the PCR is not the value of a booted image, but that of the refusal" sh -c \
	"test '$(pcr sha256)' != '$(predicted sha256 "$before" "$IMAGE_WORD" "$SIGNER_WORD" composefs-verity:insecure-dev 'composefs-state:etc=bind;var=bind')' &&
	test '$(pcr sha256)' = '$(predicted sha256 "$before" "$IMAGE_WORD" "$SIGNER_WORD" composefs-verity:insecure-dev 'composefs-state:etc=bind;var=bind' composefs-refused:state)'"
check "... the status has the values after it" test \
	"$(status late "[b['value'] for b in s['tpm']['banks'] if b['alg'] == 'sha256'][0]")" = "$(pcr sha256)"
cat "$S/both.log" "$S/maul.run/measure.log" "$S/late.run/measure.log" > "$S/all.log"
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
check "... the refusal before the measurement is measured: composefs-refused:rollback, logged" \
	test "$(words floor)" = "15 composefs-refused composefs-refused:rollback"
check "... the PCR is the value predicted from it, for both banks" sh -c \
	"test '$(pcr sha256)' = '$(predicted sha256 "$before" composefs-refused:rollback)' &&
	test '$(status floor "[b['value'] for b in s['tpm']['banks'] if b['alg'] == 'sha1'][0]")' = '$(pcr sha1)'"
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
rm "$S/floor/composefs/signatures/$D.sig"
check_fails "an unsigned image under signature = optional: refused the same" 9 \
	"it is unsigned, so it carries no security version, and the floor is 6" \
	pivot floor "$(policy required "$DEV" "signature = optional")"
refused floor rollback

# ---- no TPM
physroot none
check_fails "tpm = required without a TPM refuses, after tpm-wait's 2 s by default" 10 \
	"no TPM found \(tpm-device = $S/no-tpm, waited 2\.[0-9]{2} s, tpm-wait = 2\) and the policy requires one \(tpm = required\)" \
	pivot none "$(policy required "$S/no-tpm")"
refused none tpm
check "... with nothing measured, no log" test ! -e "$S/none.run/measure.log"
# The TPM's phases run on a thread from the policy phase on; a refusal
# before their place is still the last line said.
case $D in *0) other=${D%?}1 ;; *) other=${D%?}0 ;; esac
CMDLINE="composefs.digest=$other" pivot none "$(policy required "$S/no-tpm" "tpm-wait = 1")" > /dev/null
check "no such image and no TPM: refused for the image, its line last" \
	sh -c 'tail -n 1 "$1" | grep -q "$2"' - "$S/none.run/out" "$other"
refused none store
check "tpm = if-present without a TPM boots" pivot none "$(policy if-present "$S/no-tpm" "tpm-wait = 0")"
check "... saying so" said none "no TPM found \(tpm-device = $S/no-tpm, waited 0\.00 s, tpm-wait = 0\): booting without measuring"
check "... and so does its line" said none "booted composefs image .*; NOT measured \(no TPM, tpm = if-present\); "
check "... the status: present false, nothing else" test "$(status none 's["tpm"]')" = "{'present': False}"
check "... phases: the TPM looked for, no floor, no measurement" \
	test "$(phases none)" = "cmdline policy store digest tpm signature probe image-config mount state attach"
check "... no log" test ! -e "$S/none.run/measure.log"
umount -R "$S/none"

# ---- the state modes are measured: etc = overlay lets unverified state
# into /etc, and a fresh PCR then reads differently from the default's.
start_tpm state-tpm || fail "swtpm starts"
physroot st
check "etc = overlay boots measured" pivot st "$(policy if-present "$DEV" "etc = overlay")"
check "... its state word is composefs-state:etc=overlay;var=bind" \
	test "$(words st | tail -n 1)" = "15 composefs-state composefs-state:etc=overlay;var=bind"
check "... so its PCR is not the default configuration's" sh -c \
	"test '$(pcr sha256)' = '$(predicted sha256 "" "$IMAGE_WORD" "$SIGNER_WORD" composefs-verity:insecure-dev 'composefs-state:etc=overlay;var=bind')' &&
	test '$(pcr sha256)' != '$(predicted sha256 "" "$IMAGE_WORD" "$SIGNER_WORD" composefs-verity:insecure-dev "$STATE_WORD")'"
umount -R "$S/st"

# ---- a TPM without the anti-rollback counter
start_tpm fresh || fail "swtpm starts"
physroot fresh
check_fails "tpm = required: a TPM without the counter refuses" 10 \
	"has no anti-rollback counter at 0x180cf5b; with tpm = required it must be there, so that deleting or replacing it cannot lift the floor: refusing to boot \(provision it with cfsboot tpm commit-version" \
	pivot fresh "$(policy required "$DEV")"
refused fresh tpm
check "tpm = if-present: boots measured without a floor" pivot fresh "$(policy if-present "$DEV")"
check "... warning that only min-version guards" said fresh \
	'has no anti-rollback counter at 0x180cf5b: only min-version = 0 guards against rollback \(floor = required refuses this once the floor is provisioned\)'
check "... the status: measured, no floor" test \
	"$(status fresh '[s["tpm"].get(k) for k in ("present", "pcr", "floor")]')" = "[True, 15, None]"
umount -R "$S/fresh"

# ---- an init other than /sbin/init has a word of its own, after the state
# word; a fresh TPM, so that the PCR is predicted from zero.
start_tpm init || fail "swtpm starts"
physroot init
WORDS=init=/usr/lib/systemd/systemd check "a boot with init = /usr/lib/systemd/systemd is measured" \
	pivot init "$(policy if-present "$DEV" "init = /usr/lib/systemd/systemd")"
check "... the log holds five records, composefs-init:/usr/lib/systemd/systemd last" \
	test "$(words init)" = "15 composefs-image $IMAGE_WORD
15 composefs-signer $SIGNER_WORD
15 composefs-verity composefs-verity:insecure-dev
15 composefs-state $STATE_WORD
15 composefs-init composefs-init:/usr/lib/systemd/systemd"
for bank in sha1 sha256; do
	check "$bank: the value predicted from the five words" \
		test "$(pcr $bank)" = "$(predicted $bank "" "$IMAGE_WORD" "$SIGNER_WORD" \
			composefs-verity:insecure-dev "$STATE_WORD" composefs-init:/usr/lib/systemd/systemd)"
done
check "... and cfsboot tpm replay of the log matches the PCR" \
	cfsboot tpm replay --device "$DEV" --pcr 15 "$S/init.run/measure.log"
umount -R "$S/init"

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
check "... the refusal is measured on a new connection: the PCR is the first word, then composefs-refused:tpm" \
	test "$(pcr sha256)" = "$(predicted sha256 "" "$IMAGE_WORD" composefs-refused:tpm)"
check "... not zero, and not the genuine boot's value" test "$(pcr sha256)" != "$ZERO" -a "$(pcr sha256)" != "$GOOD"
check "... the log says so" said dying "measured composefs-refused:tpm into PCR 15"

# A TPM that dies at the refusal's extension, the fifth: the refusal stands,
# and is measured again on a new connection.
start_proxy "$PORT" --cut 0x182:5 || fail "the proxy starts"
physroot late2
before=$(pcr sha256)
check_fails "a TPM that dies measuring a refusal: the refusal keeps its class" 12 \
	"no valid answer from the TPM" pivot late2 "$(policy if-present "$PROXY_DEV" "etc = bind")"
refused late2 state
check "... and is measured on a new connection: the four words, then composefs-refused:state" \
	test "$(pcr sha256)" = "$(predicted sha256 "$before" "$IMAGE_WORD" "$SIGNER_WORD" composefs-verity:insecure-dev \
		'composefs-state:etc=bind;var=bind' composefs-refused:state)"
check "... and its reason is the last error, in the status and the output" sh -c \
	"python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[\"error\"][\"message\"])' \
	'$S/late2.run/status.json' | grep -q '^etc = bind mounts .* but it does not exist' &&
	tail -n 1 '$S/late2.run/out' | grep -q 'etc = bind mounts .* but it does not exist'"


# ---- the floor does not vanish quietly: floor = required
# A provisioned TPM (floor 3) whose owner hierarchy has the empty password
# of most machines; tpm2-tools play the attacker who has it.
start_tpm gone || fail "swtpm starts"
cfsboot tpm commit-version --device "$DEV" 3 > /dev/null || fail "commit-version 3"
physroot gone
check "floor = required, the counter there: boots with the floor" \
	pivot gone "$(policy if-present "$DEV" "floor = required")"
check "... the status has floor 3" test "$(status gone 's["tpm"]["floor"]')" = 3
umount -R "$S/gone"
physroot gone
tpm2 nvundefine "$INDEX" -C o || fail "tpm2_nvundefine deletes the counter"
check "tpm2_nvreadpublic: the counter is gone" sh -c "! tpm2_nvreadpublic $INDEX > /dev/null 2>&1"
before=$(pcr sha256)
check_fails "the counter deleted, floor = required: refused" 10 \
	"has no anti-rollback counter at 0x180cf5b; with floor = required it must be there, so that deleting or replacing it cannot lift the floor: refusing to boot \(provision it with cfsboot tpm commit-version" \
	pivot gone "$(policy if-present "$DEV" "floor = required")"
refused gone tpm
check "... measured as a refusal: composefs-refused:tpm, predicted from the word" sh -c \
	"test '$(words gone)' = '15 composefs-refused composefs-refused:tpm' &&
	test '$(pcr sha256)' = '$(predicted sha256 "$before" composefs-refused:tpm)'"
check "the counter deleted, floor = if-present (the default): boots, warning" \
	pivot gone "$(policy if-present "$DEV")"
check "... that only min-version guards" said gone \
	'has no anti-rollback counter at 0x180cf5b: only min-version = 0 guards against rollback'
check "... the status: measured, no floor" test \
	"$(status gone '[s["tpm"].get(k) for k in ("present", "pcr", "floor")]')" = "[True, 15, None]"
umount -R "$S/gone"

# Redefined by the attacker: owner-writable, without NO_DA.  Its name is not
# our counter's, so it is never read, let alone trusted.
tpm2 nvdefine "$INDEX" -C o -s 8 -a "ownerread|ownerwrite|authread|authwrite|nt=counter" > /dev/null &&
	tpm2 nvincrement "$INDEX" -C o || fail "tpm2_nvdefine: an index with other attributes"
# The attributes tpm2_nvreadpublic shows for the handle.
attrs=$(printf '0x%08x' "0x$(tpm2 nvreadpublic "$INDEX" | sed -n '/^ *attributes:/,/value:/s/^ *value: 0x//p')")
check "tpm2_nvreadpublic: its attributes ($attrs) are not the counter's (0x22040014)" \
	test "$attrs" != 0x00000000 -a "$attrs" != 0x22040014
physroot odd
check_fails "a counter with other attributes, floor = required: refused, naming them as tpm2_nvreadpublic does" 10 \
	"holds something other than cfsboot's anti-rollback counter \(attributes $attrs, 8 bytes, name algorithm 0x000b, no policy; cfsboot's counter has attributes 0x22040014, 8 bytes, SHA-256 \(0x000b\), no policy\) at 0x180cf5b; with floor = required it must be there" \
	pivot odd "$(policy if-present "$DEV" "floor = required")"
refused odd tpm
check_fails "... and the same under tpm = required" 10 \
	"holds something other than cfsboot's anti-rollback counter .* with tpm = required it must be there" \
	pivot odd "$(policy required "$DEV")"
check "a counter with other attributes, floor = if-present: boots, warning" \
	pivot odd "$(policy if-present "$DEV")"
check "... that it is not the counter" said odd \
	"holds something other than cfsboot's anti-rollback counter .*: only min-version = 0 guards"
umount -R "$S/odd"
tpm2 nvundefine "$INDEX" -C o || fail "tpm2_nvundefine"

# Redefined with our exact public area but a password of the attacker's:
# the TPM's name of an index does not cover its password, so the name
# matches; reading it with the empty password fails, and that is no floor.
lockouts() { tpm2 getcap properties-variable | sed -n 's/^ *TPM2_PT_LOCKOUT_COUNTER: *//p'; }
tpm2 nvdefine "$INDEX" -C o -s 8 -a "authread|authwrite|nt=counter|no_da" -p attackerpw > /dev/null &&
	tpm2 nvincrement "$INDEX" -P attackerpw || fail "tpm2_nvdefine: the counter with a password"
check "tpm2_nvreadpublic: its attributes are exactly the counter's" sh -c \
	"tpm2_nvreadpublic $INDEX | grep -q 'value: 0x22040014'"
check "... and its value is above the deleted floor 3: a new counter never starts lower" test \
	"$(tpm2 nvread "$INDEX" -s 8 -P attackerpw 2> /dev/null | od -An -tu8 --endian=big | tr -d ' ')" -gt 3
lockouts_before=$(lockouts)
check_fails "cfsboot tpm read-floor: not cfsboot's counter" 8 \
	"is not cfsboot's anti-rollback counter \(the counter's public area, but a password other than the empty one\)" \
	cfsboot tpm read-floor --device "$DEV"
physroot pw
check_fails "the counter with another password, floor = required: refused" 10 \
	"holds something other than cfsboot's anti-rollback counter \(the counter's public area, but a password other than the empty one\) at 0x180cf5b; with floor = required it must be there" \
	pivot pw "$(policy if-present "$DEV" "floor = required")"
refused pw tpm
check "... and the empty-password attempts never counted toward the TPM's lockout (NO_DA)" \
	test -n "$lockouts_before" -a "$(lockouts)" = "$lockouts_before"
tpm2 nvundefine "$INDEX" -C o || fail "tpm2_nvundefine"

# ---- tpm-wait: a TPM that appears late, and one that never does
# start_tpm_late NAME DELAY: the TPM state NAME served by swtpm on a Unix
# socket that appears DELAY seconds from now, as a TPM whose driver probes
# after the initramfs started; sets LATE_DEV.  swtpm listens under another
# name first and the socket is renamed into place once it answers, as a
# device node appears only once its driver has the chip ready.
start_tpm_late() {
	local sock=$S/$1.sock
	rm -f "$sock" "$sock.ctrl" "$sock.hidden"
	swtpm socket --tpm2 --tpmstate "dir=$SWTPM_DIR/$1" --flags not-need-init,startup-clear \
		--server "type=unixio,path=$sock.hidden" --ctrl "type=unixio,path=$sock.ctrl" \
		> "$S/$1.late.log" 2>&1 &
	PIDS+=($!)
	python3 - "$sock.hidden" "$sock" "$2" <<-'EOF' &
	import os, socket, sys, time
	hidden, sock, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
	end = time.monotonic() + delay
	for _ in range(100):
	    try:
	        s = socket.socket(socket.AF_UNIX); s.connect(hidden); s.close(); break
	    except OSError:
	        time.sleep(0.05)
	time.sleep(max(0, end - time.monotonic()))
	os.rename(hidden, sock)
	EOF
	PIDS+=($!)
	LATE_DEV=swtpm:path=$sock
}
start_tpm slowtpm || fail "swtpm starts"
cfsboot tpm commit-version --device "$DEV" 3 > /dev/null || fail "commit-version 3"
kill "${PIDS[-1]}" && wait "${PIDS[-1]}" 2> /dev/null
physroot slow
start_tpm_late slowtpm 1.5
check "a TPM that appears 1.5 s late, tpm-wait = 10, floor = required: boots with the floor" \
	pivot slow "$(policy if-present "$LATE_DEV" "tpm-wait = 10" "floor = required")"
check "... saying how long it waited" said slow \
	"the TPM swtpm:path=$S/slowtpm.sock appeared after [0-9]+\.[0-9]{2} s of waiting \(tpm-wait = 10\)"
waited=$(sed -n 's/.*appeared after \([0-9.]*\) s of waiting.*/\1/p' "$S/slow.run/out")
check "... about the delay: 1 s < $waited s < 10 s" \
	python3 -c "import sys; sys.exit(not 1.0 < float('$waited') < 10)"
check "... the status: measured, floor 3" test \
	"$(status slow '[s["tpm"].get(k) for k in ("present", "pcr", "floor")]')" = "[True, 15, 3]"
umount -R "$S/slow"

physroot never
start=$(date +%s%N)
check_fails "no TPM within tpm-wait = 1, floor = required: refused" 10 \
	"no TPM found \(tpm-device = swtpm:path=$S/never.sock, waited 1\.[0-9]{2} s, tpm-wait = 1\), and floor = required says this device's anti-rollback floor is in it: refusing to boot \(.*cfsboot tpm commit-version\)" \
	pivot never "$(policy if-present "swtpm:path=$S/never.sock" "tpm-wait = 1" "floor = required")"
ms=$((($(date +%s%N) - start) / 1000000))
refused never tpm
check "... after waiting the second ($ms ms)" test "$ms" -ge 1000 -a "$ms" -lt 10000
check "... nothing measured, no log" test ! -e "$S/never.run/measure.log"
check "no TPM within tpm-wait = 1, floor = if-present: boots unmeasured, saying so" \
	pivot never "$(policy if-present "swtpm:path=$S/never.sock" "tpm-wait = 1")"
check "... with the time waited" said never \
	"no TPM found \(tpm-device = swtpm:path=$S/never.sock, waited 1\.[0-9]{2} s, tpm-wait = 1\): booting without measuring"
umount -R "$S/never"
check_fails "floor = required with tpm = off is refused as a policy" 4 \
	"pivot.conf:[0-9]+: floor = required needs the TPM's anti-rollback counter, but tpm = off never opens the TPM" \
	pivot never "$(policy off "$DEV" "floor = required")"

# ---- every exit that is not a measured boot marks PCR 15 (issue 11 item 2)
# The words are public: a PCR left at zero could be extended with
# them, from whatever runs after cfs-pivot, to the genuine boot's value.
# extend_words WORD...: what such code does, with tpm2_pcrextend.
extend_words() {
	local w a
	for w in "$@"; do
		a=$(printf '%s' "$w" | sha1sum | cut -d' ' -f1)
		tpm2 pcrextend "15:sha1=$a,sha256=$(printf '%s' "$w" | sha256sum | cut -d' ' -f1)" || return 1
	done
}
start_tpm tpm-attack || fail "swtpm starts"
extend_words "$IMAGE_WORD" "$SIGNER_WORD" composefs-verity:insecure-dev "$STATE_WORD" || fail "tpm2_pcrextend"
check "the attack's premise: on a fresh TPM, the four public words reach the genuine boot's value" \
	test "$(pcr sha256)" = "$GOOD"
start_tpm tpm-none2 || fail "swtpm starts"
physroot none2
CMDLINE= check "no image named, image = optional: nothing to do, exit 0" \
	pivot none2 "$(policy if-present "$DEV" "image = optional")"
check "... saying so" said none2 "names no composefs image: nothing to do"
check "... measured composefs-image:none, logged" \
	test "$(words none2)" = "15 composefs-image composefs-image:none"
for bank in sha1 sha256; do
	check "... $bank: the value predicted from that word, not zero" sh -c \
		"test '$(pcr $bank)' = '$(predicted $bank "" composefs-image:none)' &&
		test '$(pcr $bank)' != '$(predicted $bank "")'"
done
check "the attack: the four genuine words extended after it do not reach the genuine boot's value" \
	extend_words "$IMAGE_WORD" "$SIGNER_WORD" composefs-verity:insecure-dev "$STATE_WORD"
check "... tpm2_pcrread: $(pcr sha256) is not $GOOD, but what composefs-image:none then the words predict" sh -c \
	"test '$(pcr sha256)' != '$GOOD' &&
	test '$(pcr sha256)' = '$(predicted sha256 "" composefs-image:none "$IMAGE_WORD" "$SIGNER_WORD" composefs-verity:insecure-dev "$STATE_WORD")'"
umount -R "$S/none2"

# A refusal before the measurement, on a fresh TPM each: the signature.
start_tpm tpm-badsig || fail "swtpm starts"
physroot badsig
printf 'not a signature' > "$S/badsig/composefs/signatures/$D.sig"
check_fails "a bad signature is refused before the measurement" 8 "" \
	pivot badsig "$(policy if-present "$DEV")"
refused badsig signature
check "... and measured: composefs-refused:signature, logged" \
	test "$(words badsig)" = "15 composefs-refused composefs-refused:signature"
check "... the PCR: predicted from that word, not zero, not the genuine boot's value" sh -c \
	"test '$(pcr sha256)' = '$(predicted sha256 "" composefs-refused:signature)' &&
	test '$(pcr sha256)' != '$ZERO' && test '$(pcr sha256)' != '$GOOD'"
check "... the status has the values after it" test \
	"$(status badsig "[b['value'] for b in s['tpm']['banks'] if b['alg'] == 'sha256'][0]")" = "$(pcr sha256)"
reason_kept() {
	local m
	m=$(status "$1" 's["error"]["message"]')
	[ -n "$m" ] && [[ $m != *composefs-refused* ]]
}
check "... the status gives the signature's reason, not the measurement's" reason_kept badsig
extend_words "$IMAGE_WORD" "$SIGNER_WORD" composefs-verity:insecure-dev "$STATE_WORD"
check "... the four genuine words after it do not reach the genuine boot's value" test "$(pcr sha256)" != "$GOOD"

# A missing image: refused in the store phase, before the TPM was opened.
start_tpm tpm-noimg || fail "swtpm starts"
physroot noimg
rm "$S/noimg/composefs/images/$D"
check_fails "a missing image is refused before the TPM phase" 5 "" \
	pivot noimg "$(policy if-present "$DEV")"
check "... and measured: composefs-refused:store, predicted from it" sh -c \
	"test '$(words noimg)' = '15 composefs-refused composefs-refused:store' &&
	test '$(pcr sha256)' = '$(predicted sha256 "" composefs-refused:store)' &&
	test '$(pcr sha1)' = '$(predicted sha1 "" composefs-refused:store)'"
check "... the phases: no tpm phase ran" test "$(phases noimg)" = "cmdline policy store"

# A command line refused before the policy was read: the policy's TPM keys
# still name the TPM.
start_tpm tpm-badcl || fail "swtpm starts"
physroot badcl
CMDLINE=composefs.digest=zz check_fails "a command line that does not parse is refused" 3 "" \
	pivot badcl "$(policy if-present "$DEV")"
check "... and measured into the TPM the policy names: composefs-refused:cmdline" sh -c \
	"test '$(words badcl)' = '15 composefs-refused composefs-refused:cmdline' &&
	test '$(pcr sha256)' = '$(predicted sha256 "" composefs-refused:cmdline)'"
check "... the status gives the command line's reason" reason_kept badcl

# A refusal after the measurement, on a fresh TPM: the state.
start_tpm tpm-late3 || fail "swtpm starts"
physroot late3
check_fails "a refusal after the measurement" 12 "" pivot late3 "$(policy if-present "$DEV" "etc = bind")"
check "... the PCR: the four words then composefs-refused:state, not zero, not the genuine boot's" sh -c \
	"test '$(pcr sha256)' = '$(predicted sha256 "" "$IMAGE_WORD" "$SIGNER_WORD" composefs-verity:insecure-dev 'composefs-state:etc=bind;var=bind' composefs-refused:state)' &&
	test '$(pcr sha256)' != '$ZERO' && test '$(pcr sha256)' != '$GOOD'"

# --check changes nothing, with or without an image named.
start_tpm tpm-chk || fail "swtpm starts"
physroot chk
check "--check with an image named" pivot chk "$(policy if-present "$DEV")" --check
CMDLINE= check "--check without one" pivot chk "$(policy if-present "$DEV" "image = optional")" --check
CMDLINE= check "--check without one, image = required" \
	pivot chk "$(policy if-present "$DEV" "image = required")" --check
check "... which it reports, without refusing" said chk "refused \(image = required\)"
check "--check-cmdline" pivot chk "$(policy if-present "$DEV")" --check-cmdline
check "... PCR 15 is still zero in both banks, and nothing was logged" sh -c \
	"test '$(pcr sha256)' = '$ZERO' && test '$(pcr sha1)' = '$(predicted sha1 "")' && test ! -e '$S/chk.run/measure.log'"
# A word the lock-down refuses (dracut's generator and cmdline hook power
# off then): marked as a refused boot is, should the power-off fail.
WORDS=rd.break=pre-pivot check_fails "--check-cmdline refuses rd.break=pre-pivot" 3 \
	'refusing "rd.break=pre-pivot" on the kernel command line' \
	pivot chk "$(policy if-present "$DEV" "image = required")" --check-cmdline
check "... and marks PCR 15 in both banks: composefs-refused:cmdline, logged" sh -c \
	"test '$(pcr sha256)' = '$(predicted sha256 "" composefs-refused:cmdline)' &&
	 test '$(pcr sha1)' = '$(predicted sha1 "" composefs-refused:cmdline)' &&
	 test '$(words chk)' = '15 composefs-refused composefs-refused:cmdline'"
check "... the refusal's line said last" sh -c "tail -n 1 '$S/chk.run/out' | grep -q 'refusing \"rd.break=pre-pivot\"'"
umount -R "$S/chk" 2> /dev/null

done_testing
