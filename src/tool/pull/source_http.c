// SPDX-License-Identifier: MIT
/*
 * A repository over HTTP(S), with libcurl's multi interface: several
 * transfers at once, multiplexed over HTTP/2 where the server offers it
 * (HTTPS; plain HTTP stays HTTP/1.1 on parallel connections), proxies
 * from the environment as libcurl reads them (http_proxy, https_proxy,
 * no_proxy).  Redirects are not followed: a repository is static files,
 * and a redirect is a status like any other than 200.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "lib/base/log.h"
#include "lib/base/util.h"
#include "tool/pull/source_priv.h"

#define BACKOFF_FIRST_MSEC 250
#define BACKOFF_MAX_MSEC   8000

struct source_http {
	char *base;                  /* the URL without a trailing '/' */
	CURLM *multi;
};

struct xfer {
	struct source *s;
	struct fetch *f;
	const struct source_progress *p;
	CURL *h;
	unsigned attempt;
	uint64_t got;
	long status;                 /* the response's status, once known */
	int error;                   /* the sink's error, or -EFBIG */
	bool sink_failed;            /* error is the sink's, which said why */
	uint64_t retry_at;           /* msec, monotonic */
	char errbuf[CURL_ERROR_SIZE];
};

static uint64_t now_msec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int source_http_open(struct source *s, const char *url)
{
	struct source_http *h;
	size_t len = strlen(url);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return log_errno(-EIO, "cannot initialise libcurl");
	h = calloc(1, sizeof(*h));
	if (!h)
		return log_oom();
	s->http = h;
	while (len > 0 && url[len - 1] == '/')
		len--;
	h->base = strndup(url, len);
	h->multi = curl_multi_init();
	if (!h->base || !h->multi)
		return log_oom();
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)s->opts.parallel);
	return 0;
}

void source_http_free(struct source_http *h)
{
	if (!h)
		return;
	if (h->multi)
		curl_multi_cleanup(h->multi);
	free(h->base);
	free(h);
}

/* Bytes of the body.  Those of a status other than 200 are dropped (they
 * are the server's error page), but count against the limit all the same. */
static size_t on_data(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * nmemb;
	int r;

	if (x->got + len > x->f->max) {
		x->error = -EFBIG;
		return 0;               /* libcurl ends the transfer */
	}
	x->got += len;
	if (!x->status)
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status != 200)
		return len;
	r = x->f->sink.write(x->f->sink.ud, data, len);
	if (r < 0) {
		x->error = r;
		x->sink_failed = true;
		return 0;
	}
	if (x->p)
		x->p->bytes(x->p->ud, len);
	return len;
}

static int start(struct source_http *h, struct xfer *x)
{
	char *url = NULL;
	int r;

	if ((r = x->f->sink.reset(x->f->sink.ud)) < 0)
		return r;
	x->got = 0;
	x->status = 0;
	x->error = 0;
	x->sink_failed = false;
	x->errbuf[0] = '\0';
	if (!x->h && !(x->h = curl_easy_init()))
		return log_oom();
	curl_easy_reset(x->h);
	if (asprintf(&url, "%s/%s", h->base, x->f->path) < 0)
		return log_oom();
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	free(url);              /* libcurl keeps a copy */
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(x->h, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT, (long)x->s->opts.timeout);
	/* A stalled server: less than one byte a second for the timeout. */
	curl_easy_setopt(x->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(x->h, CURLOPT_LOW_SPEED_TIME, (long)x->s->opts.timeout);
	curl_easy_setopt(x->h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->f->max);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->h, CURLOPT_USERAGENT, "cfsboot/" CFSBOOT_VERSION);
	curl_easy_setopt(x->h, CURLOPT_PRIVATE, (char *)x);
	if (curl_multi_add_handle(h->multi, x->h) != CURLM_OK)
		return log_errno(-EIO, "cannot start a transfer of %s", x->f->path);
	return 0;
}

/* What a finished attempt means: 0 done, 1 retry, or a negative errno,
 * with *why for the message. */
static int judge(struct xfer *x, CURLcode res, int *err, const char **why)
{
	*why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(res);
	if (x->error)
		return *err = x->error, -1;
	if (res == CURLE_FILESIZE_EXCEEDED)
		return *err = -EFBIG, -1;
	if (res != CURLE_OK) {
		switch (res) {
		case CURLE_OPERATION_TIMEDOUT: *err = -ETIMEDOUT; break;
		case CURLE_RECV_ERROR:
		case CURLE_SEND_ERROR:
		case CURLE_GOT_NOTHING: *err = -ECONNRESET; break;
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
		case CURLE_PEER_FAILED_VERIFICATION: return *err = -EPROTO, -1;
		default: *err = -EIO; break;
		}
		return 1;
	}
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status == 200)
		return 0;
	*why = NULL;
	if (x->status == 404 || x->status == 410)
		return *err = -ENOENT, -1;
	*err = -EPROTO;
	return x->status >= 500 || x->status == 408 || x->status == 429 ? 1 : -1;
}

