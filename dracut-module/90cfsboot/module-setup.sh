#!/bin/bash
# SPDX-License-Identifier: MIT
#
# dracut module "cfsboot": puts cfs-pivot, its policy and its trust anchors
# into the initramfs, with what runs it between mounting the physical root
# and switching root: a unit in a systemd initrd, a pre-pivot hook in one
# without systemd; and, for a policy that requires an image, what refuses
# the command line's ways around it (a generator or the cmdline hook) and
# powers off instead of giving a shell (the emergency hook).  See
# docs/dracut.md.
#
# shellcheck disable=SC2154 # dracutsysrootdir, moddir, initdir, srcmods, systemd*dir: set by dracut
#
# Settings, read from dracut.conf(5) files or the environment:
#   cfsboot_pivot    cfs-pivot on the build host (default: the first of
#                    /usr/lib/cfsboot/cfs-pivot and /usr/local/lib/cfsboot/cfs-pivot,
#                    where `make install` puts it with PREFIX=/usr or the default)
#   cfsboot_confdir  the directory that becomes /etc/cfsboot in the initramfs
#                    (default /etc/cfsboot): pivot.conf, trust.d/, revoked.list

# The CPU's SHA-256 and SHA-512 for fs-verity, by module name: x86 (SHA-NI,
# AVX2 or SSSE3) and arm64 (the ARMv8 crypto extensions).
cfsboot_hash_modules="sha256_ssse3 sha512_ssse3 sha2_ce sha512_ce"

# cfsboot_find_pivot: prints the path of cfs-pivot on the build host.
cfsboot_find_pivot() {
	local p
	for p in ${cfsboot_pivot:-/usr/lib/cfsboot/cfs-pivot /usr/local/lib/cfsboot/cfs-pivot}; do
		if [[ -f $dracutsysrootdir$p && -x $dracutsysrootdir$p ]]; then
			echo "$dracutsysrootdir$p"
			return 0
		fi
	done
	return 1
}

# cfsboot_source PATH: the file on the build host that becomes PATH in the
# initramfs.  The policy names paths as the initramfs sees them; those under
# /etc/cfsboot come from cfsboot_confdir, any other from the same path.
cfsboot_source() {
	local confdir=${cfsboot_confdir:-/etc/cfsboot}
	case $1 in
	/etc/cfsboot/*) echo "$dracutsysrootdir$confdir/${1#/etc/cfsboot/}" ;;
	*) echo "$dracutsysrootdir$1" ;;
	esac
}

# cfsboot_policy_key OUTPUT KEY: the value of KEY in the policy that
# `cfs-pivot --check` printed.
cfsboot_policy_key() {
	sed -n "s|^$2 = ||p" <<< "$1"
}

# Only when asked for (--add cfsboot, or add_dracutmodules+=" cfsboot " in
# dracut.conf): an initramfs that refuses to boot anything it cannot verify
# must be a deliberate choice, not a side effect of installing the package.
check() {
	if ! cfsboot_find_pivot > /dev/null; then
		dinfo "dracut module 'cfsboot' will not be installed, because cfs-pivot was not found" \
			"(${cfsboot_pivot:-/usr/lib/cfsboot/cfs-pivot /usr/local/lib/cfsboot/cfs-pivot})"
		return 1
	fi
	return 255
}

# base: the hook points, getarg and die of an initramfs without systemd.
depends() {
	echo base
	return 0
}

installkernel() {
	# What cfs-pivot mounts with: EROFS for the image, overlayfs for the
	# tree, loop devices where EROFS cannot read the image file itself.  It
	# needs them whatever the build host happens to have loaded, so they
	# are installed even in host-only mode, and a missing one fails the build.
	hostonly='' instmods -c erofs overlay loop || return 1
	# The CPU's SHA-256 and SHA-512 where the kernel has them as modules
	# (a kernel without them is no reason to fail): see install().
	# shellcheck disable=SC2086 # one module name a word
	hostonly='' instmods $cfsboot_hash_modules
	# The TPM drivers, so that a TPM reached through a module is there
	# when cfs-pivot measures; without it, "tpm = if-present" would boot
	# unmeasured.  Host-only mode keeps those the host uses.
	instmods '=drivers/char/tpm'
}

# cfsboot_install_policy PIVOT: the policy, checked here with the same
# parser cfs-pivot boots with, so that a bad line fails the build instead of
# every boot; then the trust anchors and the revocation list it names.
cfsboot_install_policy() {
	local pivot=$1 conf policy trust revoked sig f n=0
	conf=$(cfsboot_source /etc/cfsboot/pivot.conf)
	if [[ -e $conf ]]; then
		inst_simple "$conf" /etc/cfsboot/pivot.conf || { dfatal "cfsboot: cannot install $conf"; return 1; }
	else
		dinfo "cfsboot: no $conf; cfs-pivot will enforce its default policy"
		conf=/dev/null
	fi
	if ! policy=$("$pivot" --check --cmdline /dev/null --config "$conf" 2>&1); then
		policy=$(tail -n 1 <<< "$policy")
		dfatal "cfsboot: the policy is refused: ${policy#cfs-pivot: }"
		return 1
	fi

	trust=$(cfsboot_policy_key "$policy" trust)
	revoked=$(cfsboot_policy_key "$policy" revoked)
	if [[ -d $(cfsboot_source "$trust") ]]; then
		# Every entry cfs-pivot would read: it refuses the whole set over
		# one it cannot use, and that is best seen at the first boot.
		for f in "$(cfsboot_source "$trust")"/*; do
			[[ -e $f ]] || continue
			inst_simple "$f" "$trust/${f##*/}" || { dfatal "cfsboot: cannot install $f"; return 1; }
			n=$((n + 1))
		done
	fi
	sig=$(cfsboot_policy_key "$policy" signature)
	if ((n == 0)) && [[ $sig != off ]]; then
		dfatal "cfsboot: no trust anchors in $(cfsboot_source "$trust"), but the policy checks" \
			"signatures (signature = $sig): cfs-pivot would refuse every signed image (put the" \
			"root certificates there, see docs/keys.md)"
		return 1
	fi
	if [[ -e $(cfsboot_source "$revoked") ]]; then
		if ! inst_simple "$(cfsboot_source "$revoked")" "$revoked"; then
			dfatal "cfsboot: cannot install $(cfsboot_source "$revoked")"
			return 1
		fi
	fi
	return 0
}

