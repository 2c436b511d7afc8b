#!/usr/bin/env bash
# cfs-pivot is one static program with every library inside.  A throwaway
# program linked exactly as cfs-pivot is (make print-pivot-link) drives each
# library: ESAPI over the device and swtpm TCTIs, libkmod on compressed
# modules, libblkid on a file system, libcrypto's CMS verification.  It must
# be static, work, and fit cfs-pivot's size budget with all of them in.
. "$(dirname "$0")/../lib.sh"

# cfs-pivot's budget, every library in: stripped, and compressed with zstd
# at its default level (what an initramfs compressor does at the least).
MAX_STRIPPED=$((45 * 1024 * 1024 / 10))
MAX_ZSTD=$((18 * 1024 * 1024 / 10))

S=$(scratch)

if [ -n "${CFS_SANITIZED:-}" ]; then
	# ASan cannot be static: the sanitized cfs-pivot links the same archives
	# dynamically.  The static probe below does not depend on the build.
	check "sanitized cfs-pivot is dynamically linked" \
		bash -c "file -L '$CFS_PIVOT' | grep -q 'dynamically linked'"
	check "sanitized cfs-pivot runs" "$CFS_PIVOT" --version
	skip "the static probe is checked in the plain build"
	done_testing
	exit
fi

# ------------------------------------------------------------------- probe
cat >"$S/probe.c" <<'EOF'
/* Uses each library cfs-pivot links the way cfs-pivot will. */
#include <blkid/blkid.h>
#include <libkmod.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tcti_device.h>
#include <tss2/tss2_tcti_swtpm.h>

typedef TSS2_RC (*tcti_init_fn)(TSS2_TCTI_CONTEXT *, size_t *, const char *);

static TSS2_TCTI_CONTEXT *tcti_open(tcti_init_fn init, const char *conf)
{
	TSS2_TCTI_CONTEXT *tcti;
	size_t size = 0;
	TSS2_RC rc;

	rc = init(NULL, &size, conf);
	if (rc == TSS2_RC_SUCCESS) {
		tcti = calloc(1, size);
		if (!tcti)
			return NULL;
		rc = init(tcti, &size, conf);
		if (rc == TSS2_RC_SUCCESS)
			return tcti;
		free(tcti);
	}
	fprintf(stderr, "TCTI %s: %s\n", conf, Tss2_RC_Decode(rc));
	return NULL;
}

static int tpm_fail(const char *what, TSS2_RC rc)
{
	fprintf(stderr, "%s: %s\n", what, Tss2_RC_Decode(rc));
	return 1;
}

/* device PATH: the kernel's TPM device, as cfs-pivot opens it. */
static int cmd_device(const char *path)
{
	TSS2_TCTI_CONTEXT *tcti = tcti_open(Tss2_Tcti_Device_Init, path);
	ESYS_CONTEXT *esys;
	TSS2_RC rc;

	if (!tcti)
		return 1;
	rc = Esys_Initialize(&esys, tcti, NULL);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("Esys_Initialize", rc);
	Esys_Finalize(&esys);
	return 0;
}

/*
 * swtpm CONF HEX: over a salted, encrypting session (ECDH, KDFs, HMAC and
 * AES in libcrypto), extends PCR 16 with the SHA-256 digest HEX and prints
 * the PCR's new value.
 */
