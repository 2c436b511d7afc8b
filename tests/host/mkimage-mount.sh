#!/usr/bin/env bash
# mkimage images mounted as composefs mounts them: EROFS from a loop device
# under overlayfs, with the object store's objects directory as data-only
# layer (metacopy, redirect_dir).  The mounted tree must equal the source
# (mkimage-compare.py says what "equal" means).  The host kernel has no
# fs-verity, so verity= is not asked for.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "mount tests need root"
	done_testing
	exit
fi
S=$(scratch)
STORE=$S/store
# The variants use the tree without its 4 GiB sparse file, which takes most
# of the time to read back.
python3 "$TESTS_DIR/host/mkimage-tree.py" "$S/tree"
python3 "$TESTS_DIR/host/mkimage-tree.py" "$S/tree-small" --no-sparse
SRC=$S/tree

# mounted NAME IMAGE COMPARE-ARGS...: mounts IMAGE over the store in a
# private mount namespace and compares it with $SRC.
mounted() {
	local name=$1 image=$2; shift 2
	local out
	mkdir -p "$S/erofs" "$S/mnt"
	if out=$(unshare -m bash -c '
		set -e
		mount -t erofs -o loop,ro "$1" "$2/erofs"
		mount -t overlay overlay -o "ro,lowerdir+=$2/erofs,datadir+=$3/objects,metacopy=on,redirect_dir=on" "$2/mnt"
		shift 3
		python3 "$@"' _ "$image" "$S" "$STORE" "$TESTS_DIR/host/mkimage-compare.py" "$SRC" "$S/mnt" "$@" 2>&1)
	then
		ok "$name: the mounted image equals the source"
	else
		fail "$name: the mounted image differs from the source"
		printf '%s\n' "$out" | head -n 20 | sed 's/^/#   /'
	fi
}

check "mkimage --store" "$CFSBOOT" mkimage --store "$STORE" "$SRC" "$S/default.cfs"
mounted default "$S/default.cfs"
# The image in the store is the one written to IMAGE (so it mounts the
# same), named by its digest.
digest=$(fsverity digest "$S/default.cfs" | cut -c8-71)
check "the store holds the image as images/<digest>" cmp "$STORE/images/$digest" "$S/default.cfs"

SRC=$S/tree-small
check "mkimage --store of the tree without the sparse file" \
	"$CFSBOOT" mkimage --store "$STORE" "$SRC" "$S/small.cfs"

check "mkimage --store --use-epoch" "$CFSBOOT" mkimage --use-epoch --store "$STORE" "$SRC" "$S/epoch.cfs"
mounted use-epoch "$S/epoch.cfs" --epoch

check "mkimage --store --max-version=0" "$CFSBOOT" mkimage --max-version=0 --store "$STORE" "$SRC" "$S/v0.cfs"
mounted format-0 "$S/v0.cfs" --version 0

check "mkimage --store --hardlinks" "$CFSBOOT" mkimage --hardlinks --store "$STORE" "$SRC" "$S/hardlinks.cfs"
mounted hardlinks "$S/hardlinks.cfs" --hardlinks
check "--hardlinks changes the image (mkcomposefs does not detect hardlinks)" \
	sh -c "! cmp -s '$S/hardlinks.cfs' '$S/small.cfs'"

done_testing
