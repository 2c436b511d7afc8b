# Debian trees and dracut for the VM tests (sourced by tests/vm/lib.sh):
# vm_debootstrap (a cached minbase tree), vm_dracut (this machine's dracut
# with this repository's module, for the cached kernel) and vm_dracut_tree
# (the minimal system the dracut tests boot).

# vm_debootstrap DIR [PACKAGES]: a Debian tree of this machine's release,
# `debootstrap --variant=minbase` plus PACKAGES (comma-separated) and what
# they depend on, from the machine's own archive (read from its apt
# configuration now, as the kernel fetch does).  Made once: DIR.complete
# marks a finished tree and holds PACKAGES; later calls with the same
# PACKAGES return at once, others make the tree anew.
vm_debootstrap() {
	local dir=$1 include=${2:-} lock rc=0
	_vm_debootstrapped "$dir" "$include" && return 0
	mkdir -p "$(dirname "$dir")" || return 1
	exec {lock}> "$dir.lock"
	flock -w 1800 "$lock" || { exec {lock}>&-; vm_die "timed out waiting for another debootstrap"; return 1; }
	_vm_debootstrapped "$dir" "$include" || _vm_debootstrap "$dir" "$include" || rc=1
	exec {lock}>&-
	return $rc
}

_vm_debootstrapped() {
	[ -d "$1" ] && [ -f "$1.complete" ] && [ "$(cat "$1.complete")" = "include=$2" ]
}

_vm_debootstrap() {
	local dir=$1 include=$2 uri key codename tmp=$1.tmp
	read -r uri key < <(_vm_apt_source) ||
		{ vm_die "no Debian archive found in /etc/apt/sources.list{,.d}"; return 1; }
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	rm -rf "$tmp" "$dir" "$dir.complete"
	echo "# vm: debootstrap --variant=minbase${include:+ --include=$include} $codename into ${dir#"$REPO"/} (once)" >&2
	if ! debootstrap --variant=minbase ${include:+--include="$include"} ${key:+--keyring="$key"} \
		"$codename" "$tmp" "$uri" > "$tmp.log" 2>&1; then
		tail -n 5 "$tmp.log" | sed 's/^/# /' >&2
		rm -rf "$tmp"
		vm_die "debootstrap failed; its log: ${tmp#"$REPO"/}.log"
		return 1
	fi
	mv "$tmp" "$dir" && rm -f "$tmp.log" && echo "include=$include" > "$dir.complete"
}

# vm_dracut OUT [DRACUT OPTIONS...]: an initramfs made by this machine's
# dracut for the cached kernel (--kver, --kmoddir), generic
# (--no-hostonly) and uncompressed (the emulated guest would spend seconds
# decompressing it).  dracut reads its modules from a private base
# directory: links to the machine's /usr/lib/dracut, with the modules of
# this repository's dracut-module/ added, so nothing is installed on the
# machine; and it reads none of the machine's dracut.conf files.  dracut's
# output goes to OUT.log.
vm_dracut() {
	local out=$1 base=$SCRATCH/dracut-base f
	shift
	command -v dracut > /dev/null || { vm_die "dracut not found (package dracut-core)"; return 1; }
	[ -n "${VM_MODROOT:-}" ] || vm_kernel > /dev/null || return 1
	if [ ! -d "$base" ]; then
		mkdir -p "$base/modules.d" "$SCRATCH/dracut.conf.d" || return 1
		for f in /usr/lib/dracut/*; do
			[ "${f##*/}" = modules.d ] || ln -s "$f" "$base/" || return 1
		done
		for f in /usr/lib/dracut/modules.d/* "$REPO"/dracut-module/[0-9][0-9]*; do
			[ -d "$f" ] && { ln -sfn "$f" "$base/modules.d/" || return 1; }
		done
	fi
	if ! dracutbasedir=$base dracut --force --conf /dev/null --confdir "$SCRATCH/dracut.conf.d" \
		--tmpdir "$SCRATCH" --kver "$VM_KVER" --kmoddir "$VM_MODROOT/lib/modules/$VM_KVER" \
		--no-hostonly --no-compress "$@" "$out" > "$out.log" 2>&1; then
		tail -n 15 "$out.log" | sed 's/^/# dracut: /'
		vm_die "dracut failed to make $out"
		return 1
	fi
}

# vm_dracut_tree DIR: the minimal system the dracut tests boot: static
# busybox, /sbin/init (tests/vm/guest/dracut/init) reporting what it sees
# (report.sh) and powering off, /etc/os-release (systemd switches root
# only into a tree that has one), and the directories cfs-pivot and
# switch_root mount on.  As a plain root it also passes dracut's check for
# /proc, /sys and /dev.
vm_dracut_tree() {
	local dir=$1
	vm_busybox_root "$dir" || return 1
	rm -rf "$dir/init" "$dir/tests" "$dir/lib/modules"
	mkdir -p "$dir"/{sbin,etc,var,sysroot,usr/lib/cfstest} &&
		install -m 755 "$VM_GUEST_SRC/dracut/init" "$dir/sbin/init" &&
		install -m 755 "$VM_GUEST_SRC/dracut/report.sh" "$dir/usr/lib/cfstest/report.sh" &&
		install -m 755 "$VM_GUEST_SRC/klog-times.sh" "$dir/usr/lib/cfstest/klog-times.sh" &&
		printf 'ID=cfstest\nNAME="cfsboot test image"\n' > "$dir/etc/os-release"
}
