#!/usr/bin/env bash
# Builds the static archives that Debian does not ship and cfs-pivot links
# (cfsboot links the same tpm2-tss):
#   - libcrypto, reduced to what cfsboot uses (Debian's libcrypto.a alone is
#     larger than cfs-pivot's whole size budget), from Debian's openssl;
#   - tpm2-tss: ESAPI with the device and swtpm TCTIs linked in, no dlopen,
#     no FAPI, no policy library, from trixie's tpm2-tss (bookworm's source
#     is not served);
#   - libkmod, from Debian's kmod (it refuses --enable-static).
# It also builds the tests' reference writer, upstream mkcomposefs, from
# the composefs source that Debian serves in forky and sid.
# The sources are Debian source packages fetched with apt-get source, so
# every file is checked against the archive's signed Sources indexes.  The
# machine's apt configuration is not changed: a private one is built from
# the archive addresses it names.  See docs/building.md.
#
#   scripts/build-deps.sh [DESTDIR]          (default: build/deps)
#
# DESTDIR receives include/, lib/, a log per step and .stamp, which records
# the recipe (a hash of this script but its reference-writer section) and
# the source versions; bin/ holds mkcomposefs, with .stamp-reference (the
# hash of the whole script).  While a stamp matches, nothing of its part is
# fetched or built; remove DESTDIR to rebuild from the archive's current
# sources.
set -euo pipefail

SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
DEST=${1:-build/deps}
JOBS=$(nproc)

# The release whose tpm2-tss source is served (bookworm's is not).
TSS_SUITE=trixie

# Compiler flags of every archive: small code that --gc-sections can trim,
# position independent so that the ASan build can link the same archives
# into a dynamic program, hardened like Debian's own packages.
DEPS_CFLAGS=(-Os -g -fPIC -ffunction-sections -fdata-sections -fstack-protector-strong
	-D_FORTIFY_SOURCE=2)

# libcrypto keeps what cfs-pivot and ESAPI use: SHA-1/2/3, HMAC, AES, RSA,
# EC on the prime curves and Ed25519, X.509, PKCS#7 and CMS.  Everything
# else is configured out: TLS, sockets, engines, loadable modules and
# providers, automatic configuration loading, and the algorithms nothing
# here uses.
OPENSSL_OPTIONS=(
	no-shared no-module no-dso no-engine no-legacy no-tests no-autoload-config
	no-async no-comp no-sock no-ui-console no-filenames
	no-ssl no-tls no-dtls no-srtp no-psk no-nextprotoneg no-ktls no-ssl-trace no-multiblock
	no-aria no-bf no-blake2 no-camellia no-cast no-chacha no-poly1305 no-des no-dh no-dsa
	no-ec2m no-gost no-idea no-md4 no-mdc2 no-ocb no-rc2 no-rc4 no-rc5 no-rmd160 no-scrypt
	no-seed no-siphash no-siv no-sm2 no-sm3 no-sm4 no-srp no-whirlpool
	no-ts no-ocsp no-ct no-cmp no-rfc3779
	enable-ec_nistp_64_gcc_128
)

# Only the TCTIs cfs-pivot opens: the kernel's TPM device, and swtpm's
# socket for the tests.  The others need hardware or libraries we lack.
TSS_OPTIONS=(
	--enable-static --disable-shared --enable-nodl --disable-fapi --disable-policy
	--with-crypto=ossl --disable-doxygen-doc --disable-unit --disable-integration
	--disable-tcti-mssim --disable-tcti-pcap --disable-tcti-libtpms --disable-tcti-cmd
	--disable-tcti-spi-helper --disable-tcti-spi-ltt2go --disable-tcti-spidev
	--disable-tcti-spi-ftdi --disable-tcti-i2c-helper --disable-tcti-i2c-ftdi
)
TSS_LIBS=(esys rc sys mu tcti-device tcti-swtpm)
TSS_HEADERS=(tss2_common.h tss2_tpm2_types.h tss2_tcti.h tss2_sys.h tss2_esys.h tss2_mu.h
	tss2_rc.h tss2_tcti_device.h tss2_tcti_swtpm.h)

TSS_ARCHIVES=("${TSS_LIBS[@]/#/libtss2-}")
ARCHIVES=(libcrypto.a libkmod.a "${TSS_ARCHIVES[@]/%/.a}")

fail() {
	echo "build-deps: $*" >&2
	exit 1
}

# Any other command that fails names the step it belonged to (once: a
# failure inside a command substitution is reported by its caller).
STEP=setup
set -E
trap '[ "$BASH_SUBSHELL" -ne 0 ] || fail "$STEP: a command failed (${SCRIPT##*/} line $LINENO)"' ERR

