# shellcheck shell=bash
# Shared by the boot benchmarks (bench/boot.sh, bench/boot-dracut.sh),
# sourced after tests/vm/lib.sh: the guest's own clock for the time in the
# initramfs, the boots of the sides taken in turn, and medians with their
# spread.
#
# Under TCG the kernel's boot before /init varies by more than the
# initramfs costs, and the machine's load stretches everything: the
# figure that says what an initramfs adds is its own span, from the
# kernel starting /init to the real init starting, by the guest's printk
# clock (tests/vm/guest/klog-times.sh), in boots of the two sides taken
# in turn, so that a change of load falls on both alike.
#
# Even so, by the host's clock one boot of a side ran up to 1.6 times as
# long as another of the same side (the host's speed under TCG changes
# from second to second), and medians of 5 moved by 20 % from run to run.
# So the guest runs with -icount (VM_ICOUNT, tests/vm/lib.sh): its clock
# counts the instructions it executes, 1 ns each by default, and real time
# only while it is idle (waiting for the disk or the TPM).  Boots of a side
# then agree within 1 %, and a ratio says what the initramfs adds in the
# guest's work.  VM_ICOUNT= (empty) measures by the host's clock instead.
VM_ICOUNT=${VM_ICOUNT-0}

# boot_span NAME: seconds from /init to the real init in boot NAME, by
# the guest's kernel log; empty when the boot did not say both.
boot_span() {
	local a b
	a=$(vm_marker "$1" klog.initramfs_init)
	b=$(vm_marker "$1" klog.real_init)
	[ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f\n", b - a }'
}

# RUNS: how many boots of each side (at least 5 for a figure; fewer, as a
# trial of the script, is said so in the output).
RUNS=${RUNS:-5}
case $RUNS in '' | *[!0-9]* | 0) echo "bench: RUNS=$RUNS: a count of boots, at least 1" >&2; exit 1 ;; esac

bench_die() { echo "bench: $*" >&2; exit 1; }

# bench_header NAME: the first line, with the count and the load.
bench_header() {
	local note=''
	[ "$RUNS" -ge 5 ] || note=" (fewer than 5: a trial, not a figure)"
	local clock="the guest's clock at 2^$VM_ICOUNT ns an instruction (-icount shift=$VM_ICOUNT)"
	[ -n "$VM_ICOUNT" ] || clock="the guest's clock in real time"
	echo "$1: kernel $VM_KVER, TCG, $clock, each side booted $RUNS times, the sides in turn$note; load $(load)"
}

# bench_alternate BOOT SIDE...: for each of RUNS rounds, "BOOT SIDE ROUND"
# for every SIDE in turn, so that a change of the machine's load falls on
# every side alike.  BOOT calls bench_record once a boot.
bench_alternate() {
	local boot=$1 i side
	shift
	for i in $(seq "$RUNS"); do
		for side in "$@"; do
			"$boot" "$side" "$i" || exit 1
		done
	done
}

# bench_record SIDE ROUND SPAN UPTIME WALL: one boot's figures (seconds:
# /init to the real init by the guest's clock, the guest's uptime at the
# real init, the host's wall time of qemu), printed and kept for
# bench_report.
declare -A bench_span=() bench_uptime=() bench_wall=()
bench_record() {
	printf '  %-18s boot %d: /init to real init %6.3f s; kernel start to real init %6.2f s; qemu %5.1f s\n' \
		"$1" "$2" "$3" "$4" "$5"
	bench_span[$1]="${bench_span[$1]:-} $3"
	bench_uptime[$1]="${bench_uptime[$1]:-} $4"
	bench_wall[$1]="${bench_wall[$1]:-} $5"
}

# bench_report SIDE BASELINE TARGET: each figure of SIDE and BASELINE as
# medians with their spread, and the ratio of the medians; the first, the
# initramfs's own span, against TARGET.
bench_report() {
	local a=$1 b=$2
	# shellcheck disable=SC2086 # lists of numbers
	{
		show_stats "/init to real init, $a" s ${bench_span[$a]}
		show_stats "/init to real init, $b" s ${bench_span[$b]}
		echo "  ratio of the medians: $(ratio "$(median ${bench_span[$a]})" "$(median ${bench_span[$b]})") (target: at most $3)"
		show_stats "kernel start to init, $a" s ${bench_uptime[$a]}
		show_stats "kernel start to init, $b" s ${bench_uptime[$b]}
		echo "  ratio of the medians: $(ratio "$(median ${bench_uptime[$a]})" "$(median ${bench_uptime[$b]})")"
		show_stats "qemu to power-off, $a" s ${bench_wall[$a]}
		show_stats "qemu to power-off, $b" s ${bench_wall[$b]}
		echo "  ratio of the medians: $(ratio "$(median ${bench_wall[$a]})" "$(median ${bench_wall[$b]})")"
	}
}

# stats VALUE...: "median min max" of the values (the median of an even
# count is the mean of the middle two).
stats() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'
}

# show_stats LABEL UNIT VALUE...: "LABEL median UNIT (min-max, N boots)".
show_stats() {
	local label=$1 unit=$2 m lo hi
	shift 2
	read -r m lo hi < <(stats "$@")
	printf '%-36s median %7.3f %s (%.3f-%.3f, %d boots)\n' "$label" "$m" "$unit" "$lo" "$hi" $#
}

# median VALUE...: the median alone.
median() {
	stats "$@" | cut -d' ' -f1
}

# ratio A B: A / B to three places.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a / b }'
}

# load: the machine's load averages, which every figure depends on.
load() {
	cut -d' ' -f1-3 /proc/loadavg
}

# phase_medians FILE: FILE has lines "phase usec" from several boots;
# prints "phase median-ms" for each phase, in the order first seen.
phase_medians() {
	awk '{ if (!($1 in n)) order[++k] = $1; v[$1, ++n[$1]] = $2 }
	END {
		for (i = 1; i <= k; i++) {
			p = order[i]; c = n[p]
			for (a = 1; a <= c; a++) s[a] = v[p, a]
			for (a = 2; a <= c; a++) for (b = a; b > 1 && s[b - 1] > s[b]; b--) { t = s[b]; s[b] = s[b - 1]; s[b - 1] = t }
			m = c % 2 ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
			printf "%s %.1f  ", p, m / 1000
		}
		print ""
	}' "$1"
}
