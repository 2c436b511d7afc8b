#!/usr/bin/env bash
# Benchmark: how long each dracut boot path takes to reach the real init
# through cfs-pivot (dracut-module/90cfsboot), in qemu under TCG with the VM
# tier's 6.12 kernel: the systemd initrd and the initrd without systemd,
# each booting the minimal test system (vm_dracut_tree) as a signed
# composefs image on an ext4 store with fs-verity.
#
# Baseline, same run, same initramfs: the same tree as a plain ext4 root,
# without composefs.digest= (the unit is skipped, the hook has nothing to
# do).  Prints, for each path, the guest's uptime when the real init
# started (kernel start to init, the guest's clock) and the host's wall time
# from starting qemu to the guest's power-off, the best of RUNS boots
# (default 3), cfs-pivot's own time (the sum of its phases in the status
# file), and the ratios against the baseline.  Under TCG every number is
# many times what hardware takes, and a loaded machine stretches them
# further: read the ratios.
#   RUNS=3  CFS_VM_TIMEOUT=300
set -u
. "$(dirname "$0")/../tests/vm/lib.sh"
RUNS=${RUNS:-3}
dir=$(scratch)
bench_die() { echo "bench: $*" >&2; exit 1; }

vm_kernel > /dev/null || bench_die "no guest kernel"
[ -x "$CFS_PIVOT" ] && [ -x "$CFSBOOT" ] || bench_die "build $CFS_PIVOT and $CFSBOOT first (make)"

# The tree, as a plain root and as a signed image in a store on the root.
vm_dracut_tree "$dir/tree" || bench_die "cannot assemble the tree"
vm_ext4 "$dir/tree" "$dir/plain.img" 64 || exit 1
mkdir -p "$dir/store"/{proc,sys,dev}
D=$("$CFSBOOT" mkimage --store "$dir/store/composefs" --print-digest "$dir/tree" "$dir/tree.cfs" \
	2> /dev/null) || bench_die "mkimage failed"
pki=$dir/pki
{ "$REPO/keys/mkpki.sh" root "$pki/root" && "$REPO/keys/mkpki.sh" signer "$pki/sig" --ca "$pki/root" &&
	"$CFSBOOT" sign --key "$pki/sig/key.pem" --cert "$pki/sig/cert.pem" --store "$dir/store/composefs" \
		"$dir/tree.cfs"; } > /dev/null || bench_die "cannot sign the image"
vm_ext4 "$dir/store" "$dir/store.img" 64 || exit 1
vm_verity_disks "$dir/store.img" > /dev/null || bench_die "enabling fs-verity on the store failed"

mkdir -p "$dir/etc-cfsboot/trust.d"
cp "$pki/root/cert.pem" "$dir/etc-cfsboot/trust.d/"
# The baseline boots the plain root with no image named: the policy must
# allow that (with a trust anchor, image = required is the default).
printf 'image = optional\n' > "$dir/etc-cfsboot/pivot.conf"
export cfsboot_pivot=$CFS_PIVOT cfsboot_confdir=$dir/etc-cfsboot
vm_dracut "$dir/initrd-systemd" -m "systemd-initrd dracut-systemd rootfs-block cfsboot" \
	--drivers "virtio_blk ext4" > /dev/null &&
	vm_dracut "$dir/initrd-plain" -m "rootfs-block cfsboot" -o "systemd systemd-initrd dracut-systemd" \
		--drivers "virtio_blk ext4" > /dev/null || bench_die "dracut failed"
echo "initramfs: systemd $(($(stat -c %s "$dir/initrd-systemd") / 1048576)) MiB," \
	"without systemd $(($(stat -c %s "$dir/initrd-plain") / 1048576)) MiB (uncompressed)"

# boot_once NAME INITRD DISK CMDLINE: one boot on a fresh copy of DISK;
# prints "init-uptime wall-seconds cfs-pivot-usec phase:usec...".
boot_once() {
	local name=$1 initrd=$2 disk=$3 cmdline=$4 up
	vm_cow "$disk" "$dir/$name.qcow2" || return 1
	vm_boot "$name" --initrd "$initrd" --disk "$dir/$name.qcow2" --tpm "$dir/tpm" \
		--timeout "${CFS_VM_TIMEOUT:-300}" --append "root=/dev/vda rootfstype=ext4 rw $cmdline" \
		> /dev/null || { echo "bench: boot $name failed" >&2; return 1; }
	up=$(vm_marker "$name" uptime)
	[ -n "$up" ] || { echo "bench: boot $name did not reach init" >&2; return 1; }
	echo "$up $VM_BOOT_SECONDS $(vm_marker "$name" status.usec) $(vm_marker "$name" status.phases)"
}

# better A B: the result with the earlier init.
better() {
	if [ -z "$1" ] || [ "$(echo "${2%% *} < ${1%% *}" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi
}

ratio() { echo "scale=3; $1 / $2" | bc -l; }
for kind in systemd plain; do
	# Baseline and composefs boots alternate, so that a change in the
	# machine's load falls on both alike.
	base='' cfs=''
	for _ in $(seq "$RUNS"); do
		r=$(boot_once "$kind-ext4" "$dir/initrd-$kind" "$dir/plain.img" "") || exit 1
		base=$(better "$base" "$r")
		r=$(boot_once "$kind-composefs" "$dir/initrd-$kind" "$dir/store.img" "composefs.digest=$D") ||
			exit 1
		cfs=$(better "$cfs" "$r")
	done
	read -r bu bw _ <<< "$base"
	read -r cu cw cp phases <<< "$cfs"
	label=$([ "$kind" = systemd ] && echo "systemd initrd" || echo "initrd without systemd")
	echo "$label (best of $RUNS):"
	echo "  plain ext4 root:     init at ${bu} s, power-off after ${bw} s"
	echo "  composefs, verified: init at ${cu} s, power-off after ${cw} s;" \
		"cfs-pivot $((cp / 1000)) ms"
	echo "  ratio to init $(ratio "$cu" "$bu"), wall $(ratio "$cw" "$bw");" \
		"cfs-pivot is $(echo "scale=1; $cp / 10000 / $cu" | bc -l) % of the time to init"
	echo "  cfs-pivot's phases (ms): $(for p in $phases; do
		printf '%s %s  ' "${p%:*}" "$(echo "scale=1; ${p#*:} / 1000" | bc -l)"; done)"
done
