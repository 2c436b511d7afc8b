/* SPDX-License-Identifier: MIT */
/* The trust anchors (sig_anchors.c): loading them, and the set the
 * verification reads; users outside lib/trust treat it as opaque. */
#ifndef CFS_SIG_ANCHORS_H
#define CFS_SIG_ANCHORS_H

#include <openssl/x509.h>

#include "lib/trust/signature.h"

struct cfs_sig_anchors {
	char *dir;               /* where they came from, for messages */
	STACK_OF(X509) *certs;   /* in file-name order */
	X509_STORE *store;       /* the same certificates, nothing else */
};

/*
 * Loads every certificate of dir: each entry not starting with '.' must be
 * a regular file (links are followed) holding one DER certificate or one or
 * more PEM certificates; anything else refuses.  An empty set refuses.
 * Returns 0 or a negative errno, logged.
 */
int cfs_sig_anchors_load(const char *dir, struct cfs_sig_anchors **out);
void cfs_sig_anchors_free(struct cfs_sig_anchors *a);

/*
 * Parses buf as one DER certificate or as PEM holding at least one
 * certificate and appends them to certs.  Used for anchors and for the
 * certificates cfsboot sign embeds.  Returns 0 or -EINVAL/-ENOMEM, logged.
 */
int cfs_sig_certs_parse(const char *name, const uint8_t *buf, size_t len, STACK_OF(X509) *certs);

#endif