static int cmd_swtpm(const char *conf, const char *hex)
{
	TPM2B_PUBLIC template = { .publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED |
				    TPMA_OBJECT_DECRYPT | TPMA_OBJECT_FIXEDTPM |
				    TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN,
		.parameters.eccDetail = {
			.symmetric = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128,
				       .mode.aes = TPM2_ALG_CFB },
			.scheme.scheme = TPM2_ALG_NULL,
			.curveID = TPM2_ECC_NIST_P256,
			.kdf.scheme = TPM2_ALG_NULL,
		},
	} };
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128,
			     .mode.aes = TPM2_ALG_CFB };
	TPM2B_SENSITIVE_CREATE sensitive = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION creation_pcrs = { 0 };
	TPML_PCR_SELECTION read = { .count = 1, .pcrSelections[0] = {
		.hash = TPM2_ALG_SHA256, .sizeofSelect = 3, .pcrSelect = { 0, 0, 1 } } };
	TPML_DIGEST_VALUES extend = { .count = 1 };
	TPML_DIGEST *values;
	TPM2B_DIGEST *random;
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_TR primary, session;
	ESYS_CONTEXT *esys;
	TSS2_RC rc;
	size_t i;

	extend.digests[0].hashAlg = TPM2_ALG_SHA256;
	if (strlen(hex) != 2 * TPM2_SHA256_DIGEST_SIZE)
		return 2;
	for (i = 0; i < TPM2_SHA256_DIGEST_SIZE; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &extend.digests[0].digest.sha256[i]) != 1)
			return 2;

	tcti = tcti_open(Tss2_Tcti_Swtpm_Init, conf);
	if (!tcti)
		return 1;
	rc = Esys_Initialize(&esys, tcti, NULL);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("Esys_Initialize", rc);
	rc = Esys_Startup(esys, TPM2_SU_CLEAR);
	if (rc != TSS2_RC_SUCCESS && rc != TPM2_RC_INITIALIZE)
		return tpm_fail("Esys_Startup", rc);
	rc = Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				ESYS_TR_NONE, &sensitive, &template, &outside, &creation_pcrs,
				&primary, NULL, NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("Esys_CreatePrimary", rc);
	rc = Esys_StartAuthSession(esys, primary, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, TPM2_SE_HMAC, &sym, TPM2_ALG_SHA256,
				   &session);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("Esys_StartAuthSession", rc);
	rc = Esys_TRSess_SetAttributes(esys, session, TPMA_SESSION_CONTINUESESSION, 0xff);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("Esys_TRSess_SetAttributes", rc);
	rc = Esys_PCR_Extend(esys, ESYS_TR_PCR16, session, ESYS_TR_NONE, ESYS_TR_NONE, &extend);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("Esys_PCR_Extend", rc);
	rc = Esys_TRSess_SetAttributes(esys, session,
				       TPMA_SESSION_CONTINUESESSION | TPMA_SESSION_ENCRYPT, 0xff);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("Esys_TRSess_SetAttributes", rc);
	rc = Esys_GetRandom(esys, session, ESYS_TR_NONE, ESYS_TR_NONE, 16, &random);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("Esys_GetRandom", rc);
	Esys_Free(random);
	rc = Esys_PCR_Read(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &read, NULL, NULL,
			   &values);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail("Esys_PCR_Read", rc);
	if (values->count != 1)
		return 1;
	for (i = 0; i < values->digests[0].size; i++)
		printf("%02x", values->digests[0].buffer[i]);
	printf("\n");
	Esys_Free(values);
	Esys_FlushContext(esys, session);
	Esys_FlushContext(esys, primary);
	Esys_Finalize(&esys);
	Tss2_Tcti_Finalize(tcti);
	free(tcti);
	return 0;
}

/* modinfo DIR FILE: a module's .modinfo, read through libkmod. */
static int cmd_modinfo(const char *dir, const char *file)
{
	struct kmod_ctx *ctx = kmod_new(dir, NULL);
	struct kmod_list *info = NULL, *it;
	struct kmod_module *mod;
	int r;

	if (!ctx)
		return 1;
	r = kmod_module_new_from_path(ctx, file, &mod);
	if (r >= 0)
		r = kmod_module_get_info(mod, &info);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", file, strerror(-r));
		return 1;
	}
	kmod_list_foreach(it, info)
		printf("%s=%s\n", kmod_module_info_get_key(it), kmod_module_info_get_value(it));
	kmod_module_info_free_list(info);
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return 0;
}

/* lookup NAME: the module's path in the running kernel's modules.dep. */
static int cmd_lookup(const char *name)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_list *list = NULL, *it;

	if (!ctx || kmod_module_new_from_lookup(ctx, name, &list) < 0)
		return 1;
	kmod_list_foreach(it, list) {
		struct kmod_module *mod = kmod_module_get_module(it);

		printf("%s\n", kmod_module_get_path(mod) ?: "(builtin)");
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(list);
	kmod_unref(ctx);
	return 0;
}

/* blkid FILE: the file system's type, label and UUID. */
static int cmd_blkid(const char *file)
{
	blkid_probe pr = blkid_new_probe_from_filename(file);
	const char *name[] = { "TYPE", "LABEL", "UUID" };
	const char *value;
	size_t i;

	if (!pr || blkid_do_safeprobe(pr) != 0)
		return 1;
	for (i = 0; i < 3; i++)
		if (blkid_probe_lookup_value(pr, name[i], &value, NULL) == 0)
			printf("%s=%s\n", name[i], value);
	blkid_free_probe(pr);
	return 0;
}

