#!/usr/bin/env bash
# mkimage on a real system tree: a Debian bookworm minbase (debootstrap,
# cached under build/), byte-compared with upstream mkcomposefs and mounted
# and compared with the source.
#   CFS_DEBOOTSTRAP_DIR  where the tree is cached (default build/debootstrap-bookworm)
. "$(dirname "$0")/../lib.sh"

ROOTFS=${CFS_DEBOOTSTRAP_DIR:-$REPO/build/debootstrap-bookworm}

if [ "$(id -u)" -ne 0 ]; then
	skip "debootstrap and mounts need root"
	done_testing
	exit
fi

if ! "$REPO/scripts/debootstrap-tree.sh" "$ROOTFS"; then
	fail "debootstrap of bookworm failed (network or mirror?)"
	done_testing
	exit
fi
S=$(scratch)
diag "$(find "$ROOTFS" | wc -l) paths in the tree"

start=$(date +%s.%N)
check "mkimage --store of the tree" "$CFSBOOT" mkimage --store "$S/store" "$ROOTFS" "$S/rootfs.cfs"
diag "mkimage --store took $(echo "$(date +%s.%N) - $start" | bc) s"

# The image mkcomposefs is compared with does not depend on the
# sanitizers: the plain build's run compares it.
if [ -n "${CFS_SANITIZED:-}" ]; then
	skip "mkcomposefs comparison of the whole tree (done by the plain build's run)"
else
	check "byte-identical to mkcomposefs" \
		sh -c "'$MKCOMPOSEFS' '$ROOTFS' '$S/reference.cfs' && cmp '$S/rootfs.cfs' '$S/reference.cfs'"
fi
check "--threads 1 gives the same image" \
	sh -c "'$CFSBOOT' mkimage --threads 1 '$ROOTFS' '$S/t1.cfs' && cmp '$S/t1.cfs' '$S/rootfs.cfs'"

mkdir -p "$S/erofs" "$S/mnt"
if out=$(unshare -m bash -c '
	set -e
	mount -t erofs -o loop,ro "$1/rootfs.cfs" "$1/erofs"
	mount -t overlay overlay -o "ro,lowerdir+=$1/erofs,datadir+=$1/store/objects,metacopy=on,redirect_dir=on" "$1/mnt"
	python3 "$2" "$3" "$1/mnt"' _ "$S" "$TESTS_DIR/host/mkimage-compare.py" "$ROOTFS" 2>&1)
then
	ok "the mounted image equals the tree"
else
	fail "the mounted image differs from the tree"
	printf '%s\n' "$out" | head -n 20 | sed 's/^/#   /'
fi

done_testing
