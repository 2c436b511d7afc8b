#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing cfsboot need.
# Does nothing when they are all present; otherwise needs root and apt.
set -eu

packages=(
	# build
	build-essential clang pkg-config
	libssl-dev libcmocka-dev libblkid-dev libzstd-dev liblzma-dev zlib1g-dev
	# cfsboot pull over HTTP(S) (src/tool/pull/source_http.c); cfsboot only
	libcurl4-openssl-dev
	# building the static archives Debian does not ship (scripts/build-deps.sh):
	# unpacking Debian source packages and regenerating the autotools builds of
	# kmod and tpm2-tss (autoconf-archive: AX_ macros; libltdl-dev: LT_LIB_DLLOAD)
	dpkg-dev autoconf automake libtool autoconf-archive libltdl-dev
	# and mkcomposefs, the tests' reference writer, from Debian's composefs source
	meson ninja-build
	# tests and cross-checks
	python3 fsverity erofs-utils attr acl util-linux debootstrap openssl
	swtpm swtpm-tools tpm2-tools
	# cfsboot pull's host tests: a web server of the test's own
	# (tests/host/pull-http.sh)
	nginx-light
	# the unit tests under memcheck (tests/run-all.sh)
	valgrind
	# PID-1 mode's host test: GPT partitions on a loop image (sfdisk), and
	# strace to see a compressed module reach the kernel decompressed
	fdisk strace
	# the static link of cfs-pivot (tests/host/static-link.sh); zstd also makes
	# the hostile frames of tests/host/pull-http.sh
	file zstd
	# VM tests (tests/vm/): qemu under TCG, busybox guests, ext4 disks with
	# fs-verity, modules.dep for the downloaded kernel
	qemu-system-x86 qemu-utils busybox-static cpio xz-utils e2fsprogs kmod
	# and the guest's PCRs read from the host (vm_swtpm_pcrs): tpm2-tools
	# through tpm2-tss's "cmd" TCTI
	libtss2-tcti-cmd0
	# dracut tests (tests/vm/test-dracut.sh): dracut 059 makes the guests'
	# initramfs images, the systemd one from this machine's systemd;
	# dracut-core alone leaves the machine's own initramfs-tools in place
	dracut-core systemd
	# UEFI boots (tests/vm/uefi.sh): OVMF as the firmware, systemd-boot on
	# the guest disk's ESP, made and read back without mounting it
	ovmf systemd-boot-efi dosfstools mtools
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root or install them" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
