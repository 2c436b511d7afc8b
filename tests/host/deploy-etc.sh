#!/usr/bin/env bash
# The 3-way merge of /etc for etc = bind (docs/update.md): deploy v2 over
# a booted v1 whose /etc state was changed on the device.  A file the
# device left as v1 had it follows v2, one it changed, added or removed
# stays so, one v2 drops goes when unchanged, one v2 adds comes.
. "$(dirname "$0")/../lib.sh"
private_mount_ns "the boot partition is a tmpfs mounted in a namespace of its own" "$@"
trap 'unmount_scratch; rm -rf "$SCRATCH"' EXIT
TPM=off
. "$TESTS_DIR/deploy-lib.sh"
echo "root=/dev/vda2 composefs.digest=${D[1]}" > "$dir/cmdline"
check "deploy v1" cf deploy "${D[1]}"
E=$ST/deploy/${D[1]}/etc
mkdir -p "$ST/deploy/${D[1]}" && cp -a "$dir/src1/etc" "$E"
echo local > "$E/changed"
rm "$E/removed"
echo mine > "$E/mine"
check "deploy v2 over a bind /etc" cf deploy "${D[2]}"
N=$ST/deploy/${D[2]}/etc
check "an unchanged file follows the new image" grep -qx v2 "$N/os-release"
check "a changed file stays changed" grep -qx local "$N/changed"
check "a removed file stays removed" test ! -e "$N/removed"
check "a file of the device stays" grep -qx mine "$N/mine"
check "an unchanged file the new image drops goes" test ! -e "$N/gone"
check "the old image's own file, unchanged and not in the new one, goes" test ! -e "$N/new1"
check "a file new in the new image comes, with its mode" sh -c "grep -qx new2 '$N/new2' && test \"\$(stat -c %a '$N/new2')\" = 640"
check "a directory new in the new image comes" grep -qx in "$N/sub2/file"
check "an unchanged link follows the new image" test "$(readlink "$N/link")" = target2
check "the booted deployment's /etc is untouched" grep -qx local "$E/changed"
check "no merge leftovers" test -z "$(find "$N" -name '.merge-*')"
done_testing
