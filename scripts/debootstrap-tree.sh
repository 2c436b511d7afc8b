#!/usr/bin/env bash
# Makes a Debian bookworm minbase tree with debootstrap, once: the real
# system tree the mkimage test and benchmark use.  Later calls find it
# (DIR.complete marks a finished tree) and return at once.
#   usage: scripts/debootstrap-tree.sh DIR
# The mirror is the one this host's apt uses, read at run time, so that no
# host name is written into any file.
set -eu
dir=${1:?usage: debootstrap-tree.sh DIR}

[ -e "$dir.complete" ] && [ -d "$dir" ] && exit 0

# deb822 stanzas (blank-line separated): the first whose Suites has bookworm.
uri=$(awk 'BEGIN { RS = "" }
	/(^|\n)Suites:[^\n]*[ \t]bookworm([ \t]|\n|$)/ {
		if (match($0, /(^|\n)URIs:[ \t]*[^ \t\n]+/)) {
			u = substr($0, RSTART, RLENGTH); sub(/^\n?URIs:[ \t]*/, "", u); print u; exit
		}
	}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' \
	/etc/apt/sources.list 2>/dev/null || true)
if [ -z "$uri" ]; then
	echo "debootstrap-tree: no apt mirror for bookworm is configured" >&2
	exit 1
fi

tmp=$dir.tmp
rm -rf "$tmp" "$dir" "$dir.complete"
mkdir -p "$(dirname "$dir")"
echo "debootstrap-tree: debootstrap --variant=minbase bookworm into $dir (once)" >&2
if ! debootstrap --variant=minbase bookworm "$tmp" "$uri" >"$tmp.log" 2>&1; then
	tail -n 5 "$tmp.log" >&2
	exit 1
fi
mv "$tmp" "$dir"
rm -f "$tmp.log"
touch "$dir.complete"
