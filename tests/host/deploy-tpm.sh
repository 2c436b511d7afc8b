#!/usr/bin/env bash
# The anti-rollback floor through deploy, bless and rollback, with a
# software TPM: it rises at bless only, to the booted image's version;
# deploy and rollback refuse what it refuses; bless prunes below it.
. "$(dirname "$0")/../lib.sh"
private_mount_ns "the boot partition is a tmpfs mounted in a namespace of its own" "$@"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	unmount_scratch
	rm -rf "$SCRATCH"
}
trap cleanup EXIT
for t in swtpm swtpm_setup; do
	if ! command -v "$t" >/dev/null; then
		skip "$t is not installed (scripts/install-deps.sh)"
		done_testing
		exit
	fi
done
SWTPM_DIR=$(scratch)/tpm
. "$TESTS_DIR/swtpm.sh"
swtpm_template
start_tpm deploy || { fail "swtpm starts"; done_testing; exit; }
TPM=$DEV
. "$TESTS_DIR/deploy-lib.sh"
floor() { "$CFSBOOT" tpm read-floor --device "$DEV" 2>/dev/null || echo none; }
boot() { echo "root=/dev/vda2 composefs.digest=${D[$1]}" > "$dir/cmdline"; }

boot 1
check "deploy v1 on a TPM without a counter" cf deploy "${D[1]}"
check "deploy left the floor alone" test "$(floor)" = none
check "bless v1" cf bless
check "bless raised the floor to v1's version" test "$(floor)" = 10
check "deploy v2" cf deploy "${D[2]}"
check "deploy did not raise it" test "$(floor)" = 10
check "status shows the floor" sh -c "'$CFSBOOT' status $(printf "'%s' " "${COMMON[@]}") | grep -qx 'floor: 10 (the TPM.s counter and min-version)'"
boot 2
check "bless v2" cf bless
check "the floor is v2's version now" test "$(floor)" = 20
check "bless removed v1, below the floor" test ! -e "$B/loader/entries/cfsboot-${D[1]}.conf"
check_fails "deploying v1 again is refused below the floor" 1 "version 10 .*below.*20|floor" cf deploy "${D[1]}"
check_fails "rollback has nothing to go to" 1 "no deployment to roll back to" cf rollback
check "deploy v3" cf deploy "${D[3]}"
check "rollback from the pending v3 to v2, at the floor" cf rollback
check "v2 is the default again" sh -c "'$CFSBOOT' status --json $(printf "'%s' " "${COMMON[@]}") | grep -q '\"default\": \"${D[2]}\"'"
check "--tpm off: the floor is min-version alone" sh -c "'$CFSBOOT' status $(printf "'%s' " "${COMMON[@]}") --tpm off | grep -qx 'floor: 0 (min-version; no TPM)'"
check "--tpm none (pull's word) is --tpm off" sh -c "'$CFSBOOT' status $(printf "'%s' " "${COMMON[@]}") --tpm none | grep -qx 'floor: 0 (min-version; no TPM)'"
check_fails "a TPM named but absent is refused, not taken for none" 1 "no TPM at $dir/no-tpm" \
	"$CFSBOOT" status "${COMMON[@]}" --tpm "$dir/no-tpm"
done_testing
