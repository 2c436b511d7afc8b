#!/usr/bin/env bash
# cfs-pivot --check: the kernel command line and the policy as a boot would
# read them, with the exit code of each failure class (docs/errors.md).
. "$(dirname "$0")/../lib.sh"

S=$(scratch)
H=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
G=fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210

pivot_check() { # CMDLINE-TEXT [POLICY-TEXT]
	printf '%s\n' "$1" > "$S/cmdline"
	if [ $# -ge 2 ]; then
		printf '%s' "$2" > "$S/pivot.conf"
	else
		rm -f "$S/pivot.conf"
	fi
	"$CFS_PIVOT" --check --cmdline "$S/cmdline" --config "$S/pivot.conf"
}

# expect NAME PATTERN CMD...: CMD succeeds and prints a line matching PATTERN.
expect() {
	local name=$1 pattern=$2 out; shift 2
	if ! out=$("$@" 2>&1); then
		fail "$name (exit $?)"
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'
	elif ! printf '%s\n' "$out" | grep -qE -- "$pattern"; then
		fail "$name (output does not match /$pattern/)"
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'
	else
		ok "$name"
	fi
}

check "--help exits 0" "$CFS_PIVOT" --help
expect "--help names --check" '--check ' "$CFS_PIVOT" --help
expect "--help names --check-cmdline" '--check-cmdline' "$CFS_PIVOT" --help
check_fails "an unknown option is a usage error" 2 'unrecognized option' "$CFS_PIVOT" --bogus
check_fails "a stray argument is a usage error" 2 "unexpected argument 'x'" "$CFS_PIVOT" --check x

expect "no digest, image = optional: nothing to do" \
	'^# image: none named on the command line; nothing to do \(image = optional\)$' \
	pivot_check "ro quiet" $'image = optional\n'
expect "no digest, image = required: refused" \
	'^# image: none named on the command line; refused \(image = required\)$' \
	pivot_check "ro quiet" $'image = required\n'
mkdir -p "$S/anchors"
expect "no image line, no trust anchors: image = optional" '^image = optional$' \
	pivot_check "ro" "trust = $S/anchors"$'\n'
echo "a certificate" > "$S/anchors/root.pem"
expect "no image line, trust anchors: image = required" '^image = required$' \
	pivot_check "ro" "trust = $S/anchors"$'\n'
expect "no policy file: secure defaults" '^verity = require$' pivot_check "ro quiet"
expect "a sha256 digest" "^# image: sha256:$H\$" pivot_check "root=/dev/vda composefs.digest=$H rw"
expect "a sha512 digest, self-describing" "^# image: sha512:$H$G\$" \
	pivot_check "composefs.digest=v1-sha512-12:$H$G"
expect "the composefs-rs alias, upper case" "^# image: sha256:$H\$" pivot_check "composefs=${H^^}"
expect "the same digest twice" "^# image: sha256:$H\$" \
	pivot_check "composefs=$H composefs.digest=v1-sha256-12:$H"
expect "words after -- are init's" '^# image: none' pivot_check "ro -- composefs.digest=zz"

check_fails "two images" 3 'refusing "composefs.digest='"$G"'": it names a different image' \
	pivot_check "composefs=$H composefs.digest=$G"
check_fails "malformed hex" 3 'refusing "composefs.digest=xyz": character 1' \
	pivot_check "composefs.digest=xyz"
check_fails "wrong length" 3 'the digest has 63 hex digits' pivot_check "composefs.digest=${H:1}"
check_fails "unknown format" 3 'unknown digest format "v9-sha256-12"' \
	pivot_check "composefs.digest=v9-sha256-12:$H"
check_fails "empty digest" 3 'refusing "composefs.digest=": no digest given' \
	pivot_check "composefs.digest="
check_fails "bad policy word" 3 'refusing "cfsboot.tpm=maybe"' pivot_check "cfsboot.tpm=maybe"
check_fails "unreadable command line" 3 'cannot open' \
	"$CFS_PIVOT" --check --cmdline "$S/missing" --config "$S/missing.conf"

expect "the command line tightens" '^tpm = required$' pivot_check "cfsboot.tpm=required"
expect "min-version is raised" '^min-version = 9$' pivot_check "cfsboot.min-version=9" $'min-version = 3\n'
expect "a weaker word is ignored" '^signature = required$' pivot_check "cfsboot.signature=off"
expect "and said so" 'ignoring cfsboot.signature=off' pivot_check "cfsboot.signature=off"
expect "'?' does not relax verity" '^verity = require$' pivot_check "composefs=?$H"
expect "'?' is reported" "ignoring the leading '\\?' of composefs=" pivot_check "composefs=?$H"

expect "a valid policy" '^etc = transient$' pivot_check "ro" $'# test\netc = transient\nvar = none\n'
expect "signer-ca: any by default" '^signer-ca = any$' pivot_check "ro"
expect "signer-ca: pinned CAs are printed" "^signer-ca = spki:$H, spki:$G\$" pivot_check "ro" "signer-ca = spki:$H, spki:$G"$'\n'
check_fails "signer-ca: a value that names no CA" 4 'pivot.conf:1: signer-ca = "sha256:'"$H"'" does not name issuing CAs \(write any, or up to 8 spki:' \
	pivot_check "ro" "signer-ca = sha256:$H"$'\n'
check_fails "a policy error names file and line" 4 "pivot.conf:3: unknown key \"verty\"" \
	pivot_check "ro" $'\n# c\nverty = require\n'
check_fails "a repeated key" 4 'pivot.conf:2: pcr is set again; line 1 set it already' \
	pivot_check "ro" $'pcr = 15\npcr = 16\n'
check_fails "a policy that is a directory" 4 'cannot read' \
	"$CFS_PIVOT" --check --cmdline "$S/cmdline" --config "$S"

# The printed policy is itself a valid policy file.
pivot_check "cfsboot.verity=require" $'verity = boot-check\ntpm = off\n' 2>/dev/null \
	| grep -v '^#' > "$S/printed.conf"
printf 'ro\n' > "$S/cmdline"
if grep -qx 'verity = require' "$S/printed.conf" && grep -qx 'tpm = off' "$S/printed.conf" &&
	"$CFS_PIVOT" --check --cmdline "$S/cmdline" --config "$S/printed.conf" 2>/dev/null \
	| grep -v '^#' | cmp -s - "$S/printed.conf"; then
	ok "the printed policy reads back unchanged"
else
	fail "the printed policy reads back unchanged"
fi

# --check-cmdline: the words of the initramfs that would skip, stop or
# replace cfs-pivot, refused (exit 3) when the policy requires an image.
check_cmdline() { # CMDLINE-TEXT POLICY-TEXT
	printf '%s\n' "$1" > "$S/cmdline"
	printf '%s' "$2" > "$S/pivot.conf"
	"$CFS_PIVOT" --check-cmdline --cmdline "$S/cmdline" --config "$S/pivot.conf"
}
# tpm = off: a refusal marks the TPM the policy names, never this machine's
# (tests/host/pivot-measure.sh checks the mark on swtpm).
LOCKED=$'image = required\ntpm = off\n' OPEN=$'image = optional\ntpm = off\n'
check "--check-cmdline: a plain boot entry passes" \
	check_cmdline "root=/dev/vda rw composefs.digest=$H init=/sbin/init rd.shell=0 quiet" "$LOCKED"
for w in rd.systemd.mask=cfsboot-pivot.service rd.systemd.unit=emergency.target rd.break \
	rd.break=pre-pivot rd.shell init=/sysroot/evil rd.systemd.debug_shell rd.cmdline=ask; do
	check_fails "--check-cmdline, image = required: $w is refused" 3 \
		"refusing \"$w\" on the kernel command line: it .*image = required; remove the word" \
		check_cmdline "root=/dev/vda rw composefs.digest=$H $w" "$LOCKED"
	check "--check-cmdline, image = optional: $w passes" \
		check_cmdline "root=/dev/vda rw composefs.digest=$H $w" "$OPEN"
done
check_fails "--check-cmdline: a word hidden in a quoted value is found" 3 'refusing "rd.break"' \
	check_cmdline "root=/dev/vda foo=\"x rd.break\" composefs.digest=$H" "$LOCKED"
check_fails "--check-cmdline: a malformed digest is refused as the boot would" 3 \
	'refusing "composefs.digest=xyz"' check_cmdline "composefs.digest=xyz" "$OPEN"
check_fails "--check-cmdline: a bad policy is refused" 4 'pivot.conf:1: image = "yes" is not a valid value' \
	check_cmdline "ro" $'image = yes\n'
printf 'ro rd.break\n' > "$S/cmdline"
printf 'trust = %s\n' "$S/anchors" > "$S/anchored.conf"
check_fails "--check-cmdline: without an image line, trust anchors lock the policy" 3 'refusing "rd.break"' \
	"$CFS_PIVOT" --check-cmdline --cmdline "$S/cmdline" --config "$S/anchored.conf"
done_testing