mkdir -p "$DEST" || fail "cannot create $DEST"
SHOWN_DEST=$DEST
DEST=$(cd "$DEST" && pwd)
STAMP=$DEST/.stamp
# The reference writer's section (between its two marker lines) is not part
# of the archives' recipe: changing how mkcomposefs is built rebuilds only
# mkcomposefs, which takes seconds.  Its own recipe is the whole script.
RECIPE=$(sed '/^# >>> reference writer/,/^# <<< reference writer/d' "$SCRIPT" | sha256sum | cut -d' ' -f1)
REF_STAMP=$DEST/.stamp-reference
REF_RECIPE=$(sha256sum "$SCRIPT" | cut -d' ' -f1)

# run STEP LOG CMD...: runs CMD with its output appended to LOG; a failure
# ends the script with one line naming the step, the log and its last line.
run() {
	local step=$1 log=$2
	shift 2
	STEP=$step
	if ! "$@" >>"$log" 2>&1; then
		fail "$step failed (log: $SHOWN_DEST/${log##*/}; last line: $(tail -n 1 "$log"))"
	fi
}

archives_up_to_date() {
	local a
	[ -f "$STAMP" ] && [ "$(head -n 1 "$STAMP")" = "recipe $RECIPE" ] || return 1
	for a in "${ARCHIVES[@]}"; do
		[ -f "$DEST/lib/$a" ] || return 1
	done
}

# >>> reference writer: settings and checks
# The tests compare our images byte for byte with upstream mkcomposefs
# 1.0.8 (tests/lib.sh, docs/testing.md).  Only forky and sid serve its
# source; the version is pinned because the byte identity is with 1.0.x.
REF_SUITES=(forky sid)
REF_SOURCE=composefs=1.0.8-3
REF_TOOLS=(mkcomposefs)
REF_REQUIRED=(meson ninja-build)

reference_up_to_date() {
	local t
	[ -f "$REF_STAMP" ] && [ "$(head -n 1 "$REF_STAMP")" = "recipe $REF_RECIPE" ] || return 1
	for t in "${REF_TOOLS[@]}"; do
		[ -x "$DEST/bin/$t" ] || return 1
	done
}
# <<< reference writer

# Two builds in one tree (make in two shells) take turns.
exec 9>"$DEST/.lock"
flock 9
BUILD_ARCHIVES=1 BUILD_REFERENCE=1
archives_up_to_date && BUILD_ARCHIVES=
reference_up_to_date && BUILD_REFERENCE=
if [ -z "$BUILD_ARCHIVES$BUILD_REFERENCE" ]; then
	touch "$STAMP" "$REF_STAMP"
	echo "deps: up to date ($(tail -q -n +2 "$STAMP" "$REF_STAMP" | paste -sd ',' | sed 's/,/, /g'))"
	exit 0
fi

required=()
[ -z "$BUILD_ARCHIVES" ] || required+=(dpkg-dev autoconf automake libtool autoconf-archive
	libltdl-dev pkg-config libssl-dev libblkid-dev liblzma-dev libzstd-dev zlib1g-dev)
[ -z "$BUILD_REFERENCE" ] || required+=(dpkg-dev pkg-config libssl-dev "${REF_REQUIRED[@]}")
for p in "${required[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		fail "package $p is missing; run scripts/install-deps.sh"
done

WORK=$DEST/work
STAGE=$WORK/stage
APTDIR=$(mktemp -d "${TMPDIR:-/tmp}/cfsboot-apt.XXXXXX") || fail "cannot create a temporary directory"
trap 'rm -rf "$APTDIR"' EXIT
rm -rf "$WORK"
mkdir -p "$STAGE/include/tss2" "$STAGE/lib"
: >"$DEST/apt.log"
if [ -n "$BUILD_ARCHIVES" ]; then
	rm -f "$STAMP"
	: >"$DEST/openssl.log" && : >"$DEST/kmod.log" && : >"$DEST/tpm2-tss.log"
fi
if [ -n "$BUILD_REFERENCE" ]; then
	rm -f "$REF_STAMP"
	: >"$DEST/composefs.log"
fi

# --- a private apt configuration for source packages ------------------------

