#!/usr/bin/env bash
# fs-verity digests against their baselines, each pair alternated in the
# same run (best wall time of $RUNS, median user and system time), with the
# load average beside each figure, since other work on the machine
# depresses the ratios:
#
#  - one 1 GiB file from the page cache: `cfsboot digest` against
#    `openssl dgst -sha256`.  The fs-verity digest hashes every byte once
#    plus the Merkle tree (1/128 more), on one thread per CPU.  Target: a
#    throughput ratio of at least 1.7 on 2 CPUs, and no more system time.
#  - 10,000 small files (up to 16 KiB): `cfsboot digest` against
#    `fsverity digest`, both one process for all of them: the single-thread
#    path, without thread start-up.
#  - a store of the debootstrap minbase tree (scripts/debootstrap-tree.sh;
#    skipped without it): `cfsboot fsck` against openssl hashing the same
#    objects, and the boot's check of every object (verity = boot-check,
#    bench/boot_check.c) against `cat` of every object to /dev/null, the
#    I/O floor.
#   RUNS=5  CFS_DEBOOTSTRAP_DIR=build/debootstrap-bookworm
. "$(dirname "$0")/lib.sh"
TREE=${CFS_DEBOOTSTRAP_DIR:-$REPO/build/debootstrap-bookworm}
work=$(mktemp -d "${TMPDIR:-/tmp}/cfsboot-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

load() { uptime | sed 's/.*load average: //; s/,.*//'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
min() { sort -n | head -1; }

# timed NAME CMD...: appends "wall user system" of one run to $work/t-NAME.
timed() {
	local name=$1; shift
	/usr/bin/time -f "%e %U %S" -o "$work/time" "$@" >/dev/null
	cat "$work/time" >>"$work/t-$name"
}

# pair A CMD_A -- B CMD_B: alternates the two $RUNS times.
pair() {
	local a=$1 b cmd_a=() cmd_b=()
	shift
	while [ "$1" != -- ]; do cmd_a+=("$1"); shift; done
	shift
	b=$1; shift
	cmd_b=("$@")
	rm -f "$work/t-$a" "$work/t-$b"
	for _ in $(seq "$RUNS"); do
		timed "$a" "${cmd_a[@]}"
		timed "$b" "${cmd_b[@]}"
	done
}

# report NAME LABEL: best wall, median user and system time.
report() {
	printf '  %-34s %7.3f s wall (best), user %6.3f s, sys %6.3f s\n' "$2" \
		"$(cut -d' ' -f1 "$work/t-$1" | min)" "$(cut -d' ' -f2 "$work/t-$1" | median)" \
		"$(cut -d' ' -f3 "$work/t-$1" | median)"
}

# ratio_of BASE OURS: the baseline's best wall time over ours (throughput).
best() { cut -d' ' -f1 "$work/t-$1" | min; }
ratio_of() { ratio "$(best "$1")" "$(best "$2")"; }

if [ ! -x /usr/bin/time ]; then
	echo "bench: GNU time (/usr/bin/time, Debian package 'time') is needed" >&2
	exit 1
fi

# ------------------------------------------------------------ one large file
head -c 1G /dev/urandom >"$work/big"
cat "$work/big" >/dev/null   # warm the page cache for both
before=$(load)
pair digest "$CFSBOOT" digest "$work/big" -- openssl openssl dgst -sha256 "$work/big"
echo "1 GiB file, page cache, $(nproc) CPUs (load average $before, then $(load)):"
report digest "cfsboot digest"
report openssl "openssl dgst -sha256"
echo "  throughput ratio (cfsboot / openssl): $(ratio_of openssl digest)  (target >= 1.7 on 2 CPUs)"
rm -f "$work/big"

# --------------------------------------------------------- many small files
mkdir "$work/small"
(cd "$work/small" && for i in $(seq 10000); do
	head -c $(((i * 7919) % 16384)) /dev/urandom >"f$i"
done)
files=()
for i in $(seq 10000); do files+=("f$i"); done
before=$(load)
(cd "$work/small" &&
	pair small "$CFSBOOT" digest "${files[@]}" -- fsverity fsverity digest "${files[@]}")
echo "10,000 files of 0 to 16 KiB (load average $before, then $(load)):"
report small "cfsboot digest"
report fsverity "fsverity digest"
echo "  throughput ratio (cfsboot / fsverity): $(ratio_of fsverity small)"
rm -rf "$work/small"

# ------------------------------------------------------------- a whole store
if [ ! -e "$TREE.complete" ]; then
	echo "store: skipped, no debootstrap tree at $TREE (scripts/debootstrap-tree.sh makes it)"
	exit 0
fi
link=$(make -s -C "$REPO" print-pivot-link)
flags() { sed -n "s/^$1=//p" <<<"$link"; }
B=${CFS_BUILD_DIR:-build}
make -s -C "$REPO" "$B/libcfspivot.a" "$B/libcfs.a"
# The boot's check, linked as cfs-pivot is (paths in the flags are the repository's).
# shellcheck disable=SC2046 # the flags are lists of words
(cd "$REPO" && cc -std=gnu11 -O2 -D_GNU_SOURCE -Isrc $(flags PIVOT_CPPFLAGS) \
	$(flags PIVOT_LDFLAGS) -o "$work/boot_check" bench/boot_check.c "$B/libcfspivot.a" \
	"$B/libcfs.a" $(flags PIVOT_LIBS)) 2>"$work/log" || { cat "$work/log" >&2; exit 1; }
"$CFSBOOT" mkimage --store "$work/store" "$TREE" "$work/image.cfs" 2>"$work/log" ||
	{ cat "$work/log" >&2; exit 1; }
objects=$work/store/objects
find "$objects" -type f -print0 >"$work/list"
bytes=$(du -sb "$objects" | cut -f1)
xargs -0 cat <"$work/list" >/dev/null   # warm the page cache for all
before=$(load)
pair fsck "$CFSBOOT" fsck --store "$work/store" -- \
	openssl-store sh -c "xargs -0 openssl dgst -sha256 <'$work/list'"
echo "store of $TREE: $(wc -l < <(tr '\0' '\n' <"$work/list")) objects, $((bytes / 1048576)) MiB" \
	"(load average $before, then $(load)):"
report fsck "cfsboot fsck --store"
report openssl-store "openssl dgst -sha256 of every object"
echo "  throughput ratio (fsck / openssl): $(ratio_of openssl-store fsck)"

before=$(load)
pair boot-check "$work/boot_check" "$work/image.cfs" "$objects" -- \
	cat-all sh -c "xargs -0 cat <'$work/list' >/dev/null"
report boot-check "verity = boot-check of the image"
report cat-all "cat of every object (I/O floor)"
echo "  time ratio (boot-check / cat): $(ratio "$(best boot-check)" "$(best cat-all)")" \
	"(load average $before, then $(load))"
