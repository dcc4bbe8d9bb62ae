/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/arena.h"
#include "common/cleanup.h"
#include "common/json-parse.h"
#include "common/sha256.h"
#include "config.h"
#include "runtime/registry-http.h"

#define ATTEMPTS 4           /* per blob: the first and three retries */
#define CONNECT_TIMEOUT_S 10 /* "unreachable" is said fast, not after minutes */
#define STALL_SECONDS 60     /* a transfer below 1 byte/s for this long is dead */

void rt_reg_session_free(struct rt_reg_session *s)
{
	free(s->authz);
	s->authz = NULL;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64encode(const char *in)
{
	size_t n = strlen(in), o = 0;
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

/* ---- one request into memory ---- */

struct membuf {
	char *data;
	size_t len, max;
	bool too_big;
	char *ctype, *challenge, *retry_after;
};

static size_t mem_write(char *p, size_t size, size_t n, void *ud)
{
	struct membuf *m = ud;
	size_t add = size * n;

	if (m->len + add > m->max) {
		m->too_big = true;
		return 0;
	}
	char *grown = realloc(m->data, m->len + add + 1);
	if (!grown)
		return 0;
	m->data = grown;
	memcpy(m->data + m->len, p, add);
	m->len += add;
	m->data[m->len] = '\0';
	return add;
}

/* Keeps the value of a header we need (the last response's, after redirects). */
static void keep_header(const char *line, size_t len, const char *name, char **slot)
{
	size_t n = strlen(name);

	if (len <= n + 1 || strncasecmp(line, name, n) || line[n] != ':')
		return;
	const char *v = line + n + 1;
	const char *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	free(*slot);
	*slot = strndup(v, (size_t)(end - v));
}

static size_t mem_header(char *p, size_t size, size_t n, void *ud)
{
	struct membuf *m = ud;
	size_t len = size * n;

	/* A new response (a redirect's, then the final one) starts afresh. */
	if (len > 5 && !strncmp(p, "HTTP/", 5)) {
		free(m->ctype);
		free(m->challenge);
		free(m->retry_after);
		m->ctype = m->challenge = m->retry_after = NULL;
	}
	keep_header(p, len, "Content-Type", &m->ctype);
	keep_header(p, len, "WWW-Authenticate", &m->challenge);
	keep_header(p, len, "Retry-After", &m->retry_after);
	return len;
}

static void membuf_free(struct membuf *m)
{
	free(m->data);
	free(m->ctype);
	free(m->challenge);
	free(m->retry_after);
	memset(m, 0, sizeof(*m));
}

static void common_opts(CURL *c, const char *url)
{
	bool https = !strncmp(url, "https://", 8);

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* A registry reached over TLS may send blobs to another host, never
	 * down to plain HTTP. */
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)STALL_SECONDS);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "ncompose/" NC_VERSION);
}

