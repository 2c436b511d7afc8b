#!/usr/bin/env bash
# deploy, bless, rollback and gc stopped at each of their mutating steps
# (CFSBOOT_FAULT_AT, docs/update.md), as a power cut there would stop
# them: afterwards the entries still name a bootable default (the old
# one, or the new one complete), cfsboot fsck finds the store clean, and
# running the command again finishes the change.
. "$(dirname "$0")/../lib.sh"
private_mount_ns "the boot partition is a tmpfs mounted in a namespace of its own" "$@"
trap 'unmount_scratch; rm -rf "$SCRATCH"' EXIT
TPM=off
. "$TESTS_DIR/deploy-lib.sh"
boot() { echo "root=/dev/vda2 composefs.digest=${D[$1]}" > "$dir/cmdline"; }
default() { cf status --json 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['default'])"; }
entries_parse() { cf status --json >/dev/null; }

# the base: v4 deployed long ago, v1 deployed, booted and blessed, with state
boot 1
if ! { cf deploy "${D[4]}" && cf deploy "${D[1]}" && cf bless; } >/dev/null; then
	fail "the base state is made"
fi
mkdir -p "$ST/deploy/${D[1]}/etc/upper" && echo myhost > "$ST/deploy/${D[1]}/etc/upper/hostname"
save=$dir/saved
mkdir -p "$save" && cp -a "$B" "$S" "$ST" "$dir/cmdline" "$save/"
restore() {
	rm -rf "${B:?}"/* "$S" "$ST"
	cp -a "$save/boot/." "$B/" && cp -a "$save/store" "$S" && cp -a "$save/state" "$ST" &&
		cp "$save/cmdline" "$dir/cmdline"
}

# crash STEP CMD ARGS...: CMD stops at STEP (exit 99), the entries still
# parse, fsck is clean; sets OLD to the default before it.
crash() {
	local step=$1 rc=0; shift
	OLD=$(default)
	CFSBOOT_FAULT_AT=$step cf "$@" > "$dir/out" 2>&1 || rc=$?
	check "$* stops at $step" test "$rc" -eq 99
	check "$step: the entries parse" entries_parse
	check "$step: fsck is clean" "$CFSBOOT" fsck --store "$S"
}

for step in deploy-kernel deploy-initrd deploy-state deploy-state-rename deploy-entry prune; do
	restore
	crash "$step" deploy "${D[2]}"
	now=$(default)
	if [ "$step" = prune ]; then want=${D[2]}; else want=$OLD; fi
	check "$step: the default is $( [ "$want" = "$OLD" ] && echo still the old one || echo the new one, complete)" test "$now" = "$want"
	if [ "$step" = prune ]; then
		check "$step: deploy again says it is there" sh -c "! '$CFSBOOT' deploy $(printf "'%s' " "${COMMON[@]}") '${D[2]}' 2>/dev/null"
		check "$step: gc finishes the prune's work" cf gc
	else
		check "$step: deploy again completes" cf deploy "${D[2]}"
	fi
	check "$step: v2 is the default afterwards" test "$(default)" = "${D[2]}"
	check "$step: its kernel is whole" cmp "$B/cfsboot/${D[2]}/linux" "$dir/src2/usr/lib/modules/6.1.0-2-amd64/vmlinuz"
	check "$step: its state came from v1's" grep -qx myhost "$ST/deploy/${D[2]}/etc/upper/hostname"
	check "$step: fsck is clean at the end" "$CFSBOOT" fsck --store "$S"
done

# v2 deployed and booted, for bless and rollback
restore
cf deploy "${D[2]}" >/dev/null || fail "deploy v2 for bless"
mkdir -p "$save/v2" && cp -a "$B" "$S" "$ST" "$save/v2/"
boot 2
for step in bless-entry bless-floor prune; do
	rm -rf "${B:?}"/* && cp -a "$save/v2/boot/." "$B/"
	crash "$step" bless --keep 1
	check "$step: the default is v2" test "$(default)" = "${D[2]}"
	check "$step: bless again completes" cf bless --keep 1
	check "$step: v2 is blessed" test -f "$B/loader/entries/cfsboot-${D[2]}.conf"
	check "$step: v1 was pruned" test ! -e "$B/loader/entries/cfsboot-${D[1]}.conf"
done

boot 1
rm -rf "${B:?}"/* && cp -a "$save/v2/boot/." "$B/"
crash rollback-entry rollback
check "rollback-entry: the default is still v2" test "$(default)" = "${D[2]}"
check "rollback-entry: rollback again completes" cf rollback
check "rollback-entry: v1 is the default" test "$(default)" = "${D[1]}"

# gc: v3 and v4 have no entry; v3's own objects go, the shared one stays
own() { local d; d=$(fsverity digest "$dir/src$1/usr/bin/own$1" | cut -d' ' -f1 | cut -d: -f2); echo "$S/objects/${d:0:2}/${d:2}"; }
shared=$(fsverity digest "$dir/shared" | cut -d' ' -f1 | cut -d: -f2)
for step in gc-temporary gc-boot gc-state gc-signature gc-image gc-object gc-image-remove gc-image-object; do
	restore
	rm "$B/loader/entries/cfsboot-${D[4]}"*.conf
	mkdir -p "$ST/deploy/${D[4]}/etc/upper"
	touch "$B/loader/entries/.tmp-0123456789abcdef"
	crash "$step" gc
	check "$step: the default is still v1" test "$(default)" = "${D[1]}"
	check "$step: gc again completes" cf gc
	check "$step: v3's and v4's images are gone" test ! -e "$S/images/${D[3]}" -a ! -e "$S/images/${D[4]}"
	check "$step: so are their signatures" test ! -e "$S/signatures/${D[3]}.sig" -a ! -e "$S/signatures/${D[4]}.sig"
	check "$step: no image is left renamed" test -z "$(find "$S/images" -name '.gc-*')"
	check "$step: v3's and v4's own objects are gone" test ! -e "$(own 3)" -a ! -e "$(own 4)"
	check "$step: the shared object stays" test -f "$S/objects/${shared:0:2}/${shared:2}"
	check "$step: the cut write's temporary file is gone" test ! -e "$B/loader/entries/.tmp-0123456789abcdef"
	check "$step: v4's state is gone, v1's stays" test ! -e "$ST/deploy/${D[4]}" -a -d "$ST/deploy/${D[1]}"
	check "$step: v1's and v2's images stay, fsck clean" "$CFSBOOT" fsck --store "$S"
done
done_testing
