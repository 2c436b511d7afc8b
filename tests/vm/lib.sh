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
. "$(dirname "${BASH_SOURCE[0]}")/pcr.sh"
. "$(dirname "${BASH_SOURCE[0]}")/host-tpm.sh"

VM_DIR=${CFS_VM_DIR:-$REPO/build/vm}
VM_GUEST_SRC=$REPO/tests/vm/guest
VM_TIMEOUT=${CFS_VM_TIMEOUT:-120}
VM_TEST=$(basename "$0" .sh)
# OVMF (Debian's ovmf) for vm_boot --firmware: the code, and the template
# of its variable store, which each disk gets a copy of (tests/vm/uefi.sh).
VM_OVMF_CODE=${CFS_VM_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
VM_OVMF_VARS=${CFS_VM_OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}

# Children that must not outlive the test: qemu (through timeout) and swtpm,
# and those of a vm_boot run in the background by _vm_watch, whose
# subshell has no trap of its own.
VM_QEMU_PID=
VM_SWTPM_PID=
VM_WATCH_PID=
vm_cleanup() {
	[ -n "$VM_QEMU_PID" ] && kill "$VM_QEMU_PID" 2>/dev/null
	[ -n "$VM_SWTPM_PID" ] && kill "$VM_SWTPM_PID" 2>/dev/null
	# shellcheck disable=SC2046 # one pid per word
	[ -n "$VM_WATCH_PID" ] &&
		kill $(cat "/proc/$VM_WATCH_PID/task/$VM_WATCH_PID/children" 2>/dev/null) 2>/dev/null
	VM_QEMU_PID='' VM_SWTPM_PID='' VM_WATCH_PID=''
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
# NV storage, persists from boot to boot.  The PCRs do not: they live in
# swtpm's memory (see vm_swtpm_pcrs in pcr.sh).
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

# vm_boot NAME [--initrd FILE] [--append ARGS] [--disk FILE[:SERIAL]]...
#         [--tpm DIR] [--pcr-out FILE] [--timeout SECONDS] [--firmware VARS]
# Boots the cached kernel in qemu (TCG, 1 GiB, no display, no network) with
# the serial console written to $(vm_log NAME), disks as virtio (vda, vdb,
# ... in order; .qcow2 by name, raw otherwise; SERIAL is the serial the
# guest reads in /sys/block/vdX/serial) and, with --tpm, a TIS TPM
# emulated by swtpm with its state in DIR (see vm_swtpm_start); with
# --pcr-out, PCR 15 as the guest left it goes to FILE (vm_swtpm_pcrs, in
# pcr.sh), for guests that vm_boot_until ends (a guest that powers off then
# pauses).  The guest's /init runs /tests/NAME.sh.  With --firmware, qemu
# starts UEFI firmware instead of the kernel: OVMF's code ($VM_OVMF_CODE,
# read-only) with VARS as its variable store, which the firmware and the
# boot loader write (tests/vm/uefi.sh makes a private copy per disk); the
# boot loader on the disk then chooses the kernel, its initramfs and command
# line, so --initrd and --append are not used.
# Returns 0 when the guest powered off, 1 when qemu ended
# otherwise (a panic reboots, and -no-reboot makes that an exit), 124 when
# the timeout (default 120 s, CFS_VM_TIMEOUT) killed it.  Sets
# VM_BOOT_SECONDS to the wall time.  no_timer_check: on a loaded host the
# emulated timer can miss the kernel's early check of the IO-APIC timer,
# which then panics ("IO-APIC + timer doesn't work") before /init.
# VM_ICOUNT=N (the benchmarks set it, bench/boot-lib.sh) runs the guest
# with -icount shift=N: its clock advances 2^N ns per instruction executed,
# and at the host's pace only while the guest is idle, so that a span it
# measures counts the guest's own work, not how fast the host ran it.
vm_boot() {
	local name=$1 initrd='' append='' tpm='' pcr_out='' timeout=$VM_TIMEOUT firmware='' boot log args=() fmt serial rc start
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--initrd) initrd=$2 ;;
		--append) append=$2 ;;
		--disk)
			fmt=raw serial=${2#"${2%:*}"}
			case ${2%:*} in *.qcow2) fmt=qcow2 ;; esac
			args+=(-drive "file=${2%:*},format=$fmt,if=none,id=disk$#"
			       -device "virtio-blk-pci,drive=disk$#${serial:+,serial=${serial#:}}") ;;
		--tpm) tpm=$2 ;;
		--pcr-out) pcr_out=$2 ;;
		--timeout) timeout=$2 ;;
		--firmware) firmware=$2 ;;
		*) vm_die "vm_boot: unknown option $1"; return 2 ;;
		esac
		shift 2
	done
	if [ -n "$firmware" ]; then
		[ -r "$VM_OVMF_CODE" ] || { vm_die "no UEFI firmware $VM_OVMF_CODE (package ovmf)"; return 2; }
		boot=(-drive "if=pflash,format=raw,readonly=on,file=$VM_OVMF_CODE"
		      -drive "if=pflash,format=raw,file=$firmware")
	else
		[ -n "$initrd" ] || { vm_die "vm_boot: --initrd is required"; return 2; }
		[ -n "${VM_VMLINUZ:-}" ] || vm_kernel > /dev/null || return 2
		boot=(-kernel "$VM_VMLINUZ" -initrd "$initrd"
		      -append "console=ttyS0 panic=-1 no_timer_check cfstest=$name $append")
	fi
	if [ -n "$pcr_out" ]; then
		[ -n "$tpm" ] || { vm_die "vm_boot: --pcr-out needs --tpm"; return 2; }
		# A guest that powers off stays, paused, for vm_boot_until to kill:
		# a qemu that exits cleanly takes swtpm, and the PCRs, with it.
		args+=(-action shutdown=pause)
	fi
	if [ -n "$tpm" ]; then
		vm_swtpm_start "$tpm" || return 2
		args+=(-chardev "socket,id=chrtpm,path=$tpm/swtpm.sock"
		       -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0)
	fi
	case ${VM_ICOUNT:-} in
	'') ;;
	[0-9] | 10) args+=(-icount "shift=$VM_ICOUNT") ;;
	*) vm_die "VM_ICOUNT=$VM_ICOUNT: a shift of 0 to 10 (2^N ns per instruction), or empty"; return 2 ;;
	esac
	log=$(vm_log "$name")
	rm -f "$log"
	start=$(date +%s%N)
	timeout --kill-after=5 "$timeout" qemu-system-x86_64 \
		-accel tcg -cpu max -smp 1 -m 1024 \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$log" -monitor none \
		"${boot[@]}" "${args[@]}" </dev/null > "$SCRATCH/qemu-$name.out" 2>&1 &
	VM_QEMU_PID=$!
	wait "$VM_QEMU_PID"
	rc=$?
	VM_QEMU_PID=
	[ -z "$pcr_out" ] || vm_swtpm_pcrs "$tpm" "$pcr_out"
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
vm_log() { echo "$SCRATCH/vm-$1.log"; }

