# Shared helpers for the VM tests: Debian's kernel, busybox initramfs images,
# ext4 disks with fs-verity, swtpm, and qemu boots under TCG.
#
# A test sources this file, builds an initramfs whose /tests/NAME.sh does
# the work in the guest, boots it with `vm_boot`, and checks the marker
# lines the guest printed on its serial console ("CFSTEST: key=value").
# Nothing here needs KVM: the machine's KVM fails while the guest kernel
# decompresses, so every boot is emulated (TCG).
#
# Cached between runs under build/vm/ (see docs/testing.md, "VM tier"):
#   kernel/<package>/   the extracted kernel package, with modules.dep
#   logs/               serial logs of boots whose checks failed (of every
#                       boot with CFS_VM_KEEP_LOGS=1)

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

VM_DIR=${CFS_VM_DIR:-$REPO/build/vm}
VM_GUEST_SRC=$REPO/tests/vm/guest
VM_TIMEOUT=${CFS_VM_TIMEOUT:-120}
VM_TEST=$(basename "$0" .sh)

# Children that must not outlive the test: qemu (through timeout) and swtpm.
VM_QEMU_PID=
VM_SWTPM_PID=
vm_cleanup() {
	[ -n "$VM_QEMU_PID" ] && kill "$VM_QEMU_PID" 2>/dev/null
	[ -n "$VM_SWTPM_PID" ] && kill "$VM_SWTPM_PID" 2>/dev/null
	VM_QEMU_PID='' VM_SWTPM_PID=''
}
# tests/lib.sh removes the scratch directory on exit; do both.  A signal
# ends the script through `exit`, so the EXIT trap runs then too.
trap 'vm_cleanup; rm -rf "$SCRATCH"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

vm_die() {
	echo "vm: $*" >&2
	return 1
}

# ---------------------------------------------------------------- kernel

# _vm_apt_source: prints "URI KEYRING" of the machine's main Debian archive
# (the first entry that is not the security archive), read from its apt
# configuration now, so that no host name is written into this repository.
# KEYRING is empty when the entry names none.
_vm_apt_source() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# deb822: stanzas separated by blank lines.
		awk 'BEGIN { RS = ""; FS = "\n" }
		{
			uri = ""; key = ""; suites = ""
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^URIs:/)      { split($i, a, /[ \t]+/); uri = a[2] }
				if ($i ~ /^Suites:/)    suites = $i
				if ($i ~ /^Signed-By:/) { split($i, a, /[ \t]+/); key = a[2] }
			}
			if (uri != "" && suites !~ /-security/) { print uri, key; exit }
		}' "$f"
	done | head -n 1 | grep . && return 0
	# One-line format: deb [options] URI SUITE COMPONENTS...
	awk '$1 == "deb" && $0 !~ /-security/ {
		key = ""
		for (i = 2; i <= NF; i++) {
			if ($i ~ /^\[/ || opt) {
				opt = ($i !~ /\]$/)
				if (match($i, /signed-by=[^] ]*/))
					key = substr($i, RSTART + 10, RLENGTH - 10)
				continue
			}
			print $i, key; exit
		}
	}' /etc/apt/sources.list 2>/dev/null | grep .
}

