/* SPDX-License-Identifier: MIT */
/* The trust-anchor set, shared by sig_anchors.c (loading) and signature.c
 * (verification); users of signature.h see it as an opaque type. */
#ifndef CFS_SIG_ANCHORS_H
#define CFS_SIG_ANCHORS_H

#include <openssl/x509.h>

#include "lib/trust/signature.h"

struct cfs_sig_anchors {
	char *dir;               /* where they came from, for messages */
	STACK_OF(X509) *certs;   /* in file-name order */
	X509_STORE *store;       /* the same certificates, nothing else */
};

#endif