# vm_marker NAME KEY: the value of the last "CFSTEST: KEY=value" that boot
# NAME printed (empty when there is none).  Not only at the start of a line:
# a getty's prompt ("vm login: ") may come first on the serial console.
vm_marker() {
	tr -d '\r' < "$(vm_log "$1")" 2>/dev/null |
		awk -v p="CFSTEST: $2=" 'i = index($0, p) { v = substr($0, i + length(p)) } END { print v }'
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

# ---------------------------------------------------------------- cfs-pivot as PID 1

# vm_vmtool OUT: the guest helper (tests/vm/guest/vmtool.c), static.
vm_vmtool() {
	cc -static -O2 -Wall -Wextra -Werror -o "$1" "$VM_GUEST_SRC/vmtool.c"
}

# vm_static_cfsboot OUT: cfsboot linked statically the way cfs-pivot is
# (the Makefile's print-pivot-link), so that a guest without a C library
# can run it: the guest OS replays its measurement log with it.  Needs
# `make all` first.  Debian has no static libcurl, so the pull sources are
# compiled without HTTP (CFSBOOT_NO_HTTP, src/tool/pull/source.c) and put
# before the archive, which then brings in no libcurl.
vm_static_cfsboot() {
	local out=$1 link ldflags libs
	link=$(make -s -C "$REPO" print-pivot-link) || return 1
	ldflags=$(sed -n 's/^PIVOT_LDFLAGS=//p' <<< "$link")
	libs=$(sed -n 's/^PIVOT_LIBS=//p' <<< "$link")
	# The archive paths are relative to the repository.  glibc warns that
	# a static getaddrinfo needs its shared libraries: only swtpm over
	# TCP resolves names, which the guest never uses.
	# shellcheck disable=SC2086 # lists of flags
	if ! (cd "$REPO" && cc -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -DCFSBOOT_NO_HTTP -Isrc -O2 \
		-std=gnu11 -c -o "$SCRATCH/source-nohttp.o" src/tool/pull/source.c &&
		cc $ldflags -o "$out" "$BUILD/obj/src/tool/main.o" "$SCRATCH/source-nohttp.o" \
		"$BUILD/libcfstool.a" "$BUILD/libcfs.a" $libs) > "$SCRATCH/cfsboot-link.log" 2>&1; then
		sed 's/^/# /' "$SCRATCH/cfsboot-link.log"
		vm_die "cannot link a static cfsboot"
		return 1
	fi
	strip "$out"
}

# vm_os_tree DIR: the small OS that PID-1 guests boot into: static busybox,
# /sbin/init (tests/vm/guest/os/init), which reports what it finds and
# powers off, /etc/os-release, a static cfsboot for `tpm replay`, and
# empty directories where cfs-pivot moves the API file systems and
# attaches the physical root.  Files put under DIR/usr/share/payload are
# read back by init.
vm_os_tree() {
	local dir=$1 bb applet
	bb=$(command -v busybox) || { vm_die "busybox not found (package busybox-static)"; return 1; }
	mkdir -p "$dir"/{bin,sbin,usr/bin,usr/share/payload,etc,dev,proc,sys,run,tmp,var,sysroot} ||
		return 1
	cp "$bb" "$dir/bin/busybox" || return 1
	for applet in $("$bb" --list); do
		[ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
	done
	install -m 755 "$VM_GUEST_SRC/os/init" "$dir/sbin/init" &&
		install -D -m 755 "$VM_GUEST_SRC/klog-times.sh" "$dir/usr/lib/cfstest/klog-times.sh" ||
		return 1
	vm_static_cfsboot "$dir/usr/bin/cfsboot" || return 1
	cat > "$dir/etc/os-release" <<-OS
	NAME="cfsboot demo OS"
	ID=cfsboot-demo
	PRETTY_NAME="cfsboot demo OS (busybox $("$bb" | sed -n '1s/^BusyBox \(v[^ ]*\).*/\1/p'))"
	OS
	echo cfsboot-demo > "$dir/etc/hostname"
}

# vm_verity_disks DISK[:PATH]...: enables fs-verity on every file of each
# DISK's composefs/ store (tests/vm/guest/provision/provision.sh) in a
# busybox guest, since the host kernel may have no fs-verity: the objects
# and images, not the signatures, and not PATH (relative to the disk's
# root), which a test wants without it.  The disks (raw ext4 from vm_ext4)
# are attached in order as vda, vdb, ...  Returns 0 when the guest enabled
# it everywhere.
vm_verity_disks() {
	local dir=$SCRATCH/provision spec disks=() names='' letter=a d i=0
	rm -rf "$dir" && mkdir -p "$dir" || return 1
	vm_busybox_root "$dir/root" && vm_modules "$dir/root" virtio_blk ext4 &&
		vm_vmtool "$dir/root/tests/vmtool" || return 1
	cp "$VM_GUEST_SRC/provision/provision.sh" "$dir/root/tests/" || return 1
	for spec in "$@"; do
		d=vd$letter
		names="$names $d"
		disks+=(--disk "${spec%%:*}")
		[ "$spec" = "${spec#*:}" ] || echo "KEEP_$d=${spec#*:}" >> "$dir/root/tests/params.sh"
		letter=$(echo "$letter" | tr 'a-y' 'b-z')
	done
	echo "DISKS=\"${names# }\"" >> "$dir/root/tests/params.sh"
	vm_initramfs "$dir/root" "$dir/initrd" || return 1
	vm_boot provision --initrd "$dir/initrd" "${disks[@]}" ||
		{ vm_keep_log provision; return 1; }
	for d in $names; do
		i=$((i + 1))
		case $(vm_marker provision "$d") in
		"enabled "[1-9]*) ;;
		*) vm_keep_log provision
		   vm_die "enabling fs-verity on disk $i ($d): $(vm_marker provision "$d")"
		   return 1 ;;
		esac
	done
}