# _vm_fetch_kernel DEST: downloads Debian's 6.12 kernel from
# <codename>-backports with a private apt configuration (the machine's apt
# sources stay untouched; signatures are checked as usual), extracts it
# into DEST and generates modules.dep.  CFS_VM_KERNEL_PKG names another
# package; the default is what linux-image-amd64 depends on there.
_vm_fetch_kernel() {
	local dest=$1 uri key codename tmp opts pkg deb kver
	read -r uri key < <(_vm_apt_source) ||
		{ vm_die "no Debian archive found in /etc/apt/sources.list{,.d}"; return 1; }
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	[ -n "$codename" ] || { vm_die "no VERSION_CODENAME in /etc/os-release"; return 1; }
	tmp=$(mktemp -d "$VM_DIR/.fetch.XXXXXX") || return 1
	mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/deb"
	# apt drops privileges to _apt for downloading; let it write here.
	chmod 755 "$tmp"
	id _apt >/dev/null 2>&1 && chown _apt "$tmp/lists/partial" "$tmp/deb"
	echo "deb ${key:+[signed-by=$key] }$uri $codename-backports main" > "$tmp/sources.list"
	opts=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null
	      -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache" -q)
	echo "# vm: fetching the kernel from $codename-backports" >&2
	if ! apt-get "${opts[@]}" update > "$tmp/apt.log" 2>&1; then
		sed 's/^/# /' "$tmp/apt.log" >&2
		rm -rf "$tmp"
		vm_die "apt-get update of $codename-backports failed"
		return 1
	fi
	pkg=${CFS_VM_KERNEL_PKG:-$(apt-cache "${opts[@]}" depends linux-image-amd64 |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.12/ { print $2; exit }')}
	if [ -z "$pkg" ]; then
		rm -rf "$tmp"
		vm_die "no linux-image-6.12 package in $codename-backports"
		return 1
	fi
	if ! (cd "$tmp/deb" && apt-get "${opts[@]}" download "$pkg") >> "$tmp/apt.log" 2>&1; then
		sed 's/^/# /' "$tmp/apt.log" >&2
		rm -rf "$tmp"
		vm_die "apt-get download $pkg failed"
		return 1
	fi
	deb=$(echo "$tmp"/deb/*.deb)
	mkdir "$tmp/root"
	if ! dpkg-deb -x "$deb" "$tmp/root"; then
		rm -rf "$tmp"
		vm_die "cannot extract $deb"
		return 1
	fi
	kver=$(basename "$(echo "$tmp"/root/lib/modules/*)")
	if [ ! -f "$tmp/root/boot/vmlinuz-$kver" ] || [ ! -f "$tmp/root/lib/modules/$kver/modules.order" ]; then
		rm -rf "$tmp"
		vm_die "$pkg has no vmlinuz and modules under /boot and /lib/modules"
		return 1
	fi
	# Debian generates modules.dep at installation time, not in the package.
	if ! depmod -b "$tmp/root" "$kver"; then
		rm -rf "$tmp"
		vm_die "depmod failed for $kver"
		return 1
	fi
	dpkg-deb -f "$deb" Package Version > "$tmp/root/package"
	rm -rf "$dest"
	mv "$tmp/root" "$dest" && rm -rf "$tmp"
}

# vm_kernel: makes sure the kernel is cached, sets VM_VMLINUZ, VM_MODROOT
# (the directory holding lib/modules/$VM_KVER) and VM_KVER, and prints the
# vmlinuz path and the modules directory, one per line.  A cached kernel is
# reused without any network access.
vm_kernel() {
	local dir lock
	mkdir -p "$VM_DIR/kernel" || return 1
	if [ -n "${CFS_VM_KERNEL_PKG:-}" ]; then
		dir=$VM_DIR/kernel/$CFS_VM_KERNEL_PKG
	else
		dir=$(ls -dt "$VM_DIR"/kernel/linux-image-*/ 2>/dev/null | head -n 1)
		dir=${dir%/}
	fi
	if [ -z "$dir" ] || [ ! -f "$dir/package" ]; then
		# One fetch at a time, should two tests start together.
		exec {lock}> "$VM_DIR/.kernel.lock"
		flock -w 600 "$lock" || { vm_die "timed out waiting for another kernel fetch"; return 1; }
		if [ -z "$dir" ] || [ ! -f "$dir/package" ]; then
			local tmpdest=$VM_DIR/kernel/.new
			_vm_fetch_kernel "$tmpdest" || { exec {lock}>&-; return 1; }
			dir=$VM_DIR/kernel/$(awk '/^Package:/ { print $2 }' "$tmpdest/package")
			rm -rf "$dir" && mv "$tmpdest" "$dir"
		fi
		exec {lock}>&-
	fi
	VM_KVER=$(basename "$(echo "$dir"/lib/modules/*)")
	VM_VMLINUZ=$dir/boot/vmlinuz-$VM_KVER
	VM_MODROOT=$dir
	VM_KERNEL_VERSION=$(awk '/^Version:/ { print $2 }' "$dir/package")
	printf '%s\n%s\n' "$VM_VMLINUZ" "$dir/lib/modules/$VM_KVER"
}

# ---------------------------------------------------------------- guest images

# vm_busybox_root DIR: a minimal root for a test initramfs: static busybox
# with every applet linked, /dev/console for the first output, and the
# generic /init (tests/vm/guest/init), which runs /tests/$cfstest.sh.
vm_busybox_root() {
	local dir=$1 bb applet
	bb=$(command -v busybox) || { vm_die "busybox not found (package busybox-static)"; return 1; }
	if readelf -l "$bb" | grep -q 'program interpreter'; then
		vm_die "$bb is not statically linked (install busybox-static)"
		return 1
	fi
	mkdir -p "$dir"/{bin,dev,proc,sys,tmp,run,mnt,tests,lib/modules} || return 1
	cp "$bb" "$dir/bin/busybox" || return 1
	for applet in $("$bb" --list); do
		[ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
	done
	# The kernel opens /dev/console for init before anything is mounted.
	mknod -m 600 "$dir/dev/console" c 5 1 || return 1
	: > "$dir/lib/modules/load-order"
	install -m 755 "$VM_GUEST_SRC/init" "$dir/init"
}

# vm_modules DIR MODULE...: puts MODULE and everything it needs (hard
# dependencies and pre-softdeps, as `modprobe --show-depends` resolves them
# against the cached kernel) into DIR/lib/modules, decompressed because
# busybox insmod cannot read .ko.xz, and appends them in load order to
# DIR/lib/modules/load-order, which /init loads.
vm_modules() {
	local dir=$1 m deps kind path name; shift
	[ -n "${VM_MODROOT:-}" ] || vm_kernel > /dev/null || return 1
	mkdir -p "$dir/lib/modules" && touch "$dir/lib/modules/load-order" || return 1
	for m in "$@"; do
		deps=$(modprobe -C /dev/null -d "$VM_MODROOT" -S "$VM_KVER" --show-depends "$m") ||
			{ vm_die "module $m not found in $VM_KVER"; return 1; }
		while read -r kind path _; do
			[ "$kind" = insmod ] || continue	# "builtin NAME" needs nothing
			name=$(basename "$path"); name=${name%.xz}; name=${name%.ko}
			grep -qxF "$name" "$dir/lib/modules/load-order" && continue
			case $path in
			*.xz) xz -dc "$path" > "$dir/lib/modules/$name.ko" ;;
			*) cp "$path" "$dir/lib/modules/$name.ko" ;;
			esac || { vm_die "cannot decompress $path"; return 1; }
			echo "$name" >> "$dir/lib/modules/load-order"
		done <<< "$deps"
	done
}

# vm_initramfs DIR OUT: a newc cpio of DIR that depends only on the content:
# sorted names, every mtime 0, every owner root.  Left uncompressed: the
# emulated guest would spend seconds decompressing it.
vm_initramfs() {
	local dir=$1 out=$2
	find "$dir" -exec touch -h -d @0 {} + || return 1
	(cd "$dir" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
		cpio -o -0 -H newc --reproducible -R 0:0 --quiet) > "$out.tmp" &&
		mv "$out.tmp" "$out"
}

# vm_ext4 DIR OUT SIZE_MIB [mkfs.ext4 options]: an ext4 image populated from
# DIR with fs-verity enabled.  4 KiB blocks are forced: small images default
# to 1 KiB, on which enabling verity with 4 KiB Merkle blocks fails (EINVAL).
vm_ext4() {
	local dir=$1 out=$2 size=$3; shift 3
	rm -f "$out" && truncate -s "${size}M" "$out" || return 1
	mkfs.ext4 -q -F -b 4096 -O verity -E root_owner=0:0 -d "$dir" "$@" "$out" ||
		{ vm_die "mkfs.ext4 of $out failed"; return 1; }
}

# vm_cow BASE OUT: a qcow2 overlay over BASE (raw or qcow2), so that a test
# can change a disk without rebuilding or touching the original.
vm_cow() {
	local base=$1 out=$2 fmt=raw
	case $base in *.qcow2) fmt=qcow2 ;; esac
	qemu-img create -q -f qcow2 -b "$(realpath "$base")" -F "$fmt" "$out"
}

