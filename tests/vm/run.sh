#!/usr/bin/env bash
# The VM tier: runs every tests/vm/test-*.sh and prints their cases as one
# TAP stream, numbered anew, each prefixed with its script's name.  A
# script that exits non-zero without a failing case counts as a failure.
# Serial logs of failed boots are kept in build/vm/logs/ (cleared here).
#
# A guest is emulated on one host thread, so CFS_VM_JOBS scripts (default:
# the number of CPUs, at most 2) run at once, the longest first; each one's
# output is printed whole, in the order of the list, once it has ended.
# The scripts share only what lib.sh caches under a lock (the kernel, the
# debootstraps); each has its own scratch directory, and swtpm's ports are
# chosen free.
set -u
cd "$(dirname "$0")/../.." || exit 1
rm -rf build/vm/logs

jobs=${CFS_VM_JOBS:-$(nproc)}
[ "$jobs" -gt 2 ] && jobs=2
[ "$jobs" -ge 1 ] 2> /dev/null || jobs=1
# The longest first (minutes under TCG on 2 cores), so that the last to
# start are short; then the rest in the order of their names.
LONG="update-systemd dracut update initramfs uefi"
list=()
for name in $LONG; do
	[ -f "tests/vm/test-$name.sh" ] && list+=("tests/vm/test-$name.sh")
done
for t in tests/vm/test-*.sh; do
	name=$(basename "$t" .sh)
	case " $LONG " in *" ${name#test-} "*) ;; *) list+=("$t") ;; esac
done

outdir=$(mktemp -d)
trap 'rm -rf "$outdir"' EXIT
start=$SECONDS
# run_one I SCRIPT: its output in outdir/I.out, its status and seconds in
# outdir/I.rc.
run_one() {
	local t0=$SECONDS rc
	bash "$2" > "$outdir/$1.out" 2>&1
	rc=$?
	echo "$rc $((SECONDS - t0))" > "$outdir/$1.rc"
}
for i in "${!list[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	run_one "$i" "${list[$i]}" &
done
wait

n=0 failed=0
for i in "${!list[@]}"; do
	name=$(basename "${list[$i]}" .sh)
	name=${name#test-}
	read -r rc secs < "$outdir/$i.rc" || { rc=1 secs=0; }
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
	done < "$outdir/$i.out"
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		n=$((n + 1)) failed=$((failed + 1))
		echo "not ok $n - $name: exited with status $rc"
	fi
	echo "# $name: $secs s"
done
echo "# vm tier: $((SECONDS - start)) s, $jobs scripts at a time"
echo "1..$n"
[ "$failed" -eq 0 ]