# vm_boot_until NAME PATTERN [vm_boot options]: vm_boot, except that the
# guest is ended as soon as its console shows a line matching the extended
# regex PATTERN.  For guests that stop without powering off: cfs-pivot
# refusing a boot as PID 1 halts the machine (on-failure = halt), which
# would otherwise last until the timeout.  Returns what vm_boot returns,
# or 3 when PATTERN ended the guest; sets VM_BOOT_SECONDS.  With
# --pcr-out, qemu is killed (SIGKILL) rather than stopped, so that swtpm
# outlives it with the guest's PCRs; otherwise it is stopped (SIGTERM).
# PATTERN 'reboot: Power down' ends a guest that powers off.
vm_boot_until() {
	_vm_watch end "$@"
}

# vm_boot_seen NAME PATTERN [vm_boot options]: vm_boot, noting when the
# console first shows a line matching PATTERN: VM_SEEN_SECONDS is the time
# from the start of the boot to then, to the watch's 0.2 s (empty when it
# never showed).  For the time a boot takes to reach the image's init
# (the marker "CFSTEST: real_init=ran"), whatever started the kernel.
# Returns what vm_boot returns; sets VM_BOOT_SECONDS.
vm_boot_seen() {
	_vm_watch note "$@"
}

# _vm_watch end|note NAME PATTERN [vm_boot options]: vm_boot_until's and
# vm_boot_seen's watch of the console.
_vm_watch() {
	local mode=$1 name=$2 pattern=$3 log pid rc=0 ended='' start now c sig=TERM
	shift 3
	case " $* " in *" --pcr-out "*) sig=KILL ;; esac
	log=$(vm_log "$name")
	rm -f "$log"
	VM_SEEN_SECONDS=
	start=$(date +%s%N)
	# vm_boot in a subshell, so that this shell can watch the log; its
	# qemu runs under timeout(1), which passes a SIGTERM on to qemu.
	vm_boot "$name" "$@" > "$SCRATCH/boot-$name.out" &
	pid=$!
	VM_WATCH_PID=$pid
	while kill -0 "$pid" 2> /dev/null; do
		if [ -f "$log" ] && tr -d '\r' < "$log" | grep -qE -- "$pattern"; then
			now=$((($(date +%s%N) - start) / 100000000))
			VM_SEEN_SECONDS=$((now / 10)).$((now % 10))
			[ "$mode" = note ] && break
			ended=yes
			# The children of vm_boot's subshell are timeout and swtpm;
			# qemu is timeout's child.  vm_boot stops swtpm itself.
			for c in $(cat "/proc/$pid/task/$pid/children" 2> /dev/null); do
				[ "$(cat "/proc/$c/comm" 2> /dev/null)" = timeout ] || continue
				# shellcheck disable=SC2046 # one pid per word
				kill -"$sig" $(cat "/proc/$c/task/$c/children" 2> /dev/null) 2> /dev/null
			done
			break
		fi
		sleep 0.2
	done
	wait "$pid" || rc=$?
	VM_WATCH_PID=
	start=$((($(date +%s%N) - start) / 100000000))
	VM_BOOT_SECONDS=$((start / 10)).$((start % 10))
	if [ -n "$ended" ]; then
		[ -n "${CFS_VM_KEEP_LOGS:-}" ] && vm_keep_log "$name" > /dev/null
		return 3
	fi
	cat "$SCRATCH/boot-$name.out"
	return "$rc"
}

# The rest, by subject.
. "$(dirname "${BASH_SOURCE[0]}")/kernel.sh"
. "$(dirname "${BASH_SOURCE[0]}")/dracut.sh"
. "$(dirname "${BASH_SOURCE[0]}")/report.sh"
