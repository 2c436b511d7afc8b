# The guest kernel of the VM tests (sourced by tests/vm/lib.sh): Debian's
# 6.12 kernel package from bookworm-backports, fetched once through a
# private apt configuration built from the machine's own sources, and
# cached in build/vm/kernel/<package>/ with its modules.dep.

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