# apt_entries: prints "URI SUITE KEYRING COMPONENT..." for every enabled
# binary-package source the machine's apt configuration names, from both
# the deb822 (*.sources) and the one-line (sources.list, *.list) formats.
apt_entries() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
		function flush(   u, s, nu, ns, us, ss, i, j) {
			if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no") {
				nu = split(uris, us, /[ \t]+/)
				ns = split(suites, ss, /[ \t]+/)
				for (i = 1; i <= nu; i++)
					for (j = 1; j <= ns; j++)
						if (us[i] != "" && ss[j] != "")
							print us[i], ss[j], (key ~ /^\// ? key : "-"), comps
			}
			types = uris = suites = comps = key = enabled = ""
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { next }
		{
			name = tolower(substr($0, 1, index($0, ":") - 1))
			value = substr($0, index($0, ":") + 1)
			gsub(/^[ \t]+|[ \t]+$/, "", value)
			if (name == "types") types = value
			else if (name == "uris") uris = value
			else if (name == "suites") suites = value
			else if (name == "components") comps = value
			else if (name == "signed-by") key = value
			else if (name == "enabled") enabled = tolower(value)
		}
		END { flush() }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '
		$1 != "deb" { next }
		{
			key = "-"; i = 2
			if ($2 ~ /^\[/) {
				for (; i <= NF; i++) {
					o = $i; gsub(/[\[\]]/, "", o)
					if (o ~ /^signed-by=\//) key = substr(o, 11)
					if ($i ~ /\]$/) break
				}
				i++
			}
			comps = ""
			for (j = i + 2; j <= NF && $j !~ /^#/; j++) comps = comps " " $j
			print $i, $(i + 1), key, substr(comps, 2)
		}' "$f"
	done
}

# deb_src_line URI SUITE KEYRING COMPONENT...
deb_src_line() {
	local uri=$1 suite=$2 key=$3
	shift 3
	if [ "$key" = - ]; then
		echo "deb-src $uri $suite $*"
	else
		echo "deb-src [signed-by=$key] $uri $suite $*"
	fi
}

# shellcheck source=/dev/null
. /etc/os-release
CODENAME=${VERSION_CODENAME:?/etc/os-release names no VERSION_CODENAME}
# The suites beyond the machine's release that this run fetches from.
EXTRA_SUITES=()
[ -z "$BUILD_ARCHIVES" ] || EXTRA_SUITES+=("$TSS_SUITE")
[ -z "$BUILD_REFERENCE" ] || EXTRA_SUITES+=("${REF_SUITES[@]}")
mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial"
{
	primary=
	while read -r -a entry; do
		deb_src_line "${entry[@]}"
		if [ "${entry[1]}" = "$CODENAME" ] && [ -z "$primary" ]; then
			primary=1
			for suite in "${EXTRA_SUITES[@]}"; do
				deb_src_line "${entry[0]}" "$suite" "${entry[@]:2}"
			done
		fi
	done < <(apt_entries)
} | sort -u >"$APTDIR/sources.list"
grep -q " ${EXTRA_SUITES[0]} " "$APTDIR/sources.list" ||
	fail "the apt configuration names no archive for $CODENAME; cannot fetch sources"
# apt drops its privileges to _apt for downloads: let it reach its files.
chmod 755 "$APTDIR"
APT_OPTS=(-q -o Dir::Etc::SourceList="$APTDIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists="$APTDIR/lists" -o Dir::Cache="$APTDIR/cache")

STEP=apt
cat "$APTDIR/sources.list" >>"$DEST/apt.log"
run "apt-get update" "$DEST/apt.log" apt-get "${APT_OPTS[@]}" update
# A source whose index is unsigned or unverifiable only yields a warning here.
if grep -qE '^(W|E):' "$DEST/apt.log"; then
	fail "apt-get update could not verify every index: $(grep -m 1 -E '^(W|E):' "$DEST/apt.log")"
fi

# fetch NAME SPEC...: downloads the source package of the first SPEC
# (name=version or name/suite) the archive serves and unpacks it into
# $WORK/NAME.  apt-get checks every file against the signed Sources index
# and warns when it cannot; any warning is fatal.
fetch() {
	local name=$1 log=$DEST/$1.log spec out dl dsc
	shift
	dl=$APTDIR/dl-$name
	for spec; do
		rm -rf "$dl" && mkdir "$dl"
		[ "$(id -u)" -ne 0 ] || chown _apt "$dl"
		if out=$(cd "$dl" && apt-get "${APT_OPTS[@]}" source --download-only "$spec" 2>&1); then
			printf '%s\n' "$out" >>"$log"
			if grep -qE '^(W:|WARNING)' <<<"$out"; then
				fail "apt-get source $spec was not verified: $(grep -m 1 -E '^(W:|WARNING)' <<<"$out")"
			fi
			dsc=$(ls "$dl"/*.dsc)
			run "unpacking $spec" "$log" dpkg-source -x "$dsc" "$WORK/$name"
			FETCHED=$spec
			return 0
		fi
		printf '%s\n' "$out" >>"$log"
	done
	fail "no source of $name is served (tried $*; log: $SHOWN_DEST/$name.log; $(grep -m 1 '^E:' <<<"$out" || true))"
}

# version NAME: the Debian version of the unpacked source NAME.
version() {
	dpkg-parsechangelog -l "$WORK/$1/debian/changelog" -S Version
}

# summary NAME SECONDS WHAT
summary() {
	printf 'deps: %s %s: %s (%d s)\n' "$1" "$(version "$1")" "$3" "$2"
}

# --- libcrypto ----------------------------------------------------------------

build_openssl() {
	local src=$WORK/openssl log=$DEST/openssl.log start=$SECONDS installed note=
	STEP=openssl
	# The release of the libssl-dev whose headers we compile against, when
	# its source is served (security updates may not be); else the newest
	# of this Debian release.
	installed=$(dpkg-query -W -f='${source:Version}' libssl-dev)
	fetch openssl "openssl=$installed" "openssl/$CODENAME"
	[ "$FETCHED" = "openssl=$installed" ] ||
		note="; the source of the installed libssl-dev $installed is not served"
	# The assembly for P-256 brings 150 KB of precomputed points that do not
	# compress; without it a P-256 signature verifies in about a millisecond.
	# shellcheck disable=SC2016 # build.info variables, not the shell's
	sed -i 's/^\([[:space:]]*\$ECASM\)=\$ECASM_.*/\1=/; s/^\([[:space:]]*\$ECDEF\)=\$ECDEF_.*/\1=/' \
		"$src/crypto/ec/build.info"
	# shellcheck disable=SC2016 # the same
	[ "$(grep -c '^[[:space:]]*\$EC\(ASM\|DEF\)=$' "$src/crypto/ec/build.info")" -eq 3 ] ||
		fail "openssl: crypto/ec/build.info has changed; cannot leave out the EC assembly"
	run "openssl: Configure" "$log" \
		env -C "$src" ./Configure --prefix=/usr --openssldir=/usr/lib/ssl \
		"${OPENSSL_OPTIONS[@]}" "${DEPS_CFLAGS[@]}"
	run "openssl: make build_generated" "$log" make -C "$src" -j"$JOBS" build_generated
	run "openssl: make libcrypto.a" "$log" make -C "$src" -j"$JOBS" libcrypto.a
	cp "$src/libcrypto.a" "$STAGE/lib/"
	OPENSSL_VERSION=$(version openssl)
	summary openssl $((SECONDS - start)) "reduced libcrypto.a$note"
}

# --- libkmod ------------------------------------------------------------------

build_kmod() {
	local src=$WORK/kmod log=$DEST/kmod.log start=$SECONDS
	STEP=kmod
	fetch kmod "kmod/$CODENAME"
	# kmod's autogen.sh makes gtk-doc optional the same way; we build no docs.
	touch "$src/libkmod/docs/gtk-doc.make"
	run "kmod: autoreconf" "$log" env -C "$src" autoreconf --force --install
	# --sysconfdir=/etc: libkmod reads SYSCONFDIR/modprobe.d at run time.
	run "kmod: configure" "$log" env -C "$src" ./configure CFLAGS="${DEPS_CFLAGS[*]}" \
		--prefix=/usr --sysconfdir=/etc --disable-tools --disable-manpages \
		--disable-test-modules --with-xz --with-zstd --with-zlib --without-openssl
	# kmod refuses --enable-static; its test suite links libkmod statically
	# through this internal archive of the same objects as libkmod.so.
	run "kmod: make" "$log" make -C "$src" -j"$JOBS" libkmod/libkmod-internal.la
	cp "$src/libkmod/.libs/libkmod-internal.a" "$STAGE/lib/libkmod.a"
	cp "$src/libkmod/libkmod.h" "$STAGE/include/"
	KMOD_VERSION=$(version kmod)
	summary kmod $((SECONDS - start)) "libkmod.a with xz, zstd and zlib modules"
}

# --- tpm2-tss -------------------------------------------------------------------

build_tss() {
	local src=$WORK/tpm2-tss log=$DEST/tpm2-tss.log start=$SECONDS l targets=()
	STEP=tpm2-tss
	fetch tpm2-tss "tpm2-tss/$TSS_SUITE"
	run "tpm2-tss: bootstrap" "$log" env -C "$src" ./bootstrap
	# Configure's libcrypto probes (SM3, SM4) must see the reduced libcrypto
	# that cfs-pivot links, not the system's.
	run "tpm2-tss: configure" "$log" env -C "$src" ./configure CFLAGS="${DEPS_CFLAGS[*]}" \
		LDFLAGS="-L$STAGE/lib" "${TSS_OPTIONS[@]}"
	if grep -qE '^#define HAVE_EVP_SM[34]' "$src/config.h"; then
		fail "tpm2-tss: configure found SM3/SM4 in a libcrypto other than $SHOWN_DEST/lib's"
	fi
	for l in "${TSS_LIBS[@]}"; do
		case $l in
		tcti-*) targets+=("src/tss2-tcti/libtss2-$l.la") ;;
		*) targets+=("src/tss2-$l/libtss2-$l.la") ;;
		esac
	done
	run "tpm2-tss: make" "$log" make -C "$src" -j"$JOBS" "${targets[@]}"
	for l in "${targets[@]}"; do
		l=${l%.la}.a
		cp "$src/${l%/*}/.libs/${l##*/}" "$STAGE/lib/"
	done
	# Each TCTI defines Tss2_Tcti_Info for the dlopen loader; linked together
	# they would clash.  Nothing calls them without the loader.
	for l in device swtpm; do
		run "tpm2-tss: objcopy" "$log" \
			objcopy --localize-symbol=Tss2_Tcti_Info "$STAGE/lib/libtss2-tcti-$l.a"
	done
	for l in "${TSS_HEADERS[@]}"; do
		cp "$src/include/tss2/$l" "$STAGE/include/tss2/"
	done
	TSS_VERSION=$(version tpm2-tss)
	summary tpm2-tss $((SECONDS - start)) "ESAPI with the device and swtpm TCTIs"
}

# >>> reference writer: the build
# mkcomposefs, linked with a static libcomposefs so that it runs from
# DEST/bin (upstream builds the library both ways and links the shared
# one), against the system's libcrypto; no FUSE, no man pages.
build_reference() {
	local src=$WORK/composefs log=$DEST/composefs.log start=$SECONDS t
	STEP=composefs
	fetch composefs "$REF_SOURCE"
	sed -i '/^libcomposefs = both_libraries(/,/^)/{s/both_libraries(/static_library(/; /^  \(so\)\?version : /d}' \
		"$src/libcomposefs/meson.build"
	[ "$(grep -c '^libcomposefs = static_library(\|^  \(so\)\?version : ' "$src/libcomposefs/meson.build")" -eq 1 ] ||
		fail "composefs: libcomposefs/meson.build has changed; cannot build libcomposefs static only"
	# Compiled with the flags Debian's own package is built with.
	run "composefs: meson setup" "$log" env CFLAGS="$(dpkg-buildflags --get CFLAGS)" \
		CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)" LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" \
		meson setup "$WORK/composefs-build" "$src" --buildtype=plain -Dfuse=disabled -Dman=disabled
	run "composefs: ninja" "$log" ninja -C "$WORK/composefs-build" "${REF_TOOLS[@]/#/tools/}"
	mkdir -p "$STAGE/bin"
	for t in "${REF_TOOLS[@]}"; do
		cp "$WORK/composefs-build/tools/$t" "$STAGE/bin/"
	done
	REF_VERSION=$(version composefs)
	summary composefs $((SECONDS - start)) "${REF_TOOLS[*]}, the tests' reference writer"
}
# <<< reference writer

# Nothing half-built stays under the final names.
if [ -n "$BUILD_ARCHIVES" ]; then
	build_openssl
	build_kmod
	build_tss
	STEP=installing
	rm -rf "${DEST:?}/include" "${DEST:?}/lib"
	mv "$STAGE/include" "$STAGE/lib" "$DEST/"
	printf 'recipe %s\nopenssl %s\nkmod %s\ntpm2-tss %s\n' \
		"$RECIPE" "$OPENSSL_VERSION" "$KMOD_VERSION" "$TSS_VERSION" >"$STAMP.new"
	mv "$STAMP.new" "$STAMP"
fi
if [ -n "$BUILD_REFERENCE" ]; then
	build_reference
	STEP=installing
	rm -rf "${DEST:?}/bin"
	mv "$STAGE/bin" "$DEST/"
	printf 'recipe %s\ncomposefs %s\n' "$REF_RECIPE" "$REF_VERSION" >"$REF_STAMP.new"
	mv "$REF_STAMP.new" "$REF_STAMP"
fi
# The archives' stamp is the Makefile's target: it is newer than the script
# after any run.
touch "$STAMP"
rm -rf "$WORK"