/* The registry's own words from an error body: {"errors":[{"code","message"}]}. */
static void registry_message(const char *body, char *out, size_t size)
{
	_cleanup_(nc_arena_free) struct nc_arena a = NC_ARENA_INIT;
	struct nc_jv *doc;
	nc_err ignored;

	out[0] = '\0';
	if (!body || nc_json_parse(body, &a, &doc, &ignored) < 0)
		return;
	const struct nc_jv *errors = nc_jv_get(doc, "errors");
	if (!errors || errors->kind != NC_JV_ARRAY || !errors->n)
		return;
	const char *code = nc_jv_str(errors->items[0], "code");
	const char *msg = nc_jv_str(errors->items[0], "message");
	snprintf(out, size, "%s%s%.200s", code ? code : "", code && msg ? ": " : "", msg ? msg : "");
	/* The registry is not ours: nothing it says reaches a terminal raw. */
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static int perform(CURL *c, const char *what, const struct rt_reg_session *s, long *status, nc_err *err)
{
	char ebuf[CURL_ERROR_SIZE] = "";

	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	if (rc == CURLE_WRITE_ERROR)
		return -EFBIG; /* the caller knows which limit */
	if (rc != CURLE_OK)
		return nc_err_msg(err, EHOSTUNREACH, "%s: registry %s unreachable: %s", what, s->domain,
				  ebuf[0] ? ebuf : curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

/* A token from the realm of a Bearer challenge, for pulling s->repo. */
static int fetch_token(struct rt_reg_session *s, const struct rt_challenge *ch, const char *what, nc_err *err)
{
	_cleanup_(nc_arena_free) struct nc_arena a = NC_ARENA_INIT;
	struct membuf m = { .max = 1 << 20 };
	CURL *c = curl_easy_init();
	char scope[400];
	int r;

	if (!c)
		return nc_err_msg(err, ENOMEM, "%s: cannot start an HTTP request", what);
	snprintf(scope, sizeof(scope), "repository:%s:pull", s->repo);
	char *svc = curl_easy_escape(c, ch->service, 0);
	char *scp = curl_easy_escape(c, scope, 0);
	char *url = NULL;
	if (!svc || !scp ||
	    asprintf(&url, "%s%sservice=%s&scope=%s", ch->realm, strchr(ch->realm, '?') ? "&" : "?", svc, scp) < 0)
		url = NULL;
	curl_free(svc);
	curl_free(scp);
	if (!url) {
		curl_easy_cleanup(c);
		return nc_err_msg(err, ENOMEM, "%s: token request", what);
	}
	common_opts(c, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mem_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &m);
	if (s->user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, s->secret);
	}
	long status = 0;
	r = perform(c, what, s, &status, err);
	curl_easy_cleanup(c);
	free(url);
	if (r == -EFBIG)
		r = nc_err_msg(err, EFBIG, "%s: the token answer of registry %s is over 1 MiB", what, s->domain);
	if (r < 0)
		goto out;
	if (status != 200) {
		char msg[300];
		registry_message(m.data, msg, sizeof(msg));
		r = nc_err_msg(err, EACCES, "%s: unauthorized: registry %s refused a token (HTTP %ld%s%s)%s", what,
			       s->domain, status, msg[0] ? ", " : "", msg,
			       s->user ? "; check the credentials of `docker login`"
				       : "; log in with `docker login` (ncompose reads ~/.docker/config.json)");
		goto out;
	}
	struct nc_jv *doc;
	const char *tok;
	if (!m.data || nc_json_parse(m.data, &a, &doc, err) < 0 ||
	    !((tok = nc_jv_str(doc, "token")) || (tok = nc_jv_str(doc, "access_token")))) {
		r = nc_err_msg(err, EPROTO, "%s: registry %s answered the token request without a token", what,
			       s->domain);
		goto out;
	}
	free(s->authz);
	if (asprintf(&s->authz, "Authorization: Bearer %s", tok) < 0) {
		s->authz = NULL;
		r = nc_err_msg(err, ENOMEM, "%s: token", what);
	}
out:
	membuf_free(&m);
	return r;
}

/* After a 401: the credentials the challenge asks for, in s->authz. */
static int authenticate(struct rt_reg_session *s, const char *challenge, const char *what, nc_err *err)
{
	struct rt_challenge ch;

	if (!challenge)
		return nc_err_msg(err, EACCES, "%s: unauthorized by registry %s (no challenge given)", what, s->domain);
	if (rt_challenge_parse(challenge, &ch, err) < 0)
		return nc_err_prefix(err, "%s: registry %s", what, s->domain);
	if (ch.scheme == RT_AUTH_BEARER)
		return fetch_token(s, &ch, what, err);
	if (!s->user)
		return nc_err_msg(err, EACCES,
				  "%s: unauthorized: registry %s wants a user and password; log in with `docker login %s`",
				  what, s->domain, s->domain);
	char *pair = NULL, *enc;
	if (asprintf(&pair, "%s:%s", s->user, s->secret) < 0)
		return nc_err_msg(err, ENOMEM, "%s: credentials", what);
	enc = b64encode(pair);
	explicit_bzero(pair, strlen(pair));
	free(pair);
	free(s->authz);
	s->authz = NULL;
	if (!enc || asprintf(&s->authz, "Authorization: Basic %s", enc) < 0) {
		free(enc);
		s->authz = NULL;
		return nc_err_msg(err, ENOMEM, "%s: credentials", what);
	}
	free(enc);
	return 0;
}

static struct curl_slist *headers(const struct rt_reg_session *s, const char *accept)
{
	struct curl_slist *h = NULL, *t;
	char line[600];

	if (accept) {
		snprintf(line, sizeof(line), "Accept: %s", accept);
		if (!(t = curl_slist_append(h, line)))
			goto fail;
		h = t;
	}
	if (s->authz) {
		if (!(t = curl_slist_append(h, s->authz)))
			goto fail;
		h = t;
	}
	return h;
fail:
	curl_slist_free_all(h);
	return NULL;
}

int rt_reg_get(struct rt_reg_session *s, const char *rel, const char *accept, size_t max, char **body,
	       size_t *len, char **ctype, nc_err *err)
{
	char url[1200], what[700];
	int r = 0;

	*body = NULL;
	*ctype = NULL;
	snprintf(url, sizeof(url), "%s%s", s->base, rel);
	snprintf(what, sizeof(what), "%s/%s %s", s->domain, s->repo, rel);
	for (int attempt = 0; attempt < 2; attempt++) {
		struct membuf m = { .max = max };
		CURL *c = curl_easy_init();
		struct curl_slist *h = headers(s, accept);
		if (!c || ((accept || s->authz) && !h)) {
			curl_slist_free_all(h);
			curl_easy_cleanup(c);
			return nc_err_msg(err, ENOMEM, "%s: cannot start an HTTP request", what);
		}
		common_opts(c, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mem_write);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &m);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, mem_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, &m);
		long status = 0;
		r = perform(c, what, s, &status, err);
		curl_easy_cleanup(c);
		curl_slist_free_all(h);
		if (r == -EFBIG)
			r = nc_err_msg(err, EFBIG, "%s: the answer is over %zu bytes (refused)", what, max);
		if (r < 0) {
			membuf_free(&m);
			return r;
		}
		if (status == 401 && attempt == 0) {
			r = authenticate(s, m.challenge, what, err);
			membuf_free(&m);
			if (r < 0)
				return r;
			continue;
		}
		if (status != 200) {
			char msg[300];
			registry_message(m.data, msg, sizeof(msg));
			if (status == 404)
				r = nc_err_msg(err, ENOENT, "%s: not found on registry %s%s%s", what, s->domain,
					       msg[0] ? ": " : "", msg);
			else if (status == 429)
				r = nc_err_msg(err, EAGAIN, "%s: rate limited by registry %s%s%s%s%s", what, s->domain,
					       msg[0] ? ": " : "", msg, m.retry_after ? "; retry after " : "",
					       m.retry_after ? m.retry_after : "");
			else if (status == 401 || status == 403)
				r = nc_err_msg(err, EACCES, "%s: unauthorized by registry %s%s%s", what, s->domain,
					       msg[0] ? ": " : "", msg);
			else
				r = nc_err_msg(err, EPROTO, "%s: registry %s answered HTTP %ld%s%s", what, s->domain,
					       status, msg[0] ? ": " : "", msg);
			membuf_free(&m);
			return r;
		}
		*body = m.data ? m.data : strdup("");
		*len = m.len;
		*ctype = m.ctype;
		m.data = m.ctype = NULL;
		membuf_free(&m);
		return *body ? 0 : nc_err_msg(err, ENOMEM, "%s", what);
	}
	return nc_err_msg(err, EACCES, "%s: unauthorized by registry %s after authenticating", what, s->domain);
}

