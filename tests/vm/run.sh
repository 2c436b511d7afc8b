#!/usr/bin/env bash
# The VM tier: runs every tests/vm/test-*.sh and prints their cases as one
# TAP stream, numbered anew, each prefixed with its script's name.  A
# script that exits non-zero without a failing case counts as a failure.
# Serial logs of failed boots are kept in build/vm/logs/ (cleared here).
set -u
cd "$(dirname "$0")/../.." || exit 1
rm -rf build/vm/logs

n=0 failed=0 start=$SECONDS
for t in tests/vm/test-*.sh; do
	name=$(basename "$t" .sh)
	name=${name#test-}
	t0=$SECONDS
	out=$(mktemp)
	bash "$t" > "$out" 2>&1
	rc=$?
	bad=0
	while IFS= read -r line; do
		case $line in
		"ok "[0-9]*|"not ok "[0-9]*)
			n=$((n + 1))
			status=${line%% [0-9]*}
			[ "$status" = "not ok" ] && { failed=$((failed + 1)); bad=1; }
			echo "$status $n - $name: ${line#* - }" ;;
		1..[0-9]*) ;;
		*) echo "# $name: ${line#\# }" ;;
		esac
	done < "$out"
	rm -f "$out"
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		n=$((n + 1)) failed=$((failed + 1))
		echo "not ok $n - $name: exited with status $rc"
	fi
	echo "# $name: $((SECONDS - t0)) s"
done
echo "# vm tier: $((SECONDS - start)) s"
echo "1..$n"
[ "$failed" -eq 0 ]
