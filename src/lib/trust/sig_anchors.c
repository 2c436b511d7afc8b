// SPDX-License-Identifier: MIT
/*
 * Trust anchors come from one directory of certificate files, and nowhere
 * else: the X509_STORE is built from them alone, never from the system's
 * default paths.  A file that is not a certificate refuses the whole set
 * rather than being skipped, so that a mistake in the initramfs shows at
 * the first boot instead of silently shrinking what is trusted.
 */
#include "lib/trust/sig_anchors.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>

#include "lib/base/log.h"
#include "lib/base/read_file.h"
#include "lib/trust/ossl.h"
#include "lib/base/util.h"

/* Certificates are never encrypted: a PEM block that asks for a password is
 * refused instead of prompting on a console. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

static int push_cert(const char *name, STACK_OF(X509) *certs, X509 **x)
{
	if (sk_X509_num(certs) >= CFS_SIG_MAX_ANCHORS)
		return log_errno(-E2BIG, "%s: more than %d certificates", name, CFS_SIG_MAX_ANCHORS);
	if (!sk_X509_push(certs, *x))
		return log_oom();
	*x = NULL;
	return 0;
}

static int parse_pem(const char *name, const uint8_t *buf, size_t len, STACK_OF(X509) *certs)
{
	_cleanup_(BIO_freep) BIO *bio = BIO_new_mem_buf(buf, (int)len);
	unsigned long e;
	int found = 0, r;

	if (!bio)
		return log_oom();
	for (;;) {
		_cleanup_(X509_freep) X509 *x = PEM_read_bio_X509(bio, NULL, no_password, NULL);

		if (!x)
			break;
		r = push_cert(name, certs, &x);
		if (r < 0)
			return r;
		found++;
	}
	/* The loop ends at the first failure; only "no further PEM block"
	 * after at least one certificate is the normal end. */
	e = ERR_peek_last_error();
	ERR_clear_error();
	if (found == 0 || ERR_GET_LIB(e) != ERR_LIB_PEM || ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
		return log_errno(-EINVAL, "%s: %s: write PEM CERTIFICATE blocks or one DER certificate",
				 name, found ? "a PEM block is not a valid certificate"
					     : "no PEM certificate in it");
	return 0;
}

int cfs_sig_certs_parse(const char *name, const uint8_t *buf, size_t len, STACK_OF(X509) *certs)
{
	const unsigned char *p = buf;
	_cleanup_(X509_freep) X509 *x = NULL;

	if (len > CFS_SIG_MAX_SIZE)
		return log_errno(-EFBIG, "%s is larger than a certificate file can be", name);
	/* A key next to the certificates means someone copied the wrong file,
	 * possibly a secret into an initramfs: say so rather than skip it. */
	if (memmem(buf, len, "PRIVATE KEY-----", 16))
		return log_errno(-EINVAL, "%s contains a private key: only certificates belong here; "
				 "remove the key and keep it offline", name);
	if (memmem(buf, len, "-----BEGIN ", 11))
		return parse_pem(name, buf, len, certs);
	x = d2i_X509(NULL, &p, (long)len);
	if (!x || p != buf + len) {
		ERR_clear_error();
		return log_errno(-EINVAL, "%s is neither PEM certificates nor one DER certificate", name);
	}
	return push_cert(name, certs, &x);
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int load_file(const char *dir, const char *file, STACK_OF(X509) *certs)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	struct stat st;
	size_t len;
	int r;

	if (asprintf(&path, "%s/%s", dir, file) < 0)
		return log_oom();
	if (stat(path, &st) < 0)
		return log_errno(-errno, "cannot read trust anchor %s: %m", path);
	if (!S_ISREG(st.st_mode))
		return log_errno(-EINVAL, "%s is not a regular file: a trust directory holds only "
				 "certificate files", path);
	r = cfs_read_file(path, CFS_SIG_MAX_SIZE, &buf, &len);
	if (r < 0)
		return r;
	return cfs_sig_certs_parse(path, buf, len, certs);
}

static int build_store(struct cfs_sig_anchors *a)
{
	a->store = X509_STORE_new();
	if (!a->store)
		return log_oom();
	for (int i = 0; i < sk_X509_num(a->certs); i++)
		if (X509_STORE_add_cert(a->store, sk_X509_value(a->certs, i)) != 1)
			return log_oom();
	return 0;
}

void cfs_sig_anchors_free(struct cfs_sig_anchors *a)
{
	if (!a)
		return;
	X509_STORE_free(a->store);
	sk_X509_pop_free(a->certs, X509_free);
	free(a->dir);
	free(a);
}

int cfs_sig_anchors_load(const char *dir, struct cfs_sig_anchors **out)
{
	struct cfs_sig_anchors *a;
	struct dirent **names = NULL;
	int n, r = 0;

	n = scandir(dir, &names, not_hidden, alphasort);
	if (n < 0)
		return log_errno(-errno, "cannot read the trust directory %s: %m", dir);
	a = calloc(1, sizeof(*a));
	if (a) {
		a->dir = strdup(dir);
		a->certs = sk_X509_new_null();
	}
	if (!a || !a->dir || !a->certs)
		r = log_oom();
	for (int i = 0; i < n; i++) {
		if (r == 0)
			r = load_file(dir, names[i]->d_name, a->certs);
		free(names[i]);
	}
	free(names);
	if (r == 0 && sk_X509_num(a->certs) == 0)
		r = log_errno(-ENOENT, "the trust directory %s holds no certificate: install the "
			      "root certificates images are signed under", dir);
	if (r == 0)
		r = build_store(a);
	if (r < 0) {
		cfs_sig_anchors_free(a);
		return r;
	}
	*out = a;
	return 0;
}
