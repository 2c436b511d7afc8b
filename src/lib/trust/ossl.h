/* SPDX-License-Identifier: MIT */
/* Cleanup attributes for the OpenSSL objects the signature code uses, and
 * the reason of OpenSSL's last error for a message. */
#ifndef CFS_OSSL_H
#define CFS_OSSL_H

#include <stdio.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define CFS_DEFINE_OSSL_FREEP(type, func)               \
	static inline void func##p(type **p)            \
	{                                               \
		if (*p)                                 \
			func(*p);                       \
	}

CFS_DEFINE_OSSL_FREEP(ASN1_OBJECT, ASN1_OBJECT_free)
CFS_DEFINE_OSSL_FREEP(BIO, BIO_free)
CFS_DEFINE_OSSL_FREEP(CMS_ContentInfo, CMS_ContentInfo_free)
CFS_DEFINE_OSSL_FREEP(EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free)
CFS_DEFINE_OSSL_FREEP(X509, X509_free)
CFS_DEFINE_OSSL_FREEP(X509_ALGOR, X509_ALGOR_free)

/* The reason of the most recent OpenSSL error, and an empty error queue,
 * so that a later failure does not report a stale reason.  Without the
 * error texts (cfs_sig_init()), the code, for `openssl errstr`. */
static inline const char *cfs_ossl_reason(void)
{
	static char code[32];
	unsigned long e = ERR_peek_last_error();
	const char *s = e ? ERR_reason_error_string(e) : "no reason given";

	ERR_clear_error();
	if (s)
		return s;
	snprintf(code, sizeof(code), "OpenSSL error %lX", e);
	return code;
}

#endif
