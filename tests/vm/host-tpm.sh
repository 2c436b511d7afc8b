# The guests' TPM from the host: swtpm serving the state a guest's TPM
# keeps (vm_boot --tpm DIR) on a socket, for the host's cfsboot.  Sourced
# by tests/vm/lib.sh.

# vm_host_tpm DIR CMD...: runs CMD on the host against the TPM whose state
# is in DIR/state, served by swtpm on a socket in DIR; CMD finds it as
# "$VM_HOST_TPM" (a --tpm or --device argument).  Returns CMD's status.
vm_host_tpm() {
	local dir=$1 sock pid rc=0
	shift
	mkdir -p "$dir/state" || return 1
	sock=$dir/host.sock
	rm -f "$sock" "$sock.ctrl"
	swtpm socket --tpm2 --tpmstate dir="$dir/state" --flags not-need-init,startup-clear \
		--server type=unixio,path="$sock" --ctrl type=unixio,path="$sock.ctrl" \
		--log file="$dir/swtpm-host.log",level=1 < /dev/null &
	pid=$!
	for _ in $(seq 50); do
		[ -S "$sock" ] && [ -S "$sock.ctrl" ] && break
		sleep 0.1
	done
	VM_HOST_TPM=swtpm:path=$sock "$@" || rc=$?
	kill "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	return "$rc"
}

# vm_swtpm_commit DIR VERSION: raises the anti-rollback floor of the TPM
# whose state is in DIR/state to VERSION, from the host, with `cfsboot tpm
# commit-version`.
vm_swtpm_commit() {
	local dir=$1 version=$2 rc=0
	mkdir -p "$dir" || return 1
	# shellcheck disable=SC2016 # expanded by the inner shell
	vm_host_tpm "$dir" sh -c '"$0" tpm commit-version --device "$VM_HOST_TPM" "$1"' \
		"$CFSBOOT" "$version" > "$dir/commit.out" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || { sed 's/^/# /' "$dir/commit.out"; vm_die "cfsboot tpm commit-version $version failed"; }
	return "$rc"
}

# vm_host_floor DIR: the anti-rollback floor in that TPM ("none" when it has
# no counter).
vm_host_floor() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	vm_host_tpm "$1" sh -c '"$0" tpm read-floor --device "$VM_HOST_TPM" 2> /dev/null || echo none' "$CFSBOOT"
}
