/* SPDX-License-Identifier: MIT */
/*
 * Image signatures: a detached DER PKCS#7/CMS SignedData over the fs-verity
 * formatted digest of a composefs image (the payload `fsverity sign`
 * signs), checked against trust anchors loaded from a directory, a list of
 * revoked certificate fingerprints and a security-version floor.  The rules
 * are in docs/signature.md; cfsboot verify and cfs-pivot share this code.
 *
 * Everything here works in a static binary without a configuration file,
 * a system certificate store or a network: call cfs_sig_init() before any
 * other OpenSSL use so that no openssl.cnf is ever read.
 */
#ifndef CFS_SIGNATURE_H
#define CFS_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "lib/verity/fsverity.h"

/*
 * Object identifiers of cfsboot.  1.3.6.1.4.1.32473 is the Private
 * Enterprise Number IANA reserves for documentation (RFC 5612): a
 * placeholder, owned by nobody, until cfsboot has a registered arc.
 * Changing them invalidates every certificate and signature made before.
 */
#define CFS_OID_ARC              "1.3.6.1.4.1.32473.1"
#define CFS_OID_IMAGE_SIGNING    CFS_OID_ARC ".1"  /* extended key usage */
#define CFS_OID_SECURITY_VERSION CFS_OID_ARC ".2"  /* signed attribute, INTEGER */
#define CFS_OID_CHANNEL_SIGNING  CFS_OID_ARC ".3"  /* extended key usage (docs/update.md) */

#define CFS_SIG_MAX_SIZE          (1024 * 1024) /* bytes of a signature file */
#define CFS_SIG_MAX_CERTS         16   /* certificates embedded in a signature */
#define CFS_SIG_MAX_INTERMEDIATES 4    /* between the signer and its anchor */
#define CFS_SIG_MAX_ANCHORS       256
#define CFS_SIG_MIN_RSA_BITS      2048
#define CFS_SIG_MIN_SECURITY_BITS 112  /* what RSA-2048 gives */
#define CFS_SIG_SUBJECT_MAX       256  /* signer subject, with its NUL */
#define CFS_SIG_FINGERPRINT_SIZE  32   /* a SHA-256 fingerprint */

/*
 * Failure classes of a verification, returned negated.  They start above
 * every errno so that -ENOMEM or -EIO (a failing system, not a bad
 * signature) stay distinguishable.  The numbers are an interface
 * (docs/errors.md maps them to exit codes): never renumber.
 */
enum cfs_sig_error {
	CFS_SIG_EMPTY = 1000,     /* the signature file is empty */
	CFS_SIG_TOO_LARGE,        /* more than CFS_SIG_MAX_SIZE bytes */
	CFS_SIG_TRUNCATED,        /* the DER ends before its declared length */
	CFS_SIG_MALFORMED,        /* not the detached one-signer SignedData expected */
	CFS_SIG_MISMATCH,         /* does not sign this digest */
	CFS_SIG_UNTRUSTED,        /* no chain to a trust anchor */
	CFS_SIG_NOT_CA,           /* an issuer without CA rights or beyond its path length */
	CFS_SIG_USAGE,            /* key usage or extended key usage forbids image signing */
	CFS_SIG_REVOKED,          /* a certificate of the chain is revoked */
	CFS_SIG_ROLLBACK,         /* security version below the floor */
	CFS_SIG_EXPIRED,          /* clock checks on: a certificate has expired */
	CFS_SIG_NOT_YET_VALID,    /* clock checks on: a certificate is not valid yet */
	CFS_SIG_ALGORITHM,        /* SHA-1, RSA below 2048 bits, an unsupported key */
	CFS_SIG_BAD_CHAIN,        /* any other defect of the chain (forged certificate ...) */
	CFS_SIG_SCOPE,            /* the chain passes through none of the pinned CAs */
	_CFS_SIG_ERROR_END,
};

/* Short name of a failure class ("revoked", ...), or NULL for anything
 * else, errnos included. */
const char *cfs_sig_error_name(int r);

/* The trust anchors: every certificate of one directory (sig_anchors.h). */
struct cfs_sig_anchors;

/* Key (SPKI) and certificate fingerprints that are refused wherever they
 * appear in a chain (sig_revoked.h). */
struct cfs_sig_revoked;

/* Issuing CAs a signer's chain must pass through (sig_pins.h). */
struct cfs_sig_pins;

struct cfs_sig_policy {
	const struct cfs_sig_anchors *anchors;
	const struct cfs_sig_revoked *revoked;  /* NULL: nothing is revoked */
	const struct cfs_sig_pins *signer_cas;  /* NULL or none: any CA may issue signers */
	uint64_t min_version;                   /* security-version floor */
	bool check_clock;                       /* check validity periods against now */
	/* The extended key usage the signer needs: NULL for image signing,
	 * CFS_OID_CHANNEL_SIGNING for update channels, so that neither key
	 * can stand in for the other. */
	const char *usage;
};

struct cfs_sig_result {
	char signer[CFS_SIG_SUBJECT_MAX];       /* RFC 2253 subject, ASCII, escaped */
	/* SHA-256 of the signer's SubjectPublicKeyInfo: covered by its issuer's
	 * signature, so re-encoding the certificate cannot change it. */
	uint8_t fingerprint[CFS_SIG_FINGERPRINT_SIZE];
	uint64_t version;                       /* 0 when the signature has none */
	bool has_version;
};

/* Initialises OpenSSL without reading any configuration file, and with its
 * error texts only when error_strings (loading them is a tenth of the cost
 * of a verification at boot; our own messages say what failed without
 * them).  Returns 0 or -EIO.  Must come before the first other OpenSSL call
 * of the process: whichever comes first decides what is loaded. */
int cfs_sig_init(bool error_strings);

/*
 * Reads a signature file from fd: at most CFS_SIG_MAX_SIZE + 1 bytes, so
 * that an oversized file is recognised without reading it all.  Returns 0
 * or a negative errno, logged.
 */
int cfs_sig_read_fd(int fd, const char *name, uint8_t **out, size_t *out_len);

/*
 * Verifies the signature sig (named name in messages) of the image whose
 * fs-verity digest is alg:digest under policy.  On success returns 0 and
 * fills res; otherwise returns -CFS_SIG_* (or a negative errno when the
 * system fails) after logging one line that says what is wrong.
 */
int cfs_sig_verify(const char *name, const uint8_t *sig, size_t sig_len,
		   enum cfs_hash_alg alg, const uint8_t *digest,
		   const struct cfs_sig_policy *policy, struct cfs_sig_result *res);

/* SHA-256 fingerprint of a certificate's DER encoding: the legacy form of a
 * revocation entry.  The issuer's signature does not cover all of it (an
 * ECDSA signature stays valid with s replaced by n - s), so it names one
 * encoding of a certificate, not the certificate. */
int cfs_sig_fingerprint(X509 *cert, uint8_t out[CFS_SIG_FINGERPRINT_SIZE]);

/* SHA-256 of the DER SubjectPublicKeyInfo of a certificate (the key and its
 * algorithm, as `openssl pkey -pubin -outform DER` writes it): the same for
 * every certificate of one key, and inside what the issuer signs. */
int cfs_sig_spki_fingerprint(X509 *cert, uint8_t out[CFS_SIG_FINGERPRINT_SIZE]);

#endif