/* ---- blobs, in parallel ---- */

struct transfer {
	struct rt_reg_blob *blob;
	CURL *easy;
	struct curl_slist *hdr;
	int fd;
	struct nc_sha256 sha;
	uint64_t got;
	bool too_long, write_failed;
	int attempts;
	struct timespec not_before;
	bool done, active;
	const struct rt_pull_progress *progress;
	size_t count;
};

static size_t blob_write(char *p, size_t size, size_t n, void *ud)
{
	struct transfer *t = ud;
	size_t len = size * n;

	if (t->got + len > t->blob->size) {
		t->too_long = true;
		return 0;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(t->fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			t->write_failed = true;
			return 0;
		}
		off += (size_t)w;
	}
	nc_sha256_update(&t->sha, p, len);
	t->got += len;
	if (t->progress && t->progress->layer)
		t->progress->layer(t->progress->ctx, t->blob->index, t->count, t->blob->digest, t->got,
				   t->blob->size, false);
	return len;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int start(CURLM *multi, struct rt_reg_session *s, struct transfer *t, nc_err *err)
{
	char url[1200];

	if (ftruncate(t->fd, 0) < 0 || lseek(t->fd, 0, SEEK_SET) < 0)
		return nc_err_errno(err, errno, "blob %s: %s", t->blob->digest, t->blob->path);
	nc_sha256_init(&t->sha);
	t->got = 0;
	t->too_long = t->write_failed = false;
	t->easy = curl_easy_init();
	t->hdr = headers(s, NULL);
	if (!t->easy || (s->authz && !t->hdr))
		return nc_err_msg(err, ENOMEM, "blob %s: cannot start an HTTP request", t->blob->digest);
	snprintf(url, sizeof(url), "%sblobs/%s", s->base, t->blob->digest);
	common_opts(t->easy, url);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->hdr);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, blob_write);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	curl_easy_setopt(t->easy, CURLOPT_FAILONERROR, 1L);
	if (curl_multi_add_handle(multi, t->easy) != CURLM_OK)
		return nc_err_msg(err, ENOMEM, "blob %s: cannot start an HTTP request", t->blob->digest);
	t->attempts++;
	t->active = true;
	return 0;
}

