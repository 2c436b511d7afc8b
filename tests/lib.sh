# Shared helpers for the host and VM test scripts: TAP output, temporary
# directories that are always removed, and where the binaries are.
# Source it; then call `ok`/`fail`/`check` and end with `done_testing`.

set -u
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$TESTS_DIR/.." && pwd)
BUILD=${CFS_BUILD:-$REPO/build}
CFSBOOT=${CFSBOOT:-$BUILD/cfsboot}
CFS_PIVOT=${CFS_PIVOT:-$BUILD/cfs-pivot}
# The reference writer: upstream mkcomposefs 1.0.8, which
# scripts/build-deps.sh builds from Debian's source package.
MKCOMPOSEFS=${MKCOMPOSEFS:-$REPO/build/deps/bin/mkcomposefs}

_tap_n=0
_tap_failed=0

ok()   { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
fail() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $*"; }
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $* # SKIP"; }
diag() { printf '# %s\n' "$*"; }

# check NAME CMD...: one test case, passing when CMD exits 0.
check() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		fail "$name"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
	fi
}

# check_fails NAME EXPECTED_EXIT PATTERN CMD...: CMD must exit with
# EXPECTED_EXIT (or any non-zero when it is "nonzero") and say PATTERN.
check_fails() {
	local name=$1 want=$2 pattern=$3; shift 3
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then
		fail "$name (succeeded, should have failed)"
	elif [ "$want" != nonzero ] && [ "$rc" -ne "$want" ]; then
		fail "$name (exit $rc, expected $want)"
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'
	elif ! printf '%s\n' "$out" | grep -qE -- "$pattern"; then
		fail "$name (message does not match /$pattern/)"
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'
	else
		ok "$name"
	fi
}

# A scratch directory, made when this file is sourced and removed when the
# script exits; `$(scratch)` names it (also from subshells).
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/cfsboot-test.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
scratch() { echo "$SCRATCH"; }

# unmount_scratch: takes down every mount below the scratch directory,
# deepest first, so that an EXIT trap can then remove it.
unmount_scratch() {
	awk -v s="$SCRATCH/" 'index($5, s) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m"; done
}

# private_mount_ns WHY "$@": the rest of the script runs as root in a
# private mount namespace of its own (the script is executed again there,
# with a scratch directory of its own), so that its mounts go with it; not
# root, the script is skipped, saying WHY.
private_mount_ns() {
	local why=$1; shift
	if [ "$(id -u)" -ne 0 ]; then
		skip "$why"
		done_testing
		exit
	fi
	[ -n "${CFS_PIVOT_NS:-}" ] && return 0
	rm -rf "$SCRATCH"
	trap - EXIT
	CFS_PIVOT_NS=1 exec unshare -m --propagation private "$BASH" "$0" "$@"
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}