# ---------------------------------------------------------------- TPM

# vm_swtpm_start DIR: a TPM 2.0 emulator with its state in DIR/state,
# serving qemu on DIR/swtpm.sock.  vm_boot --tpm DIR starts one for each
# boot (swtpm ends when qemu disconnects); the state, and with it the TPM's
# NV storage, persists from boot to boot.
vm_swtpm_start() {
	local dir=$1
	[ -z "$VM_SWTPM_PID" ] || { vm_die "swtpm is already running"; return 1; }
	mkdir -p "$dir/state" && rm -f "$dir/swtpm.sock" || return 1
	swtpm socket --tpm2 --tpmstate dir="$dir/state" \
		--ctrl type=unixio,path="$dir/swtpm.sock" \
		--log file="$dir/swtpm.log",level=1 </dev/null &
	VM_SWTPM_PID=$!
	for _ in $(seq 50); do
		[ -S "$dir/swtpm.sock" ] && return 0
		kill -0 "$VM_SWTPM_PID" 2>/dev/null || break
		sleep 0.1
	done
	vm_swtpm_stop
	vm_die "swtpm did not open $dir/swtpm.sock within 5 s (log: $(tail -n 3 "$dir/swtpm.log" 2>/dev/null))"
}

vm_swtpm_stop() {
	[ -n "$VM_SWTPM_PID" ] || return 0
	kill "$VM_SWTPM_PID" 2>/dev/null
	wait "$VM_SWTPM_PID" 2>/dev/null
	VM_SWTPM_PID=
}

