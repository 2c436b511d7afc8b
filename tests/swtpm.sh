# Software TPMs for the host tests (tests/host/tpm.sh, tests/host/pivot-measure.sh):
# swtpm over TCP on free ports of 127.0.0.1, with the SHA-1 and SHA-256
# banks; every wait is bounded.  Source it after tests/lib.sh, with
# SWTPM_DIR set to a scratch directory and PIDS to an array: every process
# started here is appended to PIDS, which the test kills on exit.  It lives
# beside lib.sh, not in tests/host/, where run-all.sh runs every *.sh as a
# test.  The VM tests (tests/vm/lib.sh) use its PCR prediction.

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

# A port P with P+1 free as well (swtpm's control channel).
free_port() {
	python3 - <<-'EOF'
	import socket
	for _ in range(100):
	    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
	    t = socket.socket()
	    try:
	        t.bind(("127.0.0.1", p + 1))
	    except OSError:
	        continue
	    finally:
	        t.close(); s.close()
	    print(p); break
	EOF
}

# wait_port P: until something accepts on 127.0.0.1:P, 10 s at most.
wait_port() {
	for _ in $(seq 100); do
		(exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0
		sleep 0.1
	done
	return 1
}

# swtpm_template: one manufactured state, which each TPM starts from a copy
# of.  When swtpm_setup fails the test ends here, showing its log.
swtpm_template() {
	mkdir -p "$SWTPM_DIR/template"
	if ! swtpm_setup --tpm2 --tpmstate "$SWTPM_DIR/template" --pcr-banks sha1,sha256 \
		> "$SWTPM_DIR/setup.log" 2>&1; then
		fail "swtpm_setup"
		sed 's/^/#   /' "$SWTPM_DIR/setup.log"
		done_testing
		exit
	fi
}

# start_tpm NAME: a fresh TPM; sets PORT and DEV (the tpm-device string),
# and points tpm2-tools at it.
start_tpm() {
	mkdir -p "$SWTPM_DIR/$1" && cp -a "$SWTPM_DIR/template/." "$SWTPM_DIR/$1/"
	PORT=$(free_port)
	swtpm socket --tpm2 --tpmstate "dir=$SWTPM_DIR/$1" --flags not-need-init,startup-clear \
		--server "type=tcp,port=$PORT,bindaddr=127.0.0.1" \
		--ctrl "type=tcp,port=$((PORT + 1)),bindaddr=127.0.0.1" > "$SWTPM_DIR/$1.swtpm.log" 2>&1 &
	PIDS+=($!)
	DEV=swtpm:host=127.0.0.1,port=$PORT
	export TPM2TOOLS_TCTI=$DEV
	wait_port "$PORT"
}

# start_proxy PORT OPTION...: tests/host/tpm-proxy.py in front of the TPM
# on PORT; sets PROXY_DEV.
start_proxy() {
	local p to=$1
	shift
	p=$(free_port)
	python3 "$TESTS_DIR/host/tpm-proxy.py" --listen "$p" --to "$to" "$@" \
		>> "$SWTPM_DIR/proxy.log" 2>&1 &
	PIDS+=($!)
	PROXY_DEV=swtpm:host=127.0.0.1,port=$p
	wait_port "$p"
}
