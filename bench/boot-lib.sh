# shellcheck shell=bash
# Shared by the boot benchmarks (bench/boot.sh, bench/boot-dracut.sh),
# sourced after tests/vm/lib.sh: the guest's own clock for the time in the
# initramfs, and medians with their spread.
#
# Under TCG the kernel's boot before /init varies by more than the
# initramfs costs, and the machine's load stretches everything: the
# figure that says what an initramfs adds is its own span, from the
# kernel starting /init to the real init starting, by the guest's printk
# clock (tests/vm/guest/klog-times.sh), in boots of the two sides taken
# in turn, so that a change of load falls on both alike.

# boot_span NAME: seconds from /init to the real init in boot NAME, by
# the guest's kernel log; empty when the boot did not say both.
boot_span() {
	local a b
	a=$(vm_marker "$1" klog.initramfs_init)
	b=$(vm_marker "$1" klog.real_init)
	[ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f\n", b - a }'
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
	printf '%-28s median %7.3f %s (%.3f-%.3f, %d boots)\n' "$label" "$m" "$unit" "$lo" "$hi" $#
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
