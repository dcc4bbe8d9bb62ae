/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rt_registry_pull: reference → manifest (through an index when there is
 * one) → config and layers, all checked against their digests, into
 *   <store>/blobs/sha256/<hex>        every verified blob, once
 *   <store>/refs/<hex of the reference>/  an OCI layout of one image,
 *                                      its blobs hard links to the above
 * The layout is what the image store unpacks, as for a local layout.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/arena.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/json-parse.h"
#include "common/sha256.h"
#include "common/strbuf.h"
#include "runtime/registry-http.h"
#include "runtime/registry.h"

#define MANIFEST_MAX (4u << 20)
#define CONFIG_FILE_MAX (1u << 20)
#define PARALLEL_LAYERS 4
#define DEFAULT_REGISTRIES_CONF "/etc/ncompose/registries.json"
#define DOCKER_DAEMON_CONF "/etc/docker/daemon.json"

#define ACCEPT_MANIFESTS                                                                                          \
	"application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "                    \
	"application/vnd.docker.distribution.manifest.list.v2+json, "                                              \
	"application/vnd.docker.distribution.manifest.v2+json"

static void ref_hex(const struct nc_image_ref *ref, char hex[NC_SHA256_HEX_LEN])
{
	char s[NC_IMAGE_REF_STRLEN];
	uint8_t d[NC_SHA256_LEN];

	nc_image_ref_str(ref, s);
	nc_sha256(s, strlen(s), d);
	nc_sha256_hex(d, hex);
}

int rt_registry_pulled(const struct nc_image_ref *ref, const char *store, char **layout, nc_err *err)
{
	char hex[NC_SHA256_HEX_LEN];
	struct stat st;

	*layout = NULL;
	ref_hex(ref, hex);
	if (asprintf(layout, "%s/refs/%s", store, hex) < 0) {
		*layout = NULL;
		return nc_err_errno(err, ENOMEM, "image store");
	}
	char oci[PATH_MAX];
	if (nc_pathf(oci, sizeof(oci), "%s/index.json", *layout) < 0 || stat(oci, &st) < 0) {
		free(*layout);
		*layout = NULL;
		return -ENOENT;
	}
	return 0;
}

/* ---- where to ask, as whom ---- */

struct endpoints {
	char url[8][300]; /* "https://host[:port]" */
	size_t n;
	size_t mirrors; /* the first `mirrors` are pull-through caches */
};

/* Whether `domain` is listed in insecure-registries (host[:port], or a
 * CIDR of IPv4 addresses). */
static bool listed_insecure(const struct nc_jv *list, const char *domain)
{
	for (size_t i = 0; list && list->kind == NC_JV_ARRAY && i < list->n; i++) {
		const char *e = list->items[i]->kind == NC_JV_STRING ? list->items[i]->s : NULL;
		if (!e)
			continue;
		if (!strcmp(e, domain))
			return true;
		/* A bare host covers every port of it. */
		size_t hl = strcspn(domain, ":");
		if (!strchr(e, ':') && strlen(e) == hl && !strncmp(e, domain, hl))
			return true;
		unsigned a, b, c, d, bits, x, y, z, w;
		if (sscanf(e, "%u.%u.%u.%u/%u", &a, &b, &c, &d, &bits) == 5 && bits <= 32 &&
		    sscanf(domain, "%u.%u.%u.%u", &x, &y, &z, &w) == 4) {
			uint32_t net = a << 24 | b << 16 | c << 8 | d, ip = x << 24 | y << 16 | z << 8 | w;
			uint32_t mask = bits ? ~0u << (32 - bits) : 0;
			if ((net & mask) == (ip & mask))
				return true;
		}
	}
	return false;
}