# dracut goes on whatever install() returns; what would make an initramfs
# that cannot boot ends the build instead (exit, as inst_hook does).
install() {
	local pivot
	pivot=$(cfsboot_find_pivot) || exit 1
	# Statically linked: nothing else to pull in.
	if ! inst_binary "$pivot" /usr/bin/cfs-pivot; then
		dfatal "cfsboot: cannot install $pivot"
		exit 1
	fi
	cfsboot_install_policy "$pivot" || exit 1

	# The lock-down (docs/dracut.md): cfs-pivot decides at boot whether the
	# policy requires an image; these only ask it and power off.  dracut
	# sources the emergency hooks before every shell it opens, with
	# systemd or without (shutdown-emergency: with rd.shell=0, and at
	# shutdown).
	if ! inst_simple "$moddir/cfsboot-lib.sh" /usr/lib/cfsboot/cfsboot-lib.sh ||
		! inst_multiple sync sleep; then
		dfatal "cfsboot: cannot install the lock-down's helpers"
		exit 1
	fi
	inst_hook emergency 00 "$moddir/cfsboot-emergency.sh"
	inst_hook shutdown-emergency 00 "$moddir/cfsboot-emergency.sh"

	# The file systems it mounts, loaded at the start, beside udev: by
	# systemd-modules-load, or without systemd by the pre-trigger hook.
	if ! inst_simple "$moddir/cfsboot-modules.conf" /usr/lib/modules-load.d/cfsboot.conf; then
		dfatal "cfsboot: cannot install $moddir/cfsboot-modules.conf"
		exit 1
	fi
	# fs-verity allocates its hash when it first hashes a file and keeps
	# that implementation until power-off: the CPU's is loaded with the
	# file systems, or every object is checked with the generic C for the
	# whole uptime.  Only those the kernel has are listed, since
	# systemd-modules-load fails on a name it cannot find.
	hash_conf=$initdir/usr/lib/modules-load.d/cfsboot-hash.conf
	: > "$hash_conf" || exit 1
	for m in $cfsboot_hash_modules; do
		# In the kernel's module tree (srcmods): dracut installs the modules
		# themselves only after every install().
		f=$(find "$srcmods/" \( -name "$m.ko*" -o -name "$(echo "$m" | tr _ -).ko*" \) -print -quit)
		[ -z "$f" ] || echo "$m" >> "$hash_conf" || exit 1
	done

	if dracut_module_included systemd; then
		# Required, not wanted: if cfs-pivot refuses, initrd-root-fs.target
		# fails with it, and nothing that follows it (initrd-parse-etc,
		# the switch root) can start the unverified physical root.  The
		# generator checks the command line before any unit starts: no
		# rd.systemd.mask= or rd.systemd.unit= reaches a generator.
		if ! inst_simple "$moddir/cfsboot-pivot.service" \
			"$systemdsystemunitdir/cfsboot-pivot.service" ||
			! $SYSTEMCTL -q --root "$initdir" add-requires initrd-root-fs.target \
				cfsboot-pivot.service ||
			! inst_script "$moddir/cfsboot-generator" \
				"$systemdutildir/system-generators/cfsboot-generator"; then
			dfatal "cfsboot: cannot install cfsboot-pivot.service and its generator"
			exit 1
		fi
	else
		# dracut's first hook checks the command line: before any
		# rd.break point but the one before it (rd.break=cmdline, which
		# ends in the emergency hook).
		inst_hook cmdline 00 "$moddir/cfsboot-cmdline.sh"
		# After the mount hooks have mounted the physical root at $NEWROOT,
		# before the other pre-pivot hooks (usr mount, SELinux policy
		# load), which must see the verified tree.
		inst_hook pre-pivot 10 "$moddir/cfsboot-pivot.sh"
		inst_hook pre-trigger 10 "$moddir/cfsboot-modules.sh"
	fi
}
