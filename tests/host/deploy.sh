#!/usr/bin/env bash
# cfsboot deploy, status, bless, rollback and gc on a store made by
# mkimage --store and signed by cfsboot sign, with a tmpfs as the boot
# partition (docs/update.md).  The kernel and initramfs copied to it are
# compared with the image's source files byte for byte; the entries are
# read back as plain files.
. "$(dirname "$0")/../lib.sh"
private_mount_ns "the boot partition is a tmpfs mounted in a namespace of its own" "$@"
trap 'unmount_scratch; rm -rf "$SCRATCH"' EXIT
TPM=off
. "$TESTS_DIR/deploy-lib.sh"

# ---- v1 was installed and booted: an entry made by deploy, then blessed ----
check "deploy v1" cf deploy "${D[1]}"
E1=$B/loader/entries/cfsboot-${D[1]}+3.conf
check "the entry carries +3" test -f "$E1"
check "the entry's keys" python3 - "$E1" "${D[1]}" <<'PY'
import sys
e = dict(l.split(' ', 1) for l in open(sys.argv[1]).read().splitlines())
d = sys.argv[2]
assert e['linux'] == f'/cfsboot/{d}/linux' and e['initrd'] == f'/cfsboot/{d}/initrd', e
assert e['options'] == f'composefs.digest={d} quiet rw root=/dev/vda2', e
assert e['sort-key'] == 'cfsboot' and e['version'] == '1', e
assert e['title'].endswith('(security version 10)'), e
PY
check "the kernel is the image's" cmp "$B/cfsboot/${D[1]}/linux" "$dir/src1/usr/lib/modules/6.1.0-1-amd64/vmlinuz"
check "the initramfs is the image's" cmp "$B/cfsboot/${D[1]}/initrd" "$dir/src1/usr/lib/modules/6.1.0-1-amd64/initramfs.img"
check_fails "the same digest twice is refused" 1 "is deployed already" cf deploy "${D[1]}"
# the loader boots it once: +3 -> +2-1
mv "$E1" "$B/loader/entries/cfsboot-${D[1]}+2-1.conf"
check "status: v1 booted, 2 tries left" sh -c "'$CFSBOOT' status $(printf "'%s' " "${COMMON[@]}") | grep -A4 '^${D[1]} booted default' | grep -qx '  tries: 2 left, 1 used'"
# cfs-pivot's status file, when there, must agree with the command line
printf '{"result": "booted", "digest": {"alg": "sha256", "value": "%s"}, "version": 10}' "${D[1]}" > "$dir/status.json"
check "status with a status file that agrees" sh -c "'$CFSBOOT' status $(printf "'%s' " "${COMMON[@]}") --status-file '$dir/status.json' | grep -q '^${D[1]} booted'"
printf '{"result": "booted", "digest": {"alg": "sha256", "value": "%s"}, "version": 20}' "${D[2]}" > "$dir/status.json"
check_fails "a status file that disagrees refuses bless" 1 "which deployment runs is unknown" cf bless --status-file "$dir/status.json"
check "... and nothing was blessed" test -f "$B/loader/entries/cfsboot-${D[1]}+2-1.conf"
check "bless v1" cf bless
check "bless removed the counter" test -f "$B/loader/entries/cfsboot-${D[1]}.conf"

# ---- state carried over: etc/upper of v1 goes to v2, work does not ----
mkdir -p "$ST/deploy/${D[1]}/etc/"{upper/ssh,work/x} "$ST/deploy/${D[1]}/var/lib"
echo myhost > "$ST/deploy/${D[1]}/etc/upper/hostname"
setfattr -n trusted.overlay.opaque -v y "$ST/deploy/${D[1]}/etc/upper/ssh"
mknod "$ST/deploy/${D[1]}/etc/upper/motd" c 0 0
echo data > "$ST/deploy/${D[1]}/var/lib/db"

# ---- deploy v2: the default, v1 the rollback ----
check "deploy v2 --tries 5" cf deploy --tries 5 "${D[2]}"
check "v2's entry carries +5 and version 2" grep -qx "version 2" "$B/loader/entries/cfsboot-${D[2]}+5.conf"
check "the hostname came along" grep -qx myhost "$ST/deploy/${D[2]}/etc/upper/hostname"
check "the whiteout came along" test -c "$ST/deploy/${D[2]}/etc/upper/motd"
check "the opaque xattr came along" sh -c "getfattr --only-values -n trusted.overlay.opaque '$ST/deploy/${D[2]}/etc/upper/ssh' | grep -qx y"
check "var came along" grep -qx data "$ST/deploy/${D[2]}/var/lib/db"
check "the overlay's work directory did not" test ! -e "$ST/deploy/${D[2]}/etc/work"
check "no temporary state left" test ! -e "$ST/deploy/${D[2]}.tmp"
json=$(cf status --json)
check "status --json: booted v1, default and pending v2, rollback v1" python3 -c "
import json, sys
s = json.loads(sys.argv[1])
assert s['booted'] == '${D[1]}' and s['default'] == '${D[2]}' and s['pending'] == '${D[2]}', s
assert s['rollback'] == '${D[1]}' and s['floor'] == 0, s
d = {x['digest']: x for x in s['deployments']}
assert d['${D[2]}']['tries_left'] == 5 and d['${D[2]}']['version'] == 20, d
assert d['${D[1]}']['blessed'] and d['${D[1]}']['signer'] == 'CN=cfsboot image signing', d
" "$json"

