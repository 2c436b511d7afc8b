# Shared helpers for benchmarks: best-of-N wall time of a command, in seconds;
# the update of a minbase tree, the PKI and the signed images that the pull
# and deploy benchmarks measure.
set -eu
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
CFSBOOT=${CFSBOOT:-$REPO/build/cfsboot}
RUNS=${RUNS:-5}

# best_time CMD...: prints the smallest wall time of $RUNS runs.
best_time() {
	local best="" t s e
	for _ in $(seq "$RUNS"); do
		s=$(date +%s.%N)
		"$@" >/dev/null
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
	done
	printf '%.4f\n' "$best"
}

ratio() { printf '%.3f\n' "$(echo "$1 / $2" | bc -l)"; }

# bench_update_trees TREE WORK: an update of a Debian minbase tree.  WORK/v1
# is a copy of TREE (scripts/debootstrap-tree.sh); WORK/v2 the same after
# `apt-get upgrade` from the mirrors this host's apt uses (read at run
# time), in a private mount namespace with /proc: a few packages upgraded,
# their count in UPGRADED.
bench_update_trees() {
	local tree=$1 work=$2
	echo "bench: making v2 (apt-get upgrade in a copy of $tree)" >&2
	cp -a "$tree" "$work/v1"
	cp -a "$tree" "$work/v2"
	grep -h -v '^#' /etc/apt/sources.list.d/*.sources > "$work/v2/etc/apt/sources.list.d/host.sources"
	rm -f "$work/v2/etc/apt/sources.list"
	cp /etc/resolv.conf "$work/v2/etc/resolv.conf"
	unshare -m sh -c "mount -t proc proc '$work/v2/proc' && chroot '$work/v2' sh -c \
		'apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get -q -y upgrade && apt-get clean'" \
		> "$work/upgrade.log" 2>&1 || { tail -n 5 "$work/upgrade.log" >&2; exit 1; }
	UPGRADED=$(grep -c '^Unpacking .* over ' "$work/upgrade.log" || true)
	rm -rf "$work/v2/var/lib/apt/lists"/* "$work/v2/etc/apt/sources.list.d/host.sources"
}

# bench_pki DIR: a root, an intermediate, an image signer and a channel
# signer (keys/mkpki.sh), and DIR/trust holding the root.
bench_pki() {
	local k=$REPO/keys/mkpki.sh p=$1
	$k root "$p/root" >/dev/null && $k intermediate "$p/int" --ca "$p/root" >/dev/null &&
		$k signer "$p/sig" --ca "$p/int" >/dev/null && $k channel "$p/ch" --ca "$p/int" >/dev/null
	mkdir -p "$p/trust" && cp "$p/root/cert.pem" "$p/trust/"
}

# bench_image STORE TREE VERSION: TREE as an image of STORE (mkimage
# --store), signed at VERSION by the signer of bench_pki $P; prints its digest.
bench_image() {
	local d
	d=$("$CFSBOOT" mkimage --store "$1" "$2" "$1.tmp.cfs" --print-digest 2>/dev/null | cut -d' ' -f1)
	"$CFSBOOT" sign --key "$P/sig/key.pem" --cert "$P/sig/cert.pem" --chain "$P/sig/chain.pem" \
		--version "$3" --store "$1" --digest "sha256:$d" >/dev/null
	rm -f "$1.tmp.cfs"
	echo "$d"
}