# ---------------------------------------------------------------- boots

# vm_boot NAME [--initrd FILE] [--append ARGS] [--disk FILE]... [--tpm DIR]
#         [--timeout SECONDS]
# Boots the cached kernel in qemu (TCG, 1 GiB, no display, no network) with
# the serial console written to $(vm_log NAME), disks as virtio (vda, vdb,
# ... in order; .qcow2 by name, raw otherwise) and, with --tpm, a TIS TPM
# emulated by swtpm with its state in DIR (see vm_swtpm_start).  The
# guest's /init runs /tests/NAME.sh.  Returns 0 when the guest powered off, 1 when qemu ended
# otherwise (a panic reboots, and -no-reboot makes that an exit), 124 when
# the timeout (default 120 s, CFS_VM_TIMEOUT) killed it.  Sets
# VM_BOOT_SECONDS to the wall time.
vm_boot() {
	local name=$1 initrd='' append='' tpm='' timeout=$VM_TIMEOUT log args=() fmt rc start
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--initrd) initrd=$2 ;;
		--append) append=$2 ;;
		--disk)
			fmt=raw
			case $2 in *.qcow2) fmt=qcow2 ;; esac
			args+=(-drive "file=$2,format=$fmt,if=virtio") ;;
		--tpm) tpm=$2 ;;
		--timeout) timeout=$2 ;;
		*) vm_die "vm_boot: unknown option $1"; return 2 ;;
		esac
		shift 2
	done
	[ -n "$initrd" ] || { vm_die "vm_boot: --initrd is required"; return 2; }
	[ -n "${VM_VMLINUZ:-}" ] || vm_kernel > /dev/null || return 2
	if [ -n "$tpm" ]; then
		vm_swtpm_start "$tpm" || return 2
		args+=(-chardev "socket,id=chrtpm,path=$tpm/swtpm.sock"
		       -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0)
	fi
	log=$(vm_log "$name")
	rm -f "$log"
	start=$(date +%s%N)
	timeout --kill-after=5 "$timeout" qemu-system-x86_64 \
		-accel tcg -cpu max -smp 1 -m 1024 \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$log" -monitor none \
		-kernel "$VM_VMLINUZ" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 cfstest=$name $append" \
		"${args[@]}" </dev/null > "$SCRATCH/qemu-$name.out" 2>&1 &
	VM_QEMU_PID=$!
	wait "$VM_QEMU_PID"
	rc=$?
	VM_QEMU_PID=
	vm_swtpm_stop
	start=$((($(date +%s%N) - start) / 100000000))
	VM_BOOT_SECONDS=$((start / 10)).$((start % 10))
	[ -n "${CFS_VM_KEEP_LOGS:-}" ] && vm_keep_log "$name" > /dev/null
	if [ -s "$SCRATCH/qemu-$name.out" ]; then
		sed 's/^/# qemu: /' "$SCRATCH/qemu-$name.out"
	fi
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		diag "$name: timed out after $timeout s"
		return 124
	fi
	if [ "$rc" -ne 0 ]; then
		diag "$name: qemu exited with status $rc"
		return 1
	fi
	# "reboot: Power down" is what the kernel says when it powers off.
	if ! tr -d '\r' < "$log" | grep -q '^\(\[ *[0-9.]*\] \)\?reboot: Power down'; then
		diag "$name: the guest did not power off (panic or reboot?)"
		return 1
	fi
	return 0
}

