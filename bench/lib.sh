# Shared helpers for benchmarks: best-of-N wall time of a command, in seconds.
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
