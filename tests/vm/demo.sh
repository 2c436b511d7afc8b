#!/usr/bin/env bash
# make demo: a signed, measured composefs root, booted in qemu by cfs-pivot
# as PID 1 of the minimal initramfs, with a software TPM.  docs/demo.md
# says what each step does and what the output means.
#
# Everything it makes is in build/demo/ (remade at each run; the private
# keys there are the demo's own and are never committed).  The serial log
# of the boot is kept as build/demo/serial.log.
set -u
cd "$(dirname "$0")/../.." || exit 1

say() { printf '%s\n' "$*"; }
die() {
	say "demo: FAILED: $*" >&2
	exit 1
}

t0=$SECONDS
SECVER=3
rm -rf build/demo
mkdir -p build/demo || die "cannot create build/demo"

# ---- what the machine needs: Debian packages, the static archives
# (make deps, through make all), the programs
scripts/install-deps.sh || die "installing the packages failed (run as root)"
make -j"$(nproc)" all > build/demo/make.log 2>&1 ||
	{ tail -n 20 build/demo/make.log >&2; die "make all failed; see build/demo/make.log"; }

. tests/vm/lib.sh
DEMO=$REPO/build/demo

say "== cfsboot demo: a signed, measured composefs root booted by cfs-pivot as PID 1"
say

vm_kernel > /dev/null || die "cannot fetch or find Debian's 6.12 kernel"
say "kernel:     $VM_KVER (Debian package $VM_KERNEL_VERSION, cached in build/vm/kernel/)"

# ---- a PKI: root CA (the trust anchor), intermediate CA, image signer
pki=$DEMO/pki
{
	keys/mkpki.sh root "$pki/root" --subject "/CN=cfsboot demo root CA" &&
	keys/mkpki.sh intermediate "$pki/int" --ca "$pki/root" --subject "/CN=cfsboot demo intermediate CA" &&
	keys/mkpki.sh signer "$pki/signer" --ca "$pki/int" --subject "/O=cfsboot demo/CN=demo OS release signer"
} > "$DEMO/pki.log" 2>&1 || { cat "$DEMO/pki.log" >&2; die "keys/mkpki.sh failed"; }
fingerprint=$(keys/mkpki.sh fingerprint "$pki/signer/cert.pem") || die "no fingerprint of the signer"
say "PKI:        root CA -> intermediate CA -> signer, in build/demo/pki/ (ECDSA P-256)"

# ---- the OS, its image in the store, the signature
os=$DEMO/os
vm_os_tree "$os" || die "cannot assemble the OS tree"
printf 'hello from a verified root\n%s\n' "$(head -c 3000 /dev/zero | tr '\0' '.')" > "$os/usr/share/payload/hello.txt"
disk=$DEMO/disk
mkdir -p "$disk"
digest=$("$CFSBOOT" mkimage --store "$disk/composefs" --print-digest "$os" "$DEMO/image.cfs" 2> "$DEMO/mkimage.log") ||
	die "cfsboot mkimage failed"
objects=$(find "$disk/composefs/objects" -type f | wc -l)
"$CFSBOOT" sign --key "$pki/signer/key.pem" --cert "$pki/signer/cert.pem" --chain "$pki/signer/chain.pem" \
	--version "$SECVER" --store "$disk/composefs" "$DEMO/image.cfs" > "$DEMO/sign.log" 2>&1 ||
	{ cat "$DEMO/sign.log" >&2; die "cfsboot sign failed"; }
say "image:      sha256:$digest ($objects objects), signed with security version $SECVER"

# ---- the disk: ext4 with fs-verity, enabled on the store by a first boot
vm_ext4 "$disk" "$DEMO/disk.img" 64 -L demo-root || die "cannot make the disk"
uuid=$(blkid -s UUID -o value "$DEMO/disk.img") || die "the disk has no UUID"
vm_verity_disks "$DEMO/disk.img" > "$DEMO/provision.log" ||
	{ cat "$DEMO/provision.log" >&2; die "the provisioning boot could not enable fs-verity"; }
say "disk:       ext4 -O verity, UUID $uuid; fs-verity enabled on the image and every object"
say "            (by a provisioning boot: $(vm_marker provision vda))"

# ---- the TPM: its anti-rollback floor, as a good boot of version 3 left it
vm_swtpm_commit "$DEMO/tpm" "$SECVER" || die "cannot set the TPM's anti-rollback floor"
say "TPM:        swtpm (TPM 2.0); cfsboot tpm commit-version set its anti-rollback floor: $(tail -n 1 "$DEMO/tpm/commit.out" | sed 's/^anti-rollback floor: //')"

# ---- the minimal initramfs
cat > "$DEMO/pivot.conf" <<EOF
# The demo device's policy (docs/policy.md): the secure defaults
# (verity = require, signature = required), a TPM that must take the
# measurement and keep the anti-rollback floor, and no image below
# version 1.  /etc is the image's, keeping hostname from
# the disk, and /var is kept there, under state/deploy/<digest>/
# (etc = transient, etc-keep, var = bind: the defaults).
tpm = required
min-version = 1
EOF
initramfs/mkinitramfs.sh -o "$DEMO/initramfs.img" -k "$VM_KVER" -b "$VM_MODROOT" \
	--policy "$DEMO/pivot.conf" --trust "$pki/root/cert.pem" -m virtio_blk > "$DEMO/mkinitramfs.log" 2>&1 ||
	{ cat "$DEMO/mkinitramfs.log" >&2; die "initramfs/mkinitramfs.sh failed"; }