static int endpoints_for(const struct nc_image_ref *ref, const char *conf_path, struct endpoints *ep,
			 nc_err *err)
{
	_cleanup_(nc_arena_free) struct nc_arena a = NC_ARENA_INIT;
	_cleanup_free_ char *text = NULL;
	struct nc_jv *conf = NULL;
	size_t len;
	const char *path = conf_path ? conf_path : DEFAULT_REGISTRIES_CONF;
	int r = nc_read_file_bounded(path, CONFIG_FILE_MAX, &text, &len, err);

	if (r == -ENOENT && !conf_path)
		r = nc_read_file_bounded(path = DOCKER_DAEMON_CONF, CONFIG_FILE_MAX, &text, &len, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0 && nc_json_parse(text, &a, &conf, err) < 0)
		return nc_err_prefix(err, "%s", path);
	memset(ep, 0, sizeof(*ep));
	if (!strcmp(ref->domain, "docker.io")) {
		/* Docker applies registry-mirrors to Docker Hub only. */
		const struct nc_jv *m = nc_jv_get(conf, "registry-mirrors");
		for (size_t i = 0; m && m->kind == NC_JV_ARRAY && i < m->n && ep->n < 7; i++) {
			const char *u = m->items[i]->kind == NC_JV_STRING ? m->items[i]->s : "";
			if (strncmp(u, "https://", 8) && strncmp(u, "http://", 7))
				return nc_err_msg(err, EINVAL, "%s: registry-mirrors: `%s` is not an http(s) URL", path, u);
			snprintf(ep->url[ep->n], sizeof(ep->url[0]), "%.*s", (int)strcspn(u, "\n"), u);
			size_t l = strlen(ep->url[ep->n]);
			while (l && ep->url[ep->n][l - 1] == '/')
				ep->url[ep->n][--l] = '\0';
			ep->n++;
		}
		ep->mirrors = ep->n;
		snprintf(ep->url[ep->n++], sizeof(ep->url[0]), "https://registry-1.docker.io");
		return 0;
	}
	bool plain = nc_image_ref_domain_is_loopback(ref->domain) ||
		     listed_insecure(nc_jv_get(conf, "insecure-registries"), ref->domain);
	snprintf(ep->url[ep->n++], sizeof(ep->url[0]), "%s://%s", plain ? "http" : "https", ref->domain);
	return 0;
}

static bool helper_name_ok(const char *h)
{
	if (!*h || strlen(h) > 64)
		return false;
	for (; *h; h++)
		if (!isalnum((unsigned char)*h) && *h != '-' && *h != '_' && *h != '.')
			return false;
	return true;
}