static void finish_handle(CURLM *multi, struct transfer *t)
{
	if (t->easy) {
		curl_multi_remove_handle(multi, t->easy);
		curl_easy_cleanup(t->easy);
	}
	curl_slist_free_all(t->hdr);
	t->easy = NULL;
	t->hdr = NULL;
	t->active = false;
}

/* What one finished transfer means: 0 done, 1 retry, <0 fail. */
static int settle(struct rt_reg_session *s, struct transfer *t, CURLcode rc, nc_err *err)
{
	long status = 0;
	char hex[NC_SHA256_HEX_LEN];
	uint8_t d[NC_SHA256_LEN];
	const char *what = t->blob->digest;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	if (t->too_long)
		return nc_err_msg(err, EBADMSG, "%s/%s: blob %s is longer than the %llu bytes its manifest says (refused)",
				  s->domain, s->repo, what, (unsigned long long)t->blob->size);
	if (t->write_failed)
		return nc_err_errno(err, errno ? errno : EIO, "blob %s: writing %s", what, t->blob->path);
	if (rc != CURLE_OK) {
		bool retry = rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
			     rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_PARTIAL_FILE ||
			     rc == CURLE_GOT_NOTHING || (rc == CURLE_HTTP_RETURNED_ERROR && (status >= 500 || status == 429));
		if (retry && t->attempts < ATTEMPTS)
			return 1;
		if (status == 401 || status == 403)
			return nc_err_msg(err, EACCES, "%s/%s: blob %s: unauthorized by registry %s", s->domain, s->repo,
					  what, s->domain);
		if (status == 404)
			return nc_err_msg(err, ENOENT, "%s/%s: blob %s: not found on registry %s", s->domain, s->repo,
					  what, s->domain);
		if (status == 429)
			return nc_err_msg(err, EAGAIN, "%s/%s: blob %s: rate limited by registry %s (after %d attempts)",
					  s->domain, s->repo, what, s->domain, t->attempts);
		return nc_err_msg(err, EHOSTUNREACH, "%s/%s: blob %s: %s (HTTP %ld, after %d attempts)", s->domain, s->repo,
				  what, curl_easy_strerror(rc), status, t->attempts);
	}
	if (t->got != t->blob->size)
		return nc_err_msg(err, EBADMSG, "%s/%s: blob %s has %llu bytes, its manifest says %llu (refused)",
				  s->domain, s->repo, what, (unsigned long long)t->got, (unsigned long long)t->blob->size);
	nc_sha256_final(&t->sha, d);
	nc_sha256_hex(d, hex);
	if (strcmp(hex, what + 7))
		return nc_err_msg(err, EBADMSG, "%s/%s: blob %s does not match its digest (got sha256:%s; refused)",
				  s->domain, s->repo, what, hex);
	if (fsync(t->fd) < 0)
		return nc_err_errno(err, errno, "blob %s: %s", what, t->blob->path);
	return 0;
}

