/* SPDX-License-Identifier: MIT */
/* What one verification holds while it runs, shared by its two halves:
 * signature.c (the CMS structure, the signature, the version) and
 * sig_chain.c (the chain and what it may be trusted for). */
#ifndef CFS_SIG_CHECK_PRIV_H
#define CFS_SIG_CHECK_PRIV_H

#include <stdbool.h>

#include <openssl/cms.h>
#include <openssl/x509.h>

#include "lib/trust/signature.h"

struct cfs_sig_check {
	const char *name;
	const struct cfs_sig_policy *policy;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;           /* the one signer, owned by cms */
	STACK_OF(X509) *embedded;     /* certificates the signature carries */
	X509 *signer;                 /* in embedded or the anchors; not owned */
	bool signer_is_anchor;
	X509_STORE_CTX *store_ctx;
	STACK_OF(X509) *chain;        /* signer first, owned by store_ctx */
	int untrusted;                /* chain entries before the first anchor */
};

#endif