# vm_log NAME: the serial log of boot NAME.
vm_log() {
	echo "$SCRATCH/vm-$1.log"
}

# vm_marker NAME KEY: the value of the last "CFSTEST: KEY=value" line that
# boot NAME printed (empty when there is none).
vm_marker() {
	tr -d '\r' < "$(vm_log "$1")" 2>/dev/null |
		awk -v p="CFSTEST: $2=" 'index($0, p) == 1 { v = substr($0, length(p) + 1) } END { print v }'
}

# vm_klog BOOT PATTERN: whether the kernel log of boot BOOT (which /init
# prints at the end) has a line matching the extended regex PATTERN.
vm_klog() {
	tr -d '\r' < "$(vm_log "$1")" | sed -n '/^----- kernel log/,$p' | grep -qE -- "$2"
}

# vm_keep_log NAME: keeps the serial log of boot NAME under build/vm/logs/
# and, the first time, shows the end of what the guest printed (the lines
# that are not kernel messages).
vm_keep_log() {
	local log kept
	log=$(vm_log "$1")
	kept=$VM_DIR/logs/$VM_TEST-$1.log
	[ -f "$log" ] || return 0
	if [ -f "$kept" ] && [ "$kept" -nt "$log" ]; then
		diag "  serial log: ${kept#"$REPO"/}"
		return 0
	fi
	mkdir -p "$VM_DIR/logs"
	tr -d '\r' < "$log" > "$kept"
	diag "  serial log kept: ${kept#"$REPO"/}; the guest's last lines:"
	grep -v '^\[ *[0-9]*\.[0-9]*\]' "$kept" | sed '/^----- kernel log/q' | tail -n 12 | sed 's/^/#   /'
}

# vm_check BOOT NAME CMD...: `check`, keeping BOOT's serial log on failure.
vm_check() {
	local boot=$1; shift
	local before=$_tap_failed
	check "$@"
	[ "$_tap_failed" -eq "$before" ] || vm_keep_log "$boot"
}

# vm_expect BOOT NAME KEY WANT: a case that passes when boot BOOT printed
# "CFSTEST: KEY=WANT"; says what it printed otherwise.
vm_expect() {
	local boot=$1 name=$2 key=$3 want=$4 got
	got=$(vm_marker "$boot" "$key")
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		fail "$name"
		diag "  $key: got '${got:-<nothing>}', want '$want'"
		vm_keep_log "$boot"
	fi
}