/* `docker-credential-NAME get`, the server on its stdin, as Docker asks. */
static int ask_helper(const char *helper, const char *server, struct nc_arena *a, const char **user,
		      const char **secret, nc_err *err)
{
	char prog[100];
	int in[2], out[2];

	if (!helper_name_ok(helper))
		return nc_err_msg(err, EINVAL, "credential helper `%s`: not a valid name", helper);
	snprintf(prog, sizeof(prog), "docker-credential-%s", helper);
	if (pipe2(in, O_CLOEXEC) < 0)
		return nc_err_errno(err, errno, "%s", prog);
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return nc_err_errno(err, errno, "%s", prog);
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		return nc_err_errno(err, e, "%s", prog);
	}
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(127);
		execlp(prog, prog, "get", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	/* SIGPIPE would kill us if the helper exits without reading. */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	ssize_t w = write(in[1], server, strlen(server));
	signal(SIGPIPE, old);
	close(in[1]);
	struct nc_strbuf sb = NC_STRBUF_INIT;
	char buf[4096];
	ssize_t n;
	while ((n = read(out[0], buf, sizeof(buf))) > 0 && sb.len < CONFIG_FILE_MAX)
		nc_strbuf_appendn(&sb, buf, (size_t)n);
	close(out[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int r = 0;
	struct nc_jv *doc;
	if (w < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		r = WIFEXITED(status) && WEXITSTATUS(status) == 127
			    ? nc_err_msg(err, ENOENT, "credential helper %s: not found in PATH (named by ~/.docker/config.json)", prog)
			    : nc_err_msg(err, EACCES, "credential helper %s failed for %s", prog, server);
	} else if (!nc_strbuf_ok(&sb) || nc_json_parse(nc_strbuf_str(&sb), a, &doc, err) < 0) {
		r = nc_err_msg(err, EPROTO, "credential helper %s: its answer is not JSON", prog);
	} else {
		*user = nc_jv_str(doc, "Username");
		*secret = nc_jv_str(doc, "Secret");
		if (!*user || !*secret)
			*user = *secret = NULL;
	}
	if (sb.s)
		explicit_bzero(sb.s, sb.cap);
	nc_strbuf_free(&sb);
	return r;
}

static int credentials(const struct nc_image_ref *ref, const char *dir_opt, struct nc_arena *a, const char **user,
		       const char **secret, nc_err *err)
{
	char path[PATH_MAX];
	const char *dir = dir_opt ? dir_opt : getenv("DOCKER_CONFIG");
	const char *home = getenv("HOME");
	_cleanup_free_ char *text = NULL;
	const char *helper;
	size_t len;

	*user = *secret = NULL;
	if (dir ? nc_pathf(path, sizeof(path), "%s/config.json", dir) < 0
		: (!home || nc_pathf(path, sizeof(path), "%s/.docker/config.json", home) < 0))
		return 0;
	int r = nc_read_file_bounded(path, CONFIG_FILE_MAX, &text, &len, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = rt_creds_lookup(text, ref->domain, a, user, secret, &helper, err);
	if (r < 0)
		return nc_err_prefix(err, "%s", path);
	if (r == 2) {
		const char *server = strcmp(ref->domain, "docker.io") ? ref->domain : "https://index.docker.io/v1/";
		return ask_helper(helper, server, a, user, secret, err);
	}
	return 0;
}

/* ---- the store ---- */

static int verify_mem(const char *data, size_t len, const char *digest, const char *what, nc_err *err)
{
	uint8_t d[NC_SHA256_LEN];
	char hex[NC_SHA256_HEX_LEN];

	nc_sha256(data, len, d);
	nc_sha256_hex(d, hex);
	if (strncmp(digest, "sha256:", 7) || strcmp(hex, digest + 7))
		return nc_err_msg(err, EBADMSG, "%s does not match its digest %s (got sha256:%s; refused)", what,
				  digest, hex);
	return 0;
}

static int blob_path(const char *store, const char *digest, char *out, size_t size)
{
	return nc_pathf(out, size, "%s/blobs/sha256/%s", store, digest + 7);
}

static int store_mem_blob(const char *store, const char *digest, const char *data, size_t len, nc_err *err)
{
	char path[PATH_MAX];

	if (blob_path(store, digest, path, sizeof(path)) < 0)
		return nc_err_msg(err, ENAMETOOLONG, "image store `%s`", store);
	return nc_write_file_atomic(path, data, len, 0600, err);
}

static void sha256_of(const char *data, size_t len, char out[80])
{
	uint8_t d[NC_SHA256_LEN];
	char hex[NC_SHA256_HEX_LEN];

	nc_sha256(data, len, d);
	snprintf(out, 80, "sha256:%s", nc_sha256_hex(d, hex));
}

/* Fetches the blobs the store lacks; each lands under its name only once
 * verified. */
static int fetch_blobs(struct rt_reg_session *s, const char *store, const struct rt_manifest *m,
		       const struct rt_pull_opts *o, nc_err *err)
{
	size_t n = m->n_layers + 1, k = 0;
	_cleanup_free_ struct rt_reg_blob *want = calloc(n, sizeof(*want));
	char final[PATH_MAX];
	struct stat st;
	int r = 0;

	if (!want)
		return nc_err_errno(err, ENOMEM, "blobs");
	for (size_t i = 0; i < n; i++) {
		const struct rt_desc *d = i == 0 ? &m->config : &m->layers[i - 1];
		if (blob_path(store, d->digest, final, sizeof(final)) < 0)
			return nc_err_msg(err, ENAMETOOLONG, "image store `%s`", store);
		if (stat(final, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == d->size)
			continue; /* verified when it was stored */
		want[k].digest = d->digest;
		want[k].size = d->size;
		want[k].index = i;
		if (nc_pathf(want[k].path, sizeof(want[k].path), "%s/blobs/.part-%s-%d", store, d->digest + 7,
			     (int)getpid()) < 0)
			return nc_err_msg(err, ENAMETOOLONG, "image store `%s`", store);
		k++;
	}
	if (k && (r = rt_reg_get_blobs(s, want, k, PARALLEL_LAYERS, o ? o->progress : NULL, err)) < 0)
		return r;
	for (size_t i = 0; i < k; i++) {
		if (blob_path(store, want[i].digest, final, sizeof(final)) < 0 || rename(want[i].path, final) < 0) {
			r = nc_err_errno(err, errno, "image store: blob %s", want[i].digest);
			for (size_t j = i; j < k; j++)
				unlink(want[j].path);
			return r;
		}
	}
	return 0;
}

static int link_blob(const char *store, int layoutfd, const char *digest, nc_err *err)
{
	char from[PATH_MAX], to[100];

	if (blob_path(store, digest, from, sizeof(from)) < 0)
		return nc_err_msg(err, ENAMETOOLONG, "image store `%s`", store);
	snprintf(to, sizeof(to), "blobs/sha256/%s", digest + 7);
	if (linkat(AT_FDCWD, from, layoutfd, to, 0) < 0 && errno != EEXIST)
		return nc_err_errno(err, errno, "image store: linking blob %s", digest);
	return 0;
}

/* The image's own layout, built beside and swapped into place. */
static int write_layout(const char *store, const struct nc_image_ref *ref, const char *mdigest, size_t msize,
			const char *mtype, const char *idigest, const struct rt_manifest *m, char **layout,
			nc_err *err)
{
	char hex[NC_SHA256_HEX_LEN], refs[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX], canon[NC_IMAGE_REF_STRLEN];
	int r;

	ref_hex(ref, hex);
	nc_image_ref_str(ref, canon);
	if (nc_pathf(refs, sizeof(refs), "%s/refs", store) < 0 ||
	    nc_pathf(final, sizeof(final), "%s/%s", refs, hex) < 0 ||
	    nc_pathf(tmp, sizeof(tmp), "%s/.tmp-%s-%d", refs, hex, (int)getpid()) < 0)
		return nc_err_msg(err, ENAMETOOLONG, "image store `%s`", store);
	if ((r = nc_mkdir_p(refs, 0700, err)) < 0)
		return r;
	(void)nc_rm_rf(tmp, err);
	char sub[PATH_MAX];
	if (nc_pathf(sub, sizeof(sub), "%s/blobs/sha256", tmp) < 0 || (r = nc_mkdir_p(sub, 0700, err)) < 0)
		return r < 0 ? r : nc_err_msg(err, ENAMETOOLONG, "image store");
	_cleanup_close_ int fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return nc_err_errno(err, errno, "image store `%s`", tmp);
	if ((r = link_blob(store, fd, mdigest, err)) < 0 || (r = link_blob(store, fd, m->config.digest, err)) < 0)
		goto fail;
	if (idigest && (r = link_blob(store, fd, idigest, err)) < 0)
		goto fail;
	for (size_t i = 0; i < m->n_layers; i++)
		if ((r = link_blob(store, fd, m->layers[i].digest, err)) < 0)
			goto fail;
	char path[PATH_MAX + 32];
	_cleanup_free_ char *index = NULL;
	/* The reference is ours (parsed and normalised): no JSON escaping is
	 * needed for its characters. */
	if (asprintf(&index,
		     "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":"
		     "[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu,\"annotations\":{"
		     "\"org.opencontainers.image.ref.name\":\"%s\"}}]}\n",
		     mtype, mdigest, msize, canon) < 0) {
		index = NULL;
		r = nc_err_errno(err, ENOMEM, "image store");
		goto fail;
	}
	static const char oci_layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}\n";
	snprintf(path, sizeof(path), "%s/oci-layout", tmp);
	if ((r = nc_write_file_atomic(path, oci_layout, sizeof(oci_layout) - 1, 0600, err)) < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/index.json", tmp);
	if ((r = nc_write_file_atomic(path, index, strlen(index), 0600, err)) < 0)
		goto fail;
	/* Swap with an older pull of the same reference, or just move in. */
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_EXCHANGE) == 0) {
		(void)nc_rm_rf(tmp, err);
	} else if (errno != ENOENT || rename(tmp, final) < 0) {
		r = nc_err_errno(err, errno, "image store: `%s`", final);
		goto fail;
	}
	*layout = strdup(final);
	return *layout ? 0 : nc_err_errno(err, ENOMEM, "image store");
fail:;
	nc_err ignored;
	(void)nc_rm_rf(tmp, &ignored);
	return r;
}

static const char *manifest_type(const char *ctype, bool docker)
{
	if (ctype && strstr(ctype, "vnd.docker.distribution.manifest.v2+json"))
		return "application/vnd.docker.distribution.manifest.v2+json";
	if (ctype && strstr(ctype, "vnd.oci.image.manifest.v1+json"))
		return "application/vnd.oci.image.manifest.v1+json";
	return docker ? "application/vnd.docker.distribution.manifest.v2+json"
		      : "application/vnd.oci.image.manifest.v1+json";
}

/* One endpoint: the whole pull. */
static int pull_from(struct rt_reg_session *s, const struct nc_image_ref *ref, const char *store,
		     const struct rt_pull_opts *o, char **layout, char digest[80], nc_err *err)
{
	_cleanup_(nc_arena_free) struct nc_arena a = NC_ARENA_INIT;
	_cleanup_free_ char *body = NULL, *ctype = NULL, *ibody = NULL;
	char rel[400], what[NC_IMAGE_REF_STRLEN + 40], canon[NC_IMAGE_REF_STRLEN], idigest[80] = "";
	struct rt_manifest m;
	size_t len;
	int r;

	nc_image_ref_familiar(ref, canon);
	snprintf(rel, sizeof(rel), "manifests/%s", ref->digest[0] ? ref->digest : ref->tag);
	if ((r = rt_reg_get(s, rel, ACCEPT_MANIFESTS, MANIFEST_MAX, &body, &len, &ctype, err)) < 0) {
		if (r == -ENOENT)
			return nc_err_msg(err, ENOENT, "image %s: manifest unknown on registry %s (no such %s)", canon,
					  s->domain, ref->digest[0] ? "digest" : "tag or repository");
		return nc_err_prefix(err, "image %s", canon);
	}
	snprintf(what, sizeof(what), "image %s: manifest", canon);
	if (ref->digest[0] && (r = verify_mem(body, len, ref->digest, what, err)) < 0)
		return r;
	sha256_of(body, len, digest);
	if (memchr(body, '\0', len) || rt_manifest_parse(body, ctype, &a, &m, err) < 0)
		return nc_err_prefix(err, "image %s", canon);
	if (m.is_index) {
		struct rt_platform host;
		const struct rt_platform *want = o && o->platform ? o->platform : &host;
		size_t which;
		rt_platform_host(&host);
		if (rt_manifest_pick(&m, want, &which, err) < 0)
			return nc_err_prefix(err, "image %s", canon);
		snprintf(idigest, sizeof(idigest), "%s", digest);
		if ((r = store_mem_blob(store, idigest, body, len, err)) < 0)
			return r;
		ibody = body;
		body = NULL;
		free(ctype);
		ctype = NULL;
		snprintf(digest, 80, "%s", m.manifests[which].digest);
		snprintf(rel, sizeof(rel), "manifests/%s", digest);
		if ((r = rt_reg_get(s, rel, ACCEPT_MANIFESTS, MANIFEST_MAX, &body, &len, &ctype, err)) < 0)
			return nc_err_prefix(err, "image %s", canon);
		if ((r = verify_mem(body, len, digest, what, err)) < 0)
			return r;
		if (memchr(body, '\0', len) || rt_manifest_parse(body, ctype, &a, &m, err) < 0)
			return nc_err_prefix(err, "image %s (%s)", canon, digest);
		if (m.is_index)
			return nc_err_msg(err, EINVAL, "image %s: the index's entry %s is an index again (refused)", canon,
					  digest);
	}
	for (size_t i = 0; i < m.n_layers; i++) {
		const char *t = m.layers[i].media_type;
		/* zstd layers are fine: the tar reader knows them by their magic. */
		if (t && (strstr(t, "foreign") || strstr(t, "nondistributable")))
			return nc_err_msg(err, ENOTSUP, "image %s: layer %zu is %s, which is not supported yet", canon,
					  i + 1, t);
	}
	if ((r = store_mem_blob(store, digest, body, len, err)) < 0)
		return r;
	if ((r = fetch_blobs(s, store, &m, o, err)) < 0)
		return nc_err_prefix(err, "image %s", canon);
	return write_layout(store, ref, digest, len, manifest_type(ctype, strstr(body, "vnd.docker") != NULL),
			    idigest[0] ? idigest : NULL, &m, layout, err);
}

int rt_registry_pull(const struct nc_image_ref *ref, const char *store, const struct rt_pull_opts *o,
		     char **layout, char digest[80], nc_err *err)
{
	static bool curl_ready;
	_cleanup_(nc_arena_free) struct nc_arena a = NC_ARENA_INIT;
	struct endpoints ep;
	char dir[PATH_MAX];
	int r;

	*layout = NULL;
	digest[0] = '\0';
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return nc_err_msg(err, EIO, "libcurl could not start");
		curl_ready = true;
	}
	if (nc_pathf(dir, sizeof(dir), "%s/blobs/sha256", store) < 0)
		return nc_err_msg(err, ENAMETOOLONG, "image store `%s`", store);
	if ((r = nc_mkdir_p(dir, 0700, err)) < 0)
		return r;
	if ((r = endpoints_for(ref, o ? o->registries_conf : NULL, &ep, err)) < 0)
		return r;
	const char *user, *secret;
	if ((r = credentials(ref, o ? o->docker_config : NULL, &a, &user, &secret, err)) < 0)
		return r;
	for (size_t i = 0; i < ep.n; i++) {
		struct rt_reg_session s = { .user = user, .secret = secret };
		snprintf(s.domain, sizeof(s.domain), "%s", i < ep.mirrors ? ep.url[i] : ref->domain);
		snprintf(s.repo, sizeof(s.repo), "%s", ref->path);
		snprintf(s.base, sizeof(s.base), "%s/v2/%s/", ep.url[i], ref->path);
		/* A mirror gets no credentials meant for Docker Hub. */
		if (i < ep.mirrors)
			s.user = s.secret = NULL;
		r = pull_from(&s, ref, store, o, layout, digest, err);
		rt_reg_session_free(&s);
		if (r == 0 || i + 1 == ep.n)
			break;
		/* A mirror that fails is passed over, as Docker does; a bad
		 * blob from it is not (the error is kept). */
		if (r == -EBADMSG)
			break;
	}
	return r;
}

int rt_registry_blob_path(const char *store, const char *digest, char *out, size_t size)
{
	if (strncmp(digest, "sha256:", 7) || strlen(digest) != 7 + NC_SHA256_HEX_LEN - 1)
		return -EINVAL;
	return blob_path(store, digest, out, size);
}

int rt_registry_store_built(const struct nc_image_ref *ref, const char *store, const char *config,
			    const char *manifest, char **layout, char digest[80], nc_err *err)
{
	char cdigest[80], dir[PATH_MAX], path[PATH_MAX];
	struct nc_arena a = NC_ARENA_INIT;
	struct rt_manifest m;
	struct stat st;
	int r;

	*layout = NULL;
	if (nc_pathf(dir, sizeof(dir), "%s/blobs/sha256", store) < 0)
		return nc_err_msg(err, ENAMETOOLONG, "image store `%s`", store);
	if ((r = nc_mkdir_p(dir, 0700, err)) < 0)
		return r;
	sha256_of(config, strlen(config), cdigest);
	sha256_of(manifest, strlen(manifest), digest);
	if ((r = rt_manifest_parse(manifest, "application/vnd.oci.image.manifest.v1+json", &a, &m, err)) < 0)
		goto out;
	r = -EINVAL;
	if (m.is_index || strcmp(m.config.digest, cdigest)) {
		r = nc_err_msg(err, EINVAL, "built image: the manifest does not name its config");
		goto out;
	}
	/* Every layer must be in the store already. */
	for (size_t i = 0; i < m.n_layers; i++) {
		if (blob_path(store, m.layers[i].digest, path, sizeof(path)) < 0 || stat(path, &st) < 0) {
			r = nc_err_errno(err, errno ? errno : ENAMETOOLONG, "built image: layer %s", m.layers[i].digest);
			goto out;
		}
	}
	if ((r = store_mem_blob(store, cdigest, config, strlen(config), err)) < 0 ||
	    (r = store_mem_blob(store, digest, manifest, strlen(manifest), err)) < 0)
		goto out;
	r = write_layout(store, ref, digest, strlen(manifest), "application/vnd.oci.image.manifest.v1+json", NULL,
			 &m, layout, err);
out:
	nc_arena_free(&a);
	return r;
}