# ---- refusals, each before anything is written ----
snapshot() { (cd "$B" && find . -printf '%p %s\n' | sort; cd "$ST" && find . | sort) ; }
before=$(snapshot)
check_fails "v3 below --min-version is refused" 1 "below|floor|rollback" cf deploy --min-version 40 "${D[3]}"
check_fails "an untrusted signer is refused" 1 "trust|chain|anchor" cf deploy --trust "$dir/pki/sig" "${D[3]}"
"$MKPKI" fingerprint "$dir/pki/sig/cert.pem" > "$dir/revoked"
check_fails "a revoked signer is refused" 1 "revoked" cf deploy --revoked "$dir/revoked" "${D[3]}"
obj=$("$CFSBOOT" inspect --objects "$dir/img3.cfs" 2>/dev/null | grep -o '[0-9a-f]\{2\}/[0-9a-f]\{62\}' | head -1)
mv "$S/objects/$obj" "$dir/saved-object"
check_fails "a missing object is refused" 1 "missing|No such file|cannot open" cf deploy "${D[3]}"
mv "$dir/saved-object" "$S/objects/$obj"
mv "$S/signatures/${D[3]}.sig" "$dir/saved-sig"
check_fails "a missing signature is refused" 1 "the signature .*/signatures/${D[3]}\.sig does not exist" cf deploy "${D[3]}"
mv "$dir/saved-sig" "$S/signatures/${D[3]}.sig"
mv "$S/signatures/${D[3]}.sig" "$dir/real.sig" && ln -s "$dir/real.sig" "$S/signatures/${D[3]}.sig"
check_fails "a signature that is a symbolic link is refused, as at boot" 1 "symbolic link" cf deploy "${D[3]}"
rm "$S/signatures/${D[3]}.sig" && mv "$dir/real.sig" "$S/signatures/${D[3]}.sig"
mkdir -p "$dir/small" && mount -t tmpfs -o size=256k tmpfs "$dir/small" && mkdir -p "$dir/small/loader/entries"
check_fails "too little space is refused" 1 "KiB free" cf deploy --boot "$dir/small" "${D[3]}"
check "... and nothing was written there" test -z "$(ls -A "$dir/small/loader/entries")" -a ! -e "$dir/small/cfsboot"
mkdir -p "$dir/notmnt/loader/entries"
check_fails "a boot directory that is no mount point is refused" 1 "not a mount point" cf deploy --boot "$dir/notmnt" "${D[3]}"
mount -o remount,ro "$dir/small"
check_fails "a read-only boot partition is refused" 1 "read-only" cf deploy --boot "$dir/small" "${D[3]}"
exec 9< "$B/loader/entries"; flock -x 9
check_fails "a second deploy while one runs is refused" 1 "is locked" cf deploy "${D[3]}"
exec 9<&-
check "the refusals changed nothing" test "$before" = "$(snapshot)"

# ---- the loader boots v2; bless raises the floor (with a TPM: deploy-tpm.sh) ----
echo "root=/dev/vda2 composefs.digest=${D[2]}" > "$dir/cmdline"
mv "$B/loader/entries/cfsboot-${D[2]}+5.conf" "$B/loader/entries/cfsboot-${D[2]}+4-1.conf"
check "bless v2" cf bless
check "v2 blessed" test -f "$B/loader/entries/cfsboot-${D[2]}.conf"
check "v1 kept as the rollback" test -f "$B/loader/entries/cfsboot-${D[1]}.conf"