/* cms SIG CERT DATA: verifies a detached DER CMS signature over DATA. */
static int cmd_cms(const char *sig, const char *cert, const char *data)
{
	BIO *sig_bio = BIO_new_file(sig, "rb"), *cert_bio = BIO_new_file(cert, "rb");
	BIO *data_bio = BIO_new_file(data, "rb");
	X509_STORE *store = X509_STORE_new();
	CMS_ContentInfo *cms = NULL;
	X509 *x509 = NULL;
	int ok = 0;

	if (sig_bio && cert_bio && data_bio && store) {
		cms = d2i_CMS_bio(sig_bio, NULL);
		x509 = PEM_read_bio_X509(cert_bio, NULL, NULL, NULL);
		ok = cms && x509 && X509_STORE_add_cert(store, x509) &&
		     CMS_verify(cms, NULL, store, data_bio, NULL, CMS_BINARY);
	}
	if (!ok)
		ERR_print_errors_fp(stderr);
	CMS_ContentInfo_free(cms);
	X509_free(x509);
	X509_STORE_free(store);
	BIO_free(sig_bio);
	BIO_free(cert_bio);
	BIO_free(data_bio);
	return ok ? 0 : 1;
}

/* sha256 STRING */
static int cmd_sha256(const char *s)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int i, n;

	if (!EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL))
		return 1;
	for (i = 0; i < n; i++)
		printf("%02x", md[i]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "device"))
		return cmd_device(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "swtpm"))
		return cmd_swtpm(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "modinfo"))
		return cmd_modinfo(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "lookup"))
		return cmd_lookup(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "blkid"))
		return cmd_blkid(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "cms"))
		return cmd_cms(argv[2], argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "sha256"))
		return cmd_sha256(argv[2]);
	fprintf(stderr, "usage: probe device|swtpm|modinfo|lookup|blkid|cms|sha256 ARGS\n");
	return 2;
}
EOF

PROBE=$S/probe
build_probe() {
	local link
	link=$(make -s -C "$REPO" print-pivot-link) || return 1
	flags() { sed -n "s/^$1=//p" <<<"$link"; }
	# shellcheck disable=SC2046 # the flags are lists of words
	(cd "$REPO" && cc -std=gnu11 -O2 -Wall -Wextra -Werror $(flags PIVOT_CPPFLAGS) \
		$(flags PIVOT_LDFLAGS) -o "$PROBE" "$S/probe.c" $(flags PIVOT_LIBS))
}
if ! out=$(build_probe 2>&1); then
	fail "a probe links as cfs-pivot does"
	printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
	done_testing
	exit
fi
ok "a probe links as cfs-pivot does"
# The only warning a static link may give: the swtpm TCTI resolves its host
# with getaddrinfo, which wants glibc's NSS modules for names (not for the
# numeric addresses the tests use).  Any other (dlopen) means a library
# would load code at run time.
printf '%s\n' "$out" >"$S/link.log"
check "its link warns of nothing but getaddrinfo" \
	bash -c "! grep -i warning '$S/link.log' | grep -v getaddrinfo"
check "the probe is statically linked" bash -c "file '$PROBE' | grep -q 'statically linked'"

# --------------------------------------------------------------------- size
strip -o "$PROBE.stripped" "$PROBE"
stripped=$(stat -c %s "$PROBE.stripped")
zstd -q -f -o "$PROBE.zst" "$PROBE.stripped"
compressed=$(stat -c %s "$PROBE.zst")
diag "probe with every library: $stripped bytes stripped, $compressed bytes zstd -3"
check "the probe fits $MAX_STRIPPED bytes stripped" test "$stripped" -le "$MAX_STRIPPED"
check "the probe fits $MAX_ZSTD bytes compressed" test "$compressed" -le "$MAX_ZSTD"

# ------------------------------------------------------------------ libcrypto
check "SHA-256 matches sha256sum" \
	test "$("$PROBE" sha256 cfsboot)" = "$(printf cfsboot | sha256sum | cut -d' ' -f1)"

echo "image digest" >"$S/data"
cms_case() {
	local name=$1 key=$2
	shift 2
	openssl req -x509 -newkey "$key" "$@" -nodes -keyout "$S/$name.key" \
		-out "$S/$name.crt" -subj "/CN=cfsboot $name" -days 2 2>/dev/null &&
		openssl cms -sign -binary -in "$S/data" -signer "$S/$name.crt" \
			-inkey "$S/$name.key" -outform DER -out "$S/$name.sig"
}
for kind in ec rsa; do
	case $kind in
	ec) args=(ec -pkeyopt ec_paramgen_curve:P-256) ;;
	rsa) args=(rsa:2048) ;;
	esac
	if ! cms_case "$kind" "${args[@]}"; then
		fail "openssl makes a $kind CMS signature"
		continue
	fi
	check "CMS_verify accepts a $kind signature" "$PROBE" cms "$S/$kind.sig" "$S/$kind.crt" "$S/data"
