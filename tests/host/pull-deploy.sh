#!/usr/bin/env bash
# cfsboot pull --deploy: the pulled image handed to cfsboot deploy with
# deploy's options, as tests/host/deploy.sh checks deploy itself: a
# repository published (zstd) from deploy-lib.sh's store, pulled into a
# device root's store (ROOT/composefs, deploy's default), the entry and the
# kernel on a tmpfs boot partition; a second pull of the same channel
# deploys nothing; a deploy option without --deploy, and a deploy that
# refuses after the pull, each say one line.
. "$(dirname "$0")/../lib.sh"
private_mount_ns "the boot partition is a tmpfs mounted in a namespace of its own" "$@"
trap 'unmount_scratch; rm -rf "$SCRATCH"' EXIT
TPM=off
. "$TESTS_DIR/deploy-lib.sh"

pki channel "$dir/pki/ch" --ca "$dir/pki/root" --type p256 || fail "mkpki.sh makes a channel signer"
R=$dir/repo DR=$dir/device
mkdir -p "$DR/state"
echo "root=/dev/vda2" > "$dir/first-boot"
publish() {
	"$CFSBOOT" publish --store "$S" --out "$R" --trust "$dir/trust" --compress zstd \
		--channel stable --key "$dir/pki/ch/key.pem" --cert "$dir/pki/ch/cert.pem" "$@" >/dev/null
}
# pd ARGS...: pull --deploy into the device root, booted from nothing yet.
pd() {
	"$CFSBOOT" pull --trust "$dir/trust" --tpm off --deploy --boot "$B" --root "$DR" \
		--cmdline-file "$dir/first-boot" --status-file "$dir/no-status" "$@"
}
entries() { ls "$B/loader/entries"; }

check "publish v1" publish "${D[1]}"
check "pull --deploy --tries 2 v1" pd --tries 2 "$R"
check "v1 is in ROOT/composefs, deploy's store, fsck-clean" "$CFSBOOT" fsck --store "$DR/composefs" "${D[1]}"
check "deploy wrote v1's entry with +2" test -f "$B/loader/entries/cfsboot-${D[1]}+2.conf"
check "the kernel is the image's" cmp "$B/cfsboot/${D[1]}/linux" "$dir/src1/usr/lib/modules/6.1.0-1-amd64/vmlinuz"
before=$(entries)
out=$(pd "$R" 2>&1) && printf '%s\n' "$out" | grep -q "not deployed again" &&
	ok "a second pull of the same channel deploys nothing" || fail "second pull --deploy: $out"
test "$(entries)" = "$before" && ok "the entries are as they were" || fail "the entries changed"

check_fails "a deploy option without --deploy" 2 "--tries is an option of --deploy" \
	"$CFSBOOT" pull --trust "$dir/trust" --tpm off --store "$DR/composefs" --tries 2 "$R"

check "publish v2" publish "${D[2]}"
mkdir -p "$dir/notmnt/loader/entries"
check_fails "a deploy that refuses after the pull says deploy's line" 1 "not a mount point" \
	pd --boot "$dir/notmnt" "$R"
check "the pulled v2 stays in the store, fsck-clean" "$CFSBOOT" fsck --store "$DR/composefs" "${D[2]}"
test "$(entries)" = "$before" && ok "the refused deploy wrote no entry" || fail "the entries changed"
check "cfsboot deploy then deploys it" "$CFSBOOT" deploy --trust "$dir/trust" --tpm off --boot "$B" \
	--root "$DR" --cmdline-file "$dir/first-boot" --status-file "$dir/no-status" "${D[2]}"
check "v2's entry" test -f "$B/loader/entries/cfsboot-${D[2]}+3.conf"
check "pull --help names --deploy" sh -c "'$CFSBOOT' pull --help | grep -q -- '--deploy'"
done_testing