int rt_reg_get_blobs(struct rt_reg_session *s, struct rt_reg_blob *blobs, size_t n, size_t parallel,
		     const struct rt_pull_progress *progress, nc_err *err)
{
	struct transfer *ts = calloc(n ? n : 1, sizeof(*ts));
	CURLM *multi = curl_multi_init();
	size_t done = 0, active = 0;
	int r = 0;

	if (!ts || !multi) {
		free(ts);
		if (multi)
			curl_multi_cleanup(multi);
		return nc_err_msg(err, ENOMEM, "blobs");
	}
	for (size_t i = 0; i < n; i++)
		ts[i].fd = -1;
	for (size_t i = 0; i < n; i++) {
		ts[i].blob = &blobs[i];
		ts[i].progress = progress;
		ts[i].count = n;
		ts[i].fd = open(blobs[i].path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (ts[i].fd < 0) {
			r = nc_err_errno(err, errno, "blob %s: %s", blobs[i].digest, blobs[i].path);
			goto out;
		}
	}
	while (done < n) {
		double t_now = now_s();
		for (size_t i = 0; i < n && active < parallel; i++) {
			struct transfer *t = &ts[i];
			if (t->done || t->active)
				continue;
			if ((double)t->not_before.tv_sec + (double)t->not_before.tv_nsec / 1e9 > t_now)
				continue;
			if ((r = start(multi, s, t, err)) < 0)
				goto out;
			active++;
		}
		int running;
		if (curl_multi_perform(multi, &running) != CURLM_OK) {
			r = nc_err_msg(err, EIO, "blobs from registry %s: transfer failed", s->domain);
			goto out;
		}
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct transfer *t;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
			int v = settle(s, t, msg->data.result, err);
			finish_handle(multi, t);
			active--;
			if (v < 0) {
				r = v;
				goto out;
			}
			if (v == 1) {
				/* 1 s, 2 s, 4 s: a registry that is briefly
				 * overloaded gets room to recover. */
				double at = now_s() + (double)(1 << (t->attempts - 1));
				t->not_before.tv_sec = (time_t)at;
				t->not_before.tv_nsec = (long)((at - (double)(time_t)at) * 1e9);
				continue;
			}
			t->done = true;
			done++;
			if (progress && progress->layer)
				progress->layer(progress->ctx, t->blob->index, n, t->blob->digest, t->got, t->blob->size,
						true);
		}
		if (done < n)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
out:
	for (size_t i = 0; i < n; i++) {
		if (ts[i].active)
			finish_handle(multi, &ts[i]);
		if (ts[i].fd >= 0)
			close(ts[i].fd);
		if (r < 0 && ts[i].blob)
			unlink(blobs[i].path); /* nothing unverified is kept */
	}
	curl_multi_cleanup(multi);
	free(ts);
	return r;
}