say "initramfs:  build/demo/initramfs.img, $(stat -c %s "$DEMO/initramfs.img") bytes:" \
	"/init = cfs-pivot, $(sed -n 's/^modules: \([^;]*\);.*/\1/p' "$DEMO/mkinitramfs.log")"

# ---- the boot
append="root=UUID=$uuid ro composefs.digest=$digest"
say
say "booting:    qemu (TCG) + swtpm, kernel command line: $append"
vm_boot_until boot 'reboot: System halted' --initrd "$DEMO/initramfs.img" --disk "$DEMO/disk.img" \
	--tpm "$DEMO/tpm" --append "$append" --timeout 240 > "$DEMO/boot.log"
rc=$?
tr -d '\r' < "$(vm_log boot)" > "$DEMO/serial.log"
if [ "$rc" -eq 3 ]; then
	die "cfs-pivot refused the boot: $(vm_refusal_line boot) (serial log: build/demo/serial.log)"
elif [ "$rc" -ne 0 ]; then
	die "the guest did not boot and power off (serial log: build/demo/serial.log)"
fi
[ "$(vm_marker boot real_init)" = ran ] ||
	die "the image's /sbin/init did not run (serial log: build/demo/serial.log)"
say "            the image's /sbin/init ran as PID $(vm_marker boot init_pid)," \
	"$(vm_marker boot init_uptime) s after the kernel started; the guest powered off" \
	"after ${VM_BOOT_SECONDS} s"

# ---- what the guest saw
vm_marker_file boot status "$DEMO/status.json" || die "the guest printed no /run/cfsboot/status.json"
vm_marker_file boot tpmlog "$DEMO/tpm2-measure.log" || true
vm_marker_file boot replay "$DEMO/replay.out" || true
vm_status_fields "$DEMO/status.json" > "$DEMO/status.fields" || die "status.json is not JSON"
f() { vm_field "$DEMO/status.fields" "$1"; }

problems=0
# row LABEL OK TEXT: one line of the summary; OK = 0 when as expected.
row() {
	local mark='   '
	[ "$2" -eq 0 ] || { mark='!! '; problems=$((problems + 1)); }
	printf '%s%-13s %s\n' "$mark" "$1" "$3"
}
is() { [ "$1" = "$2" ]; echo $?; }

say
say "== what cfs-pivot verified and measured (status.json, the guest's PCRs and log)"
row result "$(is "$(f result)" booted)" "$(f result)"
row image "$(is "$(f digest.value)" "$digest")" "$(f digest.alg):$(f digest.value) (kernel-measured fs-verity digest of images/<digest>)"
row signer "$(is "$(f fingerprint)" "$fingerprint")" "$(f signer)"
row fingerprint "$(is "$(f fingerprint)" "$fingerprint")" "$(f fingerprint)"
row version "$(is "$(f version)" "$SECVER")" "$(f version) (floor: policy min-version 1, TPM $(f tpm.floor))"
row "verity mode" "$(is "$(f verity)" require)" "$(f verity): $(f kernel_paths)"
fstype=$(vm_marker boot root_fstype)
root_verity=$(vm_marker boot root_options | grep -o 'verity=[a-z]*')
row "/ is" "$(is "$fstype $root_verity" "overlay verity=require")" \
	"$fstype ($(vm_marker boot root_mount)), ${root_verity:-no verity= option} (/proc/self/mountinfo in the guest)"
row "OS" 0 "$(vm_marker boot os)"
expected=$(vm_expected_pcr "$digest" "${fingerprint#spki:}" "$SECVER" require)
pcr=$(vm_marker boot pcr15_sha256)
row "PCR 15" "$(is "$pcr" "$expected")" "sha256 ${pcr:-(not read)} (read in the guest from sysfs)"
row "  expected" "$(is "$pcr" "$expected")" "sha256 $expected (from the four measured words, host-side)"
row "  status" "$(is "$(f tpm.bank.sha256)" "$expected")" "tpm.present=$(f tpm.present) pcr=$(f tpm.pcr) logged=$(f tpm.logged)"
if [ -s "$DEMO/tpm2-measure.log" ]; then
	python3 - "$DEMO/tpm2-measure.log" <<-'PY'
	import json, sys
	for rec in open(sys.argv[1], "rb").read().split(b"\x1e"):
	    if rec.strip():
	        r = json.loads(rec)
	        print(f"   log record   PCR {r['pcr']}: {r['content']['string']}")
	PY
else
	row "log" 1 "the guest has no measurement log"
fi
row replay "$(is "$(vm_marker boot replay_exit)" 0)" \
	"cfsboot tpm replay --pcr 15, in the guest: exit $(vm_marker boot replay_exit)"
[ ! -s "$DEMO/replay.out" ] || sed 's/^/                 /' "$DEMO/replay.out"
say
say "cfs-pivot's phases: $(awk -F= '/^phase\./ { sub(/^phase\./, "", $1); printf "%s%s %.0f ms", n++ ? ", " : "", $1, $2 / 1000; t += $2 }
	END { printf "; %.0f ms in all", t / 1000 }' "$DEMO/status.fields")"
kept=''
for f in serial.log status.json tpm2-measure.log initramfs.img disk.img pki/; do
	[ -e "$DEMO/$f" ] && kept="$kept $f"
done
say "kept in build/demo/:$kept"
say "demo: $((SECONDS - t0)) s"
if [ "$problems" -gt 0 ]; then
	die "$problems of the lines above (marked !!) are not what a verified, measured boot gives"
fi
say "demo: OK: the image booted only after its digest, signature, version and verity were proved, and its identity is in PCR 15"
