/* SPDX-License-Identifier: MIT */
/* The second half of a verification (sig_chain.c): the chain from the
 * signer to an anchor and what its certificates may be trusted for.  Each
 * check logs one line and returns -CFS_SIG_* (or a negative errno). */
#ifndef CFS_SIG_CHAIN_H
#define CFS_SIG_CHAIN_H

#include <stddef.h>

#include <openssl/x509.h>

#include "lib/trust/sig_check_priv.h"

/* Builds v->chain from v->signer, the embedded certificates and the
 * anchors, and maps what OpenSSL finds wrong to a failure class. */
int cfs_sig_chain_build(struct cfs_sig_check *v);

/* Key sizes and certificate signature algorithms along the chain. */
int cfs_sig_chain_check_algorithms(struct cfs_sig_check *v);

/* Key usage and extended key usage of the signer and its CAs. */
int cfs_sig_chain_check_usage(struct cfs_sig_check *v);

/* With pinned issuing CAs, one of them is a CA of the chain. */
int cfs_sig_chain_check_scope(struct cfs_sig_check *v);

/* No certificate of the chain is on the revocation list. */
int cfs_sig_chain_check_revocation(struct cfs_sig_check *v);

/* The RFC 2253 subject of a certificate: ASCII only (OpenSSL escapes
 * control and non-ASCII bytes), cut at size - 4 bytes and marked "...", so
 * that a hostile subject cannot inject lines into logs or the status file. */
void cfs_sig_cert_subject(X509 *x, char *buf, size_t size);

#endif
