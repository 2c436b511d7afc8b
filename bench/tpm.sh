#!/usr/bin/env bash
# The TPM work of one boot against swtpm over TCP: open and start the TPM,
# read the anti-rollback floor, find the banks, extend the three events
# into PCR 15 (SHA-1 and SHA-256), log them, read the PCR back.  It is the
# timed case of tests/unit/test_measure.c, which counts the TPM commands
# and the time spent waiting for their answers; the rest is cfsboot's own
# cost (connecting, setting up ESAPI, hashing, the log).  Each of $RUNS runs
# (default 5) gets a fresh swtpm; the log goes to a tmpfs, as /run is one.
#
# Baseline, same TPM, same run: tpm2-tools issuing the same three
# extensions and the read-back (one tpm2_pcrextend, one tpm2_pcrread), with
# no floor and no log.
. "$(dirname "$0")/lib.sh"
BUILD=${CFS_BUILD:-$REPO/build}
shm=$(mktemp -d /dev/shm/cfsboot-bench.XXXXXX)
work=$(mktemp -d "${TMPDIR:-/tmp}/cfsboot-bench.XXXXXX")
pid=
stop() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=; }
trap 'stop; rm -rf "$work" "$shm"' EXIT

swtpm_setup --tpm2 --tpmstate "$work/template" --pcr-banks sha1,sha256 >/dev/null 2>&1 ||
	{ mkdir -p "$work/template" &&
	  swtpm_setup --tpm2 --tpmstate "$work/template" --pcr-banks sha1,sha256 >/dev/null; }

# A port P with P+1 free as well, fresh for each run: a port just closed
# may still be held by connections in TIME_WAIT.
free_port() {
	python3 -c 'import socket
for _ in range(100):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; t = socket.socket()
    try:
        t.bind(("127.0.0.1", p + 1)); print(p); break
    except OSError:
        pass
    finally:
        t.close(); s.close()'
}

start() {
	rm -rf "$work/state" && cp -a "$work/template" "$work/state"
	port=$(free_port)
	dev=swtpm:host=127.0.0.1,port=$port
	swtpm socket --tpm2 --tpmstate "dir=$work/state" --flags not-need-init,startup-clear \
		--server "type=tcp,port=$port,bindaddr=127.0.0.1" \
		--ctrl "type=tcp,port=$((port + 1)),bindaddr=127.0.0.1" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "swtpm did not start" >&2
	exit 1
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: > "$work/boots"
: > "$work/tools"
for _ in $(seq "$RUNS"); do
	start
	rm -rf "${shm:?}"/*
	CFS_TEST_TPM=$dev CFS_TEST_OUT=$shm "$BUILD/tests/test_measure" 2>/dev/null |
		sed -n 's/^# one boot: \([0-9]*\) TPM commands, \([0-9]*\) us waiting .*, \([0-9]*\) us in all.*/\1 \2 \3/p' \
		>> "$work/boots"
	# The same extensions and read-back by tpm2-tools, timed in-shell.
	events=()
	for w in 1 2 3; do
		events+=("15:sha1=$(printf '%040d' $w),sha256=$(printf '%064d' $w)")
	done
	s=$EPOCHREALTIME
	TPM2TOOLS_TCTI=$dev tpm2_pcrextend "${events[@]}" >/dev/null 2>&1
	TPM2TOOLS_TCTI=$dev tpm2_pcrread sha1:15+sha256:15 >/dev/null 2>&1
	e=$EPOCHREALTIME
	echo "($e - $s) * 1000000 / 1" | bc >> "$work/tools"
	stop
done

[ "$(wc -l < "$work/boots")" -eq "$RUNS" ] ||
	{ echo "test_measure did not report a boot in every run (build it: make unit-tests)" >&2; exit 1; }
commands=$(cut -d' ' -f1 "$work/boots" | sort -u | paste -sd,)
wait_us=$(cut -d' ' -f2 "$work/boots" | median)
total_us=$(cut -d' ' -f3 "$work/boots" | median)
own_us=$(awk '{ print $3 - $2 }' "$work/boots" | median)
tools_us=$(median < "$work/tools")

echo "one boot's TPM work against swtpm (median of $RUNS, each on a fresh TPM):"
echo "  TPM commands:            $commands"
echo "  waiting for the TPM:     $wait_us us"
echo "  in all:                  $total_us us"
echo "  cfsboot's own cost:      $own_us us (connecting, ESAPI, hashing, the log: all but waiting)"
echo "baseline: tpm2_pcrextend (3 events) + tpm2_pcrread: $tools_us us"
echo "ratio (cfsboot one boot / tpm2-tools extensions alone): $(ratio "$total_us" "$tools_us")"
