#!/usr/bin/env bash
# The fuzz tier: build the libFuzzer targets (make fuzz), give each a seed
# corpus (the files in tests/fuzz/corpus/TARGET, plus what
# tests/fuzz/seed_NAME.sh generates for fuzz_NAME), and run each for
# CFS_FUZZ_SECONDS (default 60).  Prints TAP, one line per target.  A
# crash, leak, timeout or memory blow-up fails the target; libFuzzer keeps
# the input that caused it in build/fuzz/crashes/TARGET/.
#
# Last, the differential run of dump files (tests/fuzz/dump_diff.py) for
# as long: cfsboot mkimage against upstream's mkcomposefs, any difference
# kept in tests/fuzz/corpus/dump-diff/.  It drives two programs, so it is
# a script, not a libFuzzer target.  MKCOMPOSEFS names mkcomposefs as in
# tests/lib.sh (default build/deps/bin/mkcomposefs); without it the run
# fails, saying so.
set -u
cd "$(dirname "$0")/../.." || exit 1
SECONDS_PER_TARGET=${CFS_FUZZ_SECONDS:-60}
OUT=build/fuzz
n=0 failed=0

# Build every target afresh (a failed link must not leave an old binary
# behind) and keep going past one that fails, so it fails alone.
mkdir -p "$OUT"
rm -f "$OUT"/fuzz_*
make -k -j"$(nproc)" fuzz > "$OUT/build.log" 2>&1

for src in tests/fuzz/fuzz_*.c; do
	target=$(basename "$src" .c)
	corpus=$OUT/corpus/$target crashes=$OUT/crashes/$target log=$OUT/$target.log
	seeder=tests/fuzz/seed_${target#fuzz_}.sh
	n=$((n + 1))
	if [ ! -x "$OUT/$target" ]; then
		echo "not ok $n - $target: make fuzz did not build it"
		grep -E "undefined reference|: error:" "$OUT/build.log" | head -n 3 | sed 's/^/#   /'
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$corpus" "$crashes"
	if [ -d "tests/fuzz/corpus/$target" ]; then
		cp -f tests/fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null
	fi
	if [ -x "$seeder" ] && ! "$seeder" "$corpus" > "$log" 2>&1; then
		echo "not ok $n - $target: $seeder failed"
		tail -n 5 "$log" | sed 's/^/#   /'
		failed=$((failed + 1))
		continue
	fi
	# -timeout: one input may take 10 s at most; leaks are checked at exit
	# of each input (libFuzzer's default with ASan).
	"$OUT/$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" > "$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "ok $n - $target: $runs runs, no crash"
	else
		failed=$((failed + 1))
		echo "not ok $n - $target: exit $rc, input kept in $crashes/"
		grep -E 'ERROR|SUMMARY|==[0-9]+==|Test unit written' "$log" | head -n 8 | sed 's/^/#   /'
	fi
done
n=$((n + 1))
# The sanitizer build, when it is as new as the plain one, so that odd
# dumps also meet ASan and UBSan.
cfsboot=build/asan/cfsboot
[ -x "$cfsboot" ] && ! [ build/cfsboot -nt "$cfsboot" ] || cfsboot=build/cfsboot
MKCOMPOSEFS=${MKCOMPOSEFS:-$PWD/build/deps/bin/mkcomposefs} CFSBOOT=${CFSBOOT:-$PWD/$cfsboot} \
	python3 tests/fuzz/dump_diff.py --seconds "$SECONDS_PER_TARGET" --tap-number "$n" ||
	failed=$((failed + 1))
echo "1..$n"
[ "$failed" -eq 0 ]
