# Helpers of the host tests that boot cfs-pivot from a physical root in a
# scratch directory (sourced after tests/lib.sh).  They use S (the scratch
# directory), a store in $S/store, PHYS_FS (the file system type of the
# physical roots) and CFS_PIVOT.

# physroot NAME: a fresh physical root holding the store.
physroot() {
	rm -rf "${S:?}/$1" "$S/$1.run"
	mkdir -p "$S/$1/composefs" "$S/$1.run"
	cp -a "$S/store/." "$S/$1/composefs/"
}

# listing NAME: every path of the physical root NAME, with mode and size.
listing() { find "$S/$1" -printf '%p %m %s\n' | sort; }

# unchanged NAME: the physical root is as it was before the last pivot.
unchanged() { listing "$1" | cmp -s - "$S/$1.run/before"; }

# no_stage NAME: the staging directory beside NAME's status file is gone.
no_stage() { ! ls -A "$S/$1.run" | grep -q stage; }

# pivot NAME CMDLINE POLICY [OPTIONS...]: boots from the physical root NAME,
# bind-mounted on itself so that it is a mount point as a real one is.
pivot() {
	local name=$1 cmdline=$2 policy=$3; shift 3
	mountpoint -q "$S/$name" || mount --bind "$S/$name" "$S/$name"
	listing "$name" > "$S/$name.run/before"
	printf '%s\n' "$cmdline" > "$S/$name.run/cmdline"
	printf '%s\n' "$policy" > "$S/$name.run/pivot.conf"
	"$CFS_PIVOT" --cmdline "$S/$name.run/cmdline" --config "$S/$name.run/pivot.conf" \
		--sysroot "$S/$name" --status "$S/$name.run/status.json" "$@"
}

# status NAME EXPR: a field of NAME's status file (a Python expression on s).
status() {
	python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$S/$1.run/status.json" "$2"
}

# mounts_at NAME: the file system types mounted at the physical root's path.
mounts_at() {
	awk -v p="$S/$1" '$5 == p { for (i = 7; $i != "-"; i++); print $(i + 1) }' /proc/self/mountinfo
}

# options_at PATH: the mount options of the mount at PATH.
options_at() { awk -v p="$1" '$5 == p { print $6 }' /proc/self/mountinfo | tail -n 1; }

# has_options PATH OPTION...: the mount at PATH has each OPTION.
has_options() {
	local o opts
	opts=,$(options_at "$1"),
	for o in "${@:2}"; do
		case $opts in *,"$o",*) ;; *) echo "$1: $opts lacks $o"; return 1 ;; esac
	done
}

# unmounted NAME: the composed tree leaves; the physical root's directory
# is what is left at NAME.
unmounted() { umount -R "$S/$1"; }

# refused NAME CLASS: what every refusal must leave behind: a "refused"
# status of that class, the physical root still mounted where it was and
# nothing else, no state written, no staging directory.
refused() {
	local name=$1 class=$2
	check "$name: status refused, class $class" \
		test "$(status "$name" 's["result"] + " " + s["error"]["class"]')" = "refused $class"
	check "$name: the physical root is still in place, alone" test "$(mounts_at "$name")" = "$PHYS_FS"
	check "$name: nothing written to the physical root" unchanged "$name"
	check "$name: no staging directory left" no_stage "$name"
}