# ---- a store an earlier cfsboot signed: images/<d>.sig, moved by deploy ----
# images_only: images/ holds only images (files or links named by a digest)
# and refs/, which is all composefs-rs's gc and fsck and bootc accept there.
images_only() {
	local e
	for e in "$S/images"/* "$S/images"/.[!.]*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		case ${e##*/} in
		refs) [ -d "$e" ] && [ ! -L "$e" ] || return 1 ;;
		*) [[ ${e##*/} =~ ^[0-9a-f]{64}$ ]] && { [ -f "$e" ] || [ -L "$e" ]; } || return 1 ;;
		esac
	done
}
for v in 2 3 4; do mv "$S/signatures/${D[$v]}.sig" "$S/images/${D[$v]}.sig"; done
check "status verifies v2's legacy images/<d>.sig" python3 -c "
import json, sys
d = {x['digest']: x for x in json.loads(sys.argv[1])['deployments']}
assert d['${D[2]}']['verified'] and d['${D[2]}']['signer'], d
" "$(cf status --json)"
# ---- v3 never reaches bless: the loader counts it down to bad ----
out=$(cf deploy "${D[3]}" 2>&1) && ok "deploy v3, signed in the legacy place" ||
	fail "deploy v3, signed in the legacy place: $out"
check "... said it moved the three legacy signatures" grep -q "moved 3 signatures from images/ to signatures/" <<< "$out"
check "... which are in signatures/ now" test -f "$S/signatures/${D[2]}.sig" -a -f "$S/signatures/${D[3]}.sig" \
	-a -f "$S/signatures/${D[4]}.sig" -a -z "$(find "$S/images" -name '*.sig')"
check "... and images/ holds only images" images_only
check "--keep 2: v1's entry went" test ! -e "$B/loader/entries/cfsboot-${D[1]}.conf"
mv "$B/loader/entries/cfsboot-${D[3]}+3.conf" "$B/loader/entries/cfsboot-${D[3]}+0-3.conf"
json=$(cf status --json)
check "status: v3 bad, v2 booted and default" python3 -c "
import json, sys
s = json.loads(sys.argv[1])
d = {x['digest']: x for x in s['deployments']}
assert d['${D[3]}']['bad'] and d['${D[3]}']['tries_done'] == 3, d
assert s['default'] == '${D[2]}' and s['booted'] == '${D[2]}' and s['pending'] is None, s
" "$json"
check "status text says bad" sh -c "'$CFSBOOT' status $(printf "'%s' " "${COMMON[@]}") | grep -qx '  tries: bad (3 failed)'"

# ---- gc: v1 and v4 go (no entry), v3's entry stays so v3 stays ----
rm "$B/loader/entries/cfsboot-${D[3]}+0-3.conf"
touch "$B/loader/entries/.tmp-0123456789abcdef" "$B/cfsboot/${D[2]}/.tmp-0123456789abcdef"
out=$(cf gc --dry-run)
check "gc --dry-run names v1, v3 and v4" sh -c "echo '$out' | grep -q 'would remove 3 images'"
check "... and removes nothing" test -f "$S/images/${D[1]}" -a -d "$B/cfsboot/${D[1]}"
# Legacy signatures for gc to move: v2's (kept) and v1's (removed); a
# signature of no image, and v4's a link out of the store.
mv "$S/signatures/${D[2]}.sig" "$S/images/${D[2]}.sig"
mv "$S/signatures/${D[1]}.sig" "$S/images/${D[1]}.sig"
orphan=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
cp "$S/images/${D[2]}.sig" "$S/signatures/$orphan.sig"
mv "$S/signatures/${D[4]}.sig" "$dir/outside.sig" && ln -s "$dir/outside.sig" "$S/signatures/${D[4]}.sig"
out=$(cf gc 2>&1) && ok "gc" || fail "gc: $out"
check "gc moved the legacy signatures first" grep -q "moved 2 signatures from images/ to signatures/" <<< "$out"
for v in 1 3 4; do
	check "gc removed image v$v and its signature" test ! -e "$S/images/${D[$v]}" -a ! -e "$S/signatures/${D[$v]}.sig" \
		-a ! -L "$S/signatures/${D[$v]}.sig"
done
check "gc kept v2's signature, moved to signatures/" test -f "$S/signatures/${D[2]}.sig" -a ! -e "$S/images/${D[2]}.sig"
check "gc removed the signature of no image" test ! -e "$S/signatures/$orphan.sig"
check "gc removed the link, not what it named" test -f "$dir/outside.sig"
check "after gc images/ holds only images" images_only
check "after gc signatures/ holds v2's alone" test "$(ls -A "$S/signatures")" = "${D[2]}.sig"
check "gc removed v1's and v3's boot files and state" test ! -e "$B/cfsboot/${D[1]}" -a ! -e "$B/cfsboot/${D[3]}" -a ! -e "$ST/deploy/${D[1]}"
check "gc removed what a cut write leaves" test ! -e "$B/loader/entries/.tmp-0123456789abcdef" -a ! -e "$B/cfsboot/${D[2]}/.tmp-0123456789abcdef"
check "gc kept v2" test -f "$S/images/${D[2]}" -a -f "$B/cfsboot/${D[2]}/linux" -a -d "$ST/deploy/${D[2]}"
own3=$(fsverity digest "$dir/src3/usr/bin/own3" | cut -d' ' -f1 | cut -d: -f2)
shared=$(fsverity digest "$dir/shared" | cut -d' ' -f1 | cut -d: -f2)
check "gc removed v3's own objects" test ! -e "$S/objects/${own3:0:2}/${own3:2}"
check "gc removed v3's image, the object its link named" test ! -e "$S/objects/${D[3]:0:2}/${D[3]:2}"
check "gc kept v2's image object" test -f "$S/objects/${D[2]:0:2}/${D[2]:2}"
check "gc kept the object v2 shares" test -f "$S/objects/${shared:0:2}/${shared:2}"
check "fsck is clean after gc" "$CFSBOOT" fsck --store "$S"
# mkimage --store keeps an image as an object, images/<digest> its link.
own_image=$(test -L "$S/images/${D[2]}" && echo 1 || echo 0)
check "the store has v2's objects only" test "$(find "$S/objects" -type f | wc -l)" -eq "$(($("$CFSBOOT" inspect --objects "$dir/img2.cfs" 2>/dev/null | grep -c '[0-9a-f]\{2\}/[0-9a-f]\{62\}') + own_image))"

# ---- a ref of composefs-rs (images/refs/..., a link to images/<digest>)
# keeps its image, as composefs-rs's own gc keeps it; without the ref, gc
# removes the image.  A ref deeper than gc walks is refused, removing nothing.
"$CFSBOOT" mkimage --store "$S" "$dir/src3" "$dir/img3.cfs" >/dev/null
mkdir -p "$S/images/refs/system/app" && ln -s "../../../${D[3]}" "$S/images/refs/system/app/v3"
check "gc keeps an image a ref names, without an entry" cf gc
check "... the image and its own objects" test -L "$S/images/${D[3]}" -a -f "$S/objects/${own3:0:2}/${own3:2}"
check "fsck is clean with refs in images/" "$CFSBOOT" fsck --store "$S"
mkdir -p "$S/images/refs/a/b/c/d/e/f/g/h"
check_fails "refs more than 8 directories deep are refused" 1 "refs more than 8 directories deep; nothing was removed" cf gc
check "... and nothing was removed" test -L "$S/images/${D[3]}"
rm -r "$S/images/refs"
check "without the ref, gc removes the image" cf gc
check "... and its own objects" test ! -e "$S/images/${D[3]}" -a ! -e "$S/objects/${own3:0:2}/${own3:2}"

# ---- rollback ----
check_fails "rollback with a single deployment is refused" 1 "no deployment to roll back to" cf rollback
check "redeploy v1 after gc is refused: the image is gone" sh -c "! '$CFSBOOT' deploy $(printf "'%s' " "${COMMON[@]}") '${D[1]}' 2>/dev/null"
"$CFSBOOT" mkimage --store "$S" "$dir/src1" "$dir/img1.cfs" >/dev/null
"$CFSBOOT" sign --key "$dir/pki/sig/key.pem" --cert "$dir/pki/sig/cert.pem" --version 10 --store "$S" --digest "sha256:${D[1]}" >/dev/null
check "deploy v1 again" cf deploy "${D[1]}"
check_fails "rollback to v2 below the floor is refused" 1 "refusing to roll back" cf rollback --min-version 30
check "... in one line" test "$(cf rollback --min-version 30 2>&1 | wc -l)" -eq 1
check "... changing nothing: v1 stays the default" sh -c "'$CFSBOOT' status --json $(printf "'%s' " "${COMMON[@]}") | grep -q '\"default\": \"${D[1]}\"'"
check "rollback makes v2 the default" cf rollback
check "v2 is the default" sh -c "'$CFSBOOT' status --json $(printf "'%s' " "${COMMON[@]}") | grep -q '\"default\": \"${D[2]}\"'"
check "its entry's version is now the highest" grep -qx "version 4" "$B/loader/entries/cfsboot-${D[2]}.conf"

# the unit that runs bless, as make install writes it
if command -v systemd-analyze >/dev/null; then
	sed "s|@BINDIR@|$BUILD|" "$REPO/units/cfsboot-bless.service" > "$dir/cfsboot-bless.service"
	check "systemd-analyze verifies cfsboot-bless.service" systemd-analyze verify --man=no "$dir/cfsboot-bless.service"
else
	skip "systemd-analyze is not installed"
fi
for c in deploy status bless rollback gc; do
	check "$c --help" sh -c "'$CFSBOOT' $c --help | grep -q '^Usage: cfsboot $c'"
done
done_testing