static int fail(struct xfer *x, int err, const char *why)
{
	const char *base = x->s->http->base;

	if (x->sink_failed || (err == -ENOENT && x->f->absent_ok))
		return err;
	if (err == -ENOENT)
		return log_errno(err, "%s/%s: the server has no such file (HTTP %ld); publish the "
				 "image there again (cfsboot publish)", base, x->f->path, x->status);
	if (err == -EFBIG)
		return log_errno(err, "%s/%s: refused, the server sends more than the %llu bytes "
				 "it must have; the repository is damaged or not ours", base,
				 x->f->path, (unsigned long long)x->f->max);
	if (err == -EPROTO && !why)
		return log_errno(err, "%s/%s: the server answered HTTP %ld%s", base, x->f->path,
				 x->status, x->attempt > 1 ? ", retries exhausted" : "");
	if (err == -EPROTO || err == -ETIMEDOUT || err == -ECONNRESET || err == -EIO)
		return log_errno(err, "%s/%s: the transfer failed after %u attempt%s: %s", base,
				 x->f->path, x->attempt, x->attempt == 1 ? "" : "s", why);
	return err;             /* the sink's done(), which said why */
}

/* Takes finished attempts off the multi handle; returns the first failure. */
static int reap(struct source_http *h, unsigned retries, size_t *running)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(h->multi, &left))) {
		struct xfer *x;
		const char *why;
		int err = 0, v;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		curl_multi_remove_handle(h->multi, x->h);
		(*running)--;
		v = judge(x, m->data.result, &err, &why);
		if (v == 0 && (err = x->f->sink.done(x->f->sink.ud)) == 0) {
			if (x->p)
				x->p->file(x->p->ud, x->f->size);
			x->f = NULL;
			continue;
		}
		/* The sink's own failure, or a worker's it passes on (another
		 * object's, -EFBIG say): said already, not this transfer's. */
		if (v == 0)
			x->sink_failed = true;
		if (v == 1 && x->attempt <= retries) {
			uint64_t pause = BACKOFF_FIRST_MSEC << (x->attempt - 1);

			log_debug("%s/%s: attempt %u failed (%s), retrying in %llu ms", h->base,
				  x->f->path, x->attempt, why ? why : "HTTP status",
				  (unsigned long long)pause);
			x->retry_at = now_msec() + (pause < BACKOFF_MAX_MSEC ? pause : BACKOFF_MAX_MSEC);
			continue;
		}
		return fail(x, err, why);
	}
	return 0;
}

/* A slot without a file: its transfer ended, or there was none to give it. */
static bool has_idle(const struct xfer *xs, unsigned parallel)
{
	for (unsigned i = 0; i < parallel; i++)
		if (!xs[i].f)
			return true;
	return false;
}

/* A slot waiting for its retry's pause to end. */
static bool pausing(const struct xfer *xs, unsigned parallel)
{
	for (unsigned i = 0; i < parallel; i++)
		if (xs[i].f && xs[i].retry_at != UINT64_MAX)
			return true;
	return false;
}

int source_http_fetch(struct source *s, struct fetch *f, size_t n,
		      const struct source_progress *p)
{
	struct source_http *h = s->http;
	unsigned parallel = s->opts.parallel ? s->opts.parallel : 1;
	struct xfer *xs = calloc(parallel, sizeof(*xs));
	size_t next = 0, running = 0, busy = 0;
	int r = 0;

	if (!xs)
		return log_oom();
	for (unsigned i = 0; i < parallel; i++)
		xs[i].s = s, xs[i].p = p;
	for (;;) {
		int still;

		/* Fill idle slots and start retries whose pause is over. */
		busy = 0;
		for (unsigned i = 0; i < parallel && r == 0; i++) {
			struct xfer *x = &xs[i];

			if (!x->f && next < n) {
				x->f = &f[next++];
				x->attempt = 0;
				x->retry_at = 0;
			}
			if (!x->f)
				continue;
			busy++;
			if (x->retry_at == UINT64_MAX || x->retry_at > now_msec())
				continue;
			x->attempt++;
			x->retry_at = UINT64_MAX;       /* running */
			r = start(h, x);
			if (r == 0)
				running++;
		}
		if (r < 0 || busy == 0)
			break;
		if (curl_multi_perform(h->multi, &still) != CURLM_OK) {
			r = log_errno(-EIO, "%s: libcurl failed", h->base);
			break;
		}
		r = reap(h, s->opts.retries, &running);
		if (r < 0)
			break;
		/* A slot that just finished takes the next file at once; only a
		 * loop with nothing to start waits: for the transfers running,
		 * or for a retry's pause.  (A small file often completes within
		 * one perform: waiting then cost a pause per file.) */
		if (next < n && has_idle(xs, parallel))
			continue;
		if (running > 0)
			curl_multi_poll(h->multi, NULL, 0, 100, NULL);
		else if (pausing(xs, parallel))
			nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
	}
	for (unsigned i = 0; i < parallel; i++) {
		if (xs[i].h) {
			curl_multi_remove_handle(h->multi, xs[i].h);
			curl_easy_cleanup(xs[i].h);
		}
	}
	free(xs);
	return r;
}
