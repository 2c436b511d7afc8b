#!/usr/bin/env bash
# make check: install what the tests need, build (plain and ASan/UBSan),
# run every tier, and end with one summary line "N passed, N failed".
#
# Each tier prints TAP; a test script that exits non-zero without saying
# which case failed counts as one failure of its own.
#   CFS_TIERS="unit host"  run only these tiers (unit host fuzz vm)
set -u
cd "$(dirname "$0")/.."
REPO=$(pwd)
JOBS=$(nproc)
RESULTS=build/test-results
TIERS=${CFS_TIERS:-unit host fuzz vm}
passed=0 failed=0 skipped=0

scripts/install-deps.sh || { echo "installing the test dependencies failed"; echo "0 passed, 1 failed"; exit 1; }
rm -rf "$RESULTS" && mkdir -p "$RESULTS"

build_failed() {
	echo "# build failed: $*"
	failed=$((failed + 1))
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 1
}

make -j"$JOBS" all unit-tests || build_failed "make all"
make -j"$JOBS" SANITIZE=1 all unit-tests || build_failed "make SANITIZE=1"

# run NAME CMD...: runs one TAP producer and counts its results.
run() {
	local name=$1; shift
	local log="$RESULTS/$name.log" rc=0 p f s
	echo "=== $name"
	# A pipeline, not a process substitution: tee has written the whole
	# log when it ends, so the counts below read all of it.
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(grep -E '^ok [0-9]+' "$log" | grep -vc '# SKIP' || true)
	s=$(grep -E '^ok [0-9]+.*# SKIP' "$log" | wc -l)
	f=$(grep -cE '^not ok [0-9]+' "$log" || true)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

tier() { case " $TIERS " in *" $1 "*) return 0;; esac; return 1; }

# memcheck TEST: a unit test of the plain build under valgrind, which sees
# what ASan does not: a read of uninitialised memory (a verdict depending on
# the stack).  Such a read, an invalid access or a definite leak fails the
# test with status 97 even when every case passed.  Valgrind 3.19 does not
# know openat2(), so under it the openat2 users run their fallback paths
# (the other two runs take the openat2 ones).
memcheck() {
	local rc=0
	CMOCKA_MESSAGE_OUTPUT=TAP valgrind --quiet --error-exitcode=97 --track-origins=yes \
		--leak-check=full --errors-for-leak-kinds=definite "build/tests/$1" || rc=$?
	[ "$rc" -ne 97 ] || echo "# memcheck: errors in $1, reported above"
	return "$rc"
}

if tier unit; then
	for src in tests/unit/test_*.c; do
		t=$(basename "$src" .c)
		run "unit-$t" env CMOCKA_MESSAGE_OUTPUT=TAP "build/tests/$t"
		run "asan-unit-$t" env CMOCKA_MESSAGE_OUTPUT=TAP "build/asan/tests/$t"
		run "memcheck-unit-$t" memcheck "$t"
	done
fi
if tier host; then
	for t in tests/host/*.sh; do
		run "host-$(basename "$t" .sh)" bash "$t"
	done
	# The same host tests drive the ASan/UBSan build, apart from the slow
	# whole-system ones, which say so themselves under CFS_SANITIZED=1.
	for t in tests/host/*.sh; do
		run "asan-host-$(basename "$t" .sh)" env CFS_BUILD="$REPO/build/asan" CFS_SANITIZED=1 bash "$t"
	done
fi
if tier fuzz && ls tests/fuzz/fuzz_*.c >/dev/null 2>&1; then
	run fuzz bash tests/fuzz/run.sh
fi
if tier vm && [ -x tests/vm/run.sh ]; then
	run vm tests/vm/run.sh
fi

echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
