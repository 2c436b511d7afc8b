# PCR 15 of the VM tests' guests, read from the host after the guest
# stopped, and compared with the value predicted from cfs-pivot's words
# (predicted, tests/swtpm.sh).  Sourced by tests/vm/lib.sh, whose vm_boot
# --pcr-out and vm_boot_until keep swtpm running for it.
. "$(dirname "${BASH_SOURCE[0]}")/../swtpm.sh"

# vm_swtpm_pcrs DIR OUT: PCR 15 of the swtpm that vm_swtpm_start DIR
# started, as the guest left it, read from the host by tpm2_pcrread into
# OUT as lines "BANK HEX" (sha1, sha256; lowercase).  qemu hands swtpm its
# data channel over the control socket and, exiting cleanly, tells it to
# shut down, which loses the PCRs; a qemu killed (vm_boot_until --pcr-out
# does) leaves swtpm running, and tests/vm/swtpm-data.py gives it a new
# data channel for tpm2-tss's "cmd" TCTI.
vm_swtpm_pcrs() {
	local dir=$1 out=$2
	rm -f "$out"
	if [ -z "$VM_SWTPM_PID" ] || ! kill -0 "$VM_SWTPM_PID" 2> /dev/null; then
		vm_die "swtpm ended with qemu: the guest's PCRs are lost (a guest whose PCRs are read is killed, not shut down)"
		return 1
	fi
	TPM2TOOLS_TCTI="cmd:python3 $REPO/tests/vm/swtpm-data.py $dir/swtpm.sock" \
		timeout 30 tpm2_pcrread sha1:15+sha256:15 > "$dir/pcrread.out" 2>&1 ||
		{ sed 's/^/# tpm2_pcrread: /' "$dir/pcrread.out"; vm_die "tpm2_pcrread from swtpm failed"; return 1; }
	awk '/^ *[a-z0-9]+:$/ { bank = $1; sub(":", "", bank) }
	     /^ *15 *: *0x/ { v = $NF; sub("0x", "", v); print bank, tolower(v) }' "$dir/pcrread.out" > "$out"
}

# vm_pcr_marked BOOT FILE WORD...: PCR 15 as boot BOOT left it (FILE, from
# vm_boot --pcr-out) is not zero and is, in both banks, the value
# predicted from WORD... on a PCR that started at zeros: the words
# cfs-pivot measured, the last one how it ended.  Prints the sha256 value.
vm_pcr_marked() {
	local b=$1 file=$2 bank got want
	shift 2
	for bank in sha1 sha256; do
		got=$(awk -v k="$bank" '$1 == k { print $2 }' "$file" 2> /dev/null)
		want=$(predicted "$bank" "" "$@")
		if [ -n "$got" ] && [ "$got" = "$want" ] && [ -n "${got//0/}" ]; then
			ok "$b: PCR 15 ($bank, read from the host) is not zero: ${*: -1} extended"
		else
			fail "$b: PCR 15 ($bank, read from the host) is not zero: ${*: -1} extended"
			diag "  got '$got', predicted from '$*': $want"
		fi
	done
	diag "$b: PCR 15 sha256 = $(awk '$1 == "sha256" { print $2 }' "$file" 2> /dev/null)"
}
