# Reading what a boot reported (sourced by tests/vm/lib.sh): cfs-pivot's
# refusal line, files and fields the guest printed, the measured words and
# the PCR 15 they predict.

# vm_refusal NAME: "CLASS EXIT" of the refusal cfs-pivot printed as PID 1
# in boot NAME ("cfs-pivot: boot refused (CLASS, exit EXIT): ..."), empty
# when there is none.
vm_refusal() {
	tr -d '\r' < "$(vm_log "$1")" 2> /dev/null |
		sed -n 's/.*cfs-pivot: boot refused (\([a-z-]*\), exit \([0-9]*\)).*/\1 \2/p' | tail -n 1
}

# vm_refusal_line NAME: that line, from "boot refused" on.
vm_refusal_line() {
	tr -d '\r' < "$(vm_log "$1")" 2> /dev/null | grep -o 'boot refused (.*' | tail -n 1
}

# vm_marker_file NAME KEY OUT: the base64-encoded file that boot NAME
# printed as "CFSTEST: KEY=..." (tests/vm/guest/os/init), decoded to OUT.
vm_marker_file() {
	local v
	v=$(vm_marker "$1" "$2")
	[ -n "$v" ] && [ "$v" != missing ] && base64 -d <<< "$v" > "$3"
}

# vm_status_fields FILE: a status file (docs/status.md) as lines
# "field=value": nested fields joined by dots (digest.value, tpm.pcr),
# PCR banks as tpm.bank.<alg>, phases as phase.<name> (microseconds),
# kernel_paths joined by spaces, booleans as true/false.
vm_status_fields() {
	python3 - "$1" <<-'PY'
	import json, sys
	def out(key, v):
	    if isinstance(v, bool):
	        v = "true" if v else "false"
	    print(f"{key}={v}")
	def walk(prefix, obj):
	    for k, v in obj.items():
	        key = prefix + k
	        if k == "banks":
	            for b in v:
	                out(f"{prefix}bank.{b['alg']}", b["value"])
	        elif k == "phases":
	            for p in v:
	                out(f"phase.{p['name']}", p["usec"])
	        elif k == "kernel_paths":
	            out(key, " ".join(v))
	        elif isinstance(v, dict):
	            walk(key + ".", v)
	        else:
	            out(key, v)
	walk("", json.load(open(sys.argv[1])))
	PY
}

# vm_field FIELDS KEY: the value of KEY in the output of vm_status_fields.
vm_field() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# vm_measured_words DIGEST FINGERPRINT VERSION MODE [STATE]: cfs-pivot's
# four measured words, one a line, DIGEST's length naming its hash.  STATE
# is the state word's value, by default that of the default policy.
vm_measured_words() {
	printf '%s\n' "composefs-image:sha$((${#1} * 4)):$1" "composefs-signer:$2:$3" "composefs-verity:$4" \
		"composefs-state:${5:-etc=transient,keep=1;var=bind}"
}

# vm_expected_pcr DIGEST FINGERPRINT VERSION MODE [STATE]: PCR 15's SHA-256
# bank after those four events on a PCR that started at zeros, computed
# from the measured words alone (docs/measurement.md, "Predicting the
# value").
vm_expected_pcr() {
	local words
	mapfile -t words < <(vm_measured_words "$@")
	predicted sha256 "" "${words[@]}"
}