done
echo "another image digest" >"$S/tampered"
check_fails "CMS_verify refuses other data" 1 "digest failure|verification failure" \
	"$PROBE" cms "$S/ec.sig" "$S/ec.crt" "$S/tampered"

# ------------------------------------------------------------------- libkmod
# A module is an ELF object with a .modinfo section; libkmod reads it
# through each decompressor it was built with.
printf 'static const char modinfo[] __attribute__((used, section(".modinfo"), aligned(1))) =\n\t"license=GPL\\0description=cfsboot probe\\0";\n' >"$S/fake.c"
cc -c -o "$S/fake.ko" "$S/fake.c"
xz -k "$S/fake.ko"
zstd -q "$S/fake.ko"
gzip -k "$S/fake.ko"
for m in fake.ko fake.ko.xz fake.ko.zst fake.ko.gz; do
	check "libkmod reads $m" \
		bash -c "'$PROBE' modinfo '$S' '$S/$m' | grep -qx 'description=cfsboot probe'"
done
printf 'not a module' | xz >"$S/garbage.ko.xz"
check_fails "libkmod refuses a module that is not ELF" 1 "garbage.ko.xz" \
	"$PROBE" modinfo "$S" "$S/garbage.ko.xz"

moddir=/lib/modules/$(uname -r)
if [ -f "$moddir/modules.dep" ]; then
	first=$(head -n 1 "$moddir/modules.dep" | cut -d: -f1)
	name=$(basename "$first" | sed 's/\.ko.*//; s/-/_/g')
	check "libkmod finds $name in the running kernel's modules.dep" \
		bash -c "'$PROBE' lookup '$name' | grep -qx '$moddir/$first'"
else
	skip "the running kernel has no $moddir/modules.dep"
fi

# ------------------------------------------------------------------ libblkid
truncate -s 8M "$S/fs.img"
if mkfs.ext4 -q -F -L cfsroot -U 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d "$S/fs.img" 2>/dev/null; then
	check "libblkid reads an ext4 label and UUID" bash -c \
		"'$PROBE' blkid '$S/fs.img' | tr '\n' ' ' | grep -qx 'TYPE=ext4 LABEL=cfsroot UUID=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d '"
else
	fail "mkfs.ext4 makes a test file system"
fi

# ------------------------------------------------------------------ tpm2-tss
check_fails "the device TCTI refuses a missing device" 1 "IO failure" \
	"$PROBE" device "$S/no-tpm"

if command -v swtpm >/dev/null; then
	mkdir "$S/tpm"
	started=
	for _ in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 40000))
		if swtpm socket --tpm2 --daemon --pid file="$S/swtpm.pid" --tpmstate dir="$S/tpm" \
			--server type=tcp,port=$port,bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
			--flags not-need-init 2>"$S/swtpm.log"; then
			started=1
			break
		fi
	done
	if [ -n "$started" ]; then
		trap 'kill "$(cat "$S/swtpm.pid")" 2>/dev/null; rm -rf "$SCRATCH"' EXIT
		digest=$(printf 'cfsboot image' | sha256sum | cut -d' ' -f1)
		want=$(python3 -c 'import hashlib, sys; print(hashlib.sha256(bytes(32) + bytes.fromhex(sys.argv[1])).hexdigest())' "$digest")
		check "ESAPI extends PCR 16 over a salted, encrypting session on swtpm" \
			test "$("$PROBE" swtpm "host=127.0.0.1,port=$port" "$digest")" = "$want"
	else
		fail "swtpm starts ($(tail -n 1 "$S/swtpm.log"))"
	fi
else
	skip "swtpm is not installed"
fi

# ------------------------------------------------------------------ cfs-pivot
if [ -x "$CFS_PIVOT" ]; then
	check "cfs-pivot is statically linked" bash -c "file '$CFS_PIVOT' | grep -q 'statically linked'"
	strip -o "$S/cfs-pivot.stripped" "$CFS_PIVOT"
	zstd -q -o "$S/cfs-pivot.zst" "$S/cfs-pivot.stripped"
	stripped=$(stat -c %s "$S/cfs-pivot.stripped")
	compressed=$(stat -c %s "$S/cfs-pivot.zst")
	diag "cfs-pivot: $stripped bytes stripped, $compressed bytes zstd -3"
	check "cfs-pivot fits the size budget" \
		test "$stripped" -le "$MAX_STRIPPED" -a "$compressed" -le "$MAX_ZSTD"
	# libcurl is cfsboot pull's alone (docs/update.md): none of it in cfs-pivot.
	check "cfs-pivot holds no libcurl" bash -c "! grep -qa 'curl_easy_\|libcurl' '$CFS_PIVOT'"
else
	fail "$CFS_PIVOT is built"
fi

done_testing
