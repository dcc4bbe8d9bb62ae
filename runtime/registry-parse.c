/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a registry says, read without I/O: authentication challenges,
 * manifests and indexes, platforms, and Docker's credential file. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/json-parse.h"
#include "runtime/registry.h"

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_V1 "application/vnd.docker.distribution.manifest.v1"

/* ---- platforms ---- */

void rt_platform_host(struct rt_platform *out)
{
	static const struct {
		const char *machine, *arch, *variant;
	} map[] = {
		{ "x86_64", "amd64", "" },   { "aarch64", "arm64", "v8" }, { "armv7l", "arm", "v7" },
		{ "armv6l", "arm", "v6" },   { "i686", "386", "" },        { "i386", "386", "" },
		{ "ppc64le", "ppc64le", "" }, { "s390x", "s390x", "" },    { "riscv64", "riscv64", "" },
	};
	struct utsname u;

	memset(out, 0, sizeof(*out));
	strcpy(out->os, "linux");
	if (uname(&u) < 0)
		return;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!strcmp(u.machine, map[i].machine)) {
			strcpy(out->arch, map[i].arch);
			strcpy(out->variant, map[i].variant);
			return;
		}
	}
	snprintf(out->arch, sizeof(out->arch), "%.31s", u.machine);
}

int rt_platform_parse(const char *s, struct rt_platform *out, nc_err *err)
{
	char buf[100];
	char *parts[4] = { 0 };
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= sizeof(buf))
		return nc_err_msg(err, EINVAL, "platform `%.40s...` is too long", s);
	strcpy(buf, s);
	for (char *save = NULL, *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (n == 3)
			return nc_err_msg(err, EINVAL, "platform `%s`: OS/ARCH[/VARIANT] has at most three parts", s);
		parts[n++] = t;
	}
	if (n < 2 || strlen(parts[0]) >= sizeof(out->os) || strlen(parts[1]) >= sizeof(out->arch) ||
	    (parts[2] && strlen(parts[2]) >= sizeof(out->variant)))
		return nc_err_msg(err, EINVAL, "platform `%s` is not OS/ARCH[/VARIANT] (e.g. linux/arm64/v8)", s);
	for (char *p = buf; p < buf + strlen(s); p++)
		*p = (char)tolower((unsigned char)*p);
	strcpy(out->os, parts[0]);
	strcpy(out->arch, parts[1]);
	if (parts[2])
		strcpy(out->variant, parts[2]);
	/* Docker's normalisation of the common aliases. */
	if (!strcmp(out->arch, "x86_64") || !strcmp(out->arch, "x86-64"))
		strcpy(out->arch, "amd64");
	else if (!strcmp(out->arch, "aarch64"))
		strcpy(out->arch, "arm64");
	if (!strcmp(out->arch, "arm64") && !out->variant[0])
		strcpy(out->variant, "v8");
	return 0;
}

/* ---- WWW-Authenticate ---- */

/* One `key=value` or `key="quoted \" value"`; returns the rest, or NULL. */
static const char *param(const char *p, char *key, size_t klen, char *val, size_t vlen)
{
	size_t k = 0, v = 0;

	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	if (!*p)
		return NULL;
	while (*p && *p != '=' && *p != ' ' && *p != ',') {
		if (k + 1 < klen)
			key[k++] = (char)tolower((unsigned char)*p);
		p++;
	}
	key[k] = '\0';
	while (*p == ' ')
		p++;
	if (*p != '=') {
		val[0] = '\0';
		return p;
	}
	p++;
	while (*p == ' ')
		p++;
	if (*p == '"') {
		p++;
		while (*p && *p != '"') {
			if (*p == '\\' && p[1])
				p++;
			if (v + 1 < vlen)
				val[v++] = *p;
			p++;
		}
		if (*p == '"')
			p++;
	} else {
		while (*p && *p != ',' && *p != ' ') {
			if (v + 1 < vlen)
				val[v++] = *p;
			p++;
		}
	}
	val[v] = '\0';
	return p;
}

int rt_challenge_parse(const char *header, struct rt_challenge *out, nc_err *err)
{
	const char *p = header;
	char key[32], val[1024];

	memset(out, 0, sizeof(*out));
	while (*p == ' ')
		p++;
	if (!strncasecmp(p, "Bearer", 6) && (p[6] == ' ' || !p[6])) {
		out->scheme = RT_AUTH_BEARER;
		p += 6;
	} else if (!strncasecmp(p, "Basic", 5) && (p[5] == ' ' || !p[5])) {
		out->scheme = RT_AUTH_BASIC;
		p += 5;
	} else {
		return nc_err_msg(err, ENOTSUP, "the registry asks for authentication `%.40s`, which is neither Bearer nor Basic",
				  header);
	}
	while ((p = param(p, key, sizeof(key), val, sizeof(val)))) {
		if (!strcmp(key, "realm"))
			snprintf(out->realm, sizeof(out->realm), "%s", val);
		else if (!strcmp(key, "service"))
			snprintf(out->service, sizeof(out->service), "%s", val);
		else if (!strcmp(key, "scope"))
			snprintf(out->scope, sizeof(out->scope), "%s", val);
	}
	if (out->scheme == RT_AUTH_BEARER && strncmp(out->realm, "https://", 8) && strncmp(out->realm, "http://", 7))
		return nc_err_msg(err, EINVAL, "the registry's Bearer challenge has no http(s) realm: `%.80s`", header);
	return 0;
}

/* ---- manifests ---- */

static int parse_u64(const struct nc_jv *v, uint64_t *out)
{
	char *end;

	if (!v || v->kind != NC_JV_NUMBER || v->s[0] == '-')
		return -1;
	errno = 0;
	unsigned long long n = strtoull(v->s, &end, 10);
	if (errno || *end)
		return -1;
	*out = n;
	return 0;
}

static bool digest_ok(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) || strlen(d) != 71)
		return false;
	for (const char *p = d + 7; *p; p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			return false;
	return true;
}

static int desc(const struct nc_jv *j, const char *what, struct rt_desc *out, nc_err *err)
{
	memset(out, 0, sizeof(*out));
	out->media_type = nc_jv_str(j, "mediaType");
	out->digest = nc_jv_str(j, "digest");
	if (!digest_ok(out->digest))
		return nc_err_msg(err, EINVAL, "%s: digest `%s` is not sha256:<64 hex>", what,
				  out->digest ? out->digest : "(none)");
	if (parse_u64(nc_jv_get(j, "size"), &out->size) < 0)
		return nc_err_msg(err, EINVAL, "%s: no valid `size`", what);
	const struct nc_jv *p = nc_jv_get(j, "platform");
	const char *os = nc_jv_str(p, "os"), *arch = nc_jv_str(p, "architecture"),
		   *variant = nc_jv_str(p, "variant");
	snprintf(out->platform.os, sizeof(out->platform.os), "%s", os ? os : "");
	snprintf(out->platform.arch, sizeof(out->platform.arch), "%s", arch ? arch : "");
	snprintf(out->platform.variant, sizeof(out->platform.variant), "%s", variant ? variant : "");
	return 0;
}

static bool type_is(const char *t, const char *want)
{
	size_t n = strlen(want);
	/* Content-Type may carry parameters: "...+json; charset=utf-8". */
	return t && !strncmp(t, want, n) && (!t[n] || t[n] == ';' || t[n] == ' ');
}

int rt_manifest_parse(const char *body, const char *content_type, struct nc_arena *a,
		      struct rt_manifest *out, nc_err *err)
{
	struct nc_jv *doc;

	memset(out, 0, sizeof(*out));
	if (nc_json_parse(body, a, &doc, err) < 0)
		return nc_err_prefix(err, "manifest");
	if (doc->kind != NC_JV_OBJECT)
		return nc_err_msg(err, EINVAL, "manifest: not a JSON object");
	const char *mt = nc_jv_str(doc, "mediaType");
	const char *t = mt ? mt : content_type;
	if (type_is(t, MT_DOCKER_V1) || type_is(content_type, MT_DOCKER_V1) ||
	    (nc_jv_get(doc, "schemaVersion") && !strcmp(nc_jv_get(doc, "schemaVersion")->s, "1")))
		return nc_err_msg(err, ENOTSUP,
				  "manifest: Docker schema 1 (deprecated since 2017) is not supported; push the image again with a current tool");
	bool index = type_is(t, MT_OCI_INDEX) || type_is(t, MT_DOCKER_LIST) ||
		     (!t && nc_jv_get(doc, "manifests"));
	bool manifest = type_is(t, MT_OCI_MANIFEST) || type_is(t, MT_DOCKER_MANIFEST) ||
			(!t && nc_jv_get(doc, "layers"));
	if (!index && !manifest)
		return nc_err_msg(err, ENOTSUP, "manifest: media type `%s` is not an image manifest or index",
				  t ? t : "(none)");
	out->is_index = index;
	const struct nc_jv *list = nc_jv_get(doc, index ? "manifests" : "layers");
	if (!list || list->kind != NC_JV_ARRAY)
		return nc_err_msg(err, EINVAL, "manifest: no `%s` list", index ? "manifests" : "layers");
	if (list->n > 4096)
		return nc_err_msg(err, E2BIG, "manifest: %zu entries is more than 4096", list->n);
	struct rt_desc *d = nc_arena_calloc(a, list->n ? list->n : 1, sizeof(*d));
	if (!d)
		return nc_err_errno(err, ENOMEM, "manifest");
	for (size_t i = 0; i < list->n; i++) {
		char what[64];
		snprintf(what, sizeof(what), "manifest: %s %zu", index ? "entry" : "layer", i + 1);
		if (desc(list->items[i], what, &d[i], err) < 0)
			return nc_err_ret(err);
	}
	if (index) {
		out->manifests = d;
		out->n_manifests = list->n;
		return 0;
	}
	out->layers = d;
	out->n_layers = list->n;
	if (desc(nc_jv_get(doc, "config"), "manifest: config", &out->config, err) < 0)
		return nc_err_ret(err);
	return 0;
}

static bool variant_matches(const struct rt_platform *have, const struct rt_platform *want)
{
	if (!want->variant[0] || !strcmp(have->variant, want->variant))
		return true;
	/* An arm64 entry without a variant is v8. */
	return !have->variant[0] && !strcmp(want->arch, "arm64") && !strcmp(want->variant, "v8");
}

int rt_manifest_pick(const struct rt_manifest *index, const struct rt_platform *want, size_t *which,
		     nc_err *err)
{
	char seen[512] = "";
	size_t used = 0;

	for (size_t i = 0; i < index->n_manifests; i++) {
		const struct rt_platform *p = &index->manifests[i].platform;
		if (!strcmp(p->os, want->os) && !strcmp(p->arch, want->arch) && variant_matches(p, want)) {
			*which = i;
			return 0;
		}
	}
	/* An index without platforms and one entry: that one. */
	if (index->n_manifests == 1 && !index->manifests[0].platform.os[0]) {
		*which = 0;
		return 0;
	}
	for (size_t i = 0; i < index->n_manifests && used + 40 < sizeof(seen); i++) {
		const struct rt_platform *p = &index->manifests[i].platform;
		if (!p->os[0] || !strcmp(p->os, "unknown"))
			continue; /* attestations */
		used += (size_t)snprintf(seen + used, sizeof(seen) - used, "%s%s/%s%s%s", used ? ", " : "",
					 p->os, p->arch, p->variant[0] ? "/" : "", p->variant);
	}
	return nc_err_msg(err, ENOENT, "no image for platform %s/%s%s%s (the registry has: %s); set `platform:` to one of them",
			  want->os, want->arch, want->variant[0] ? "/" : "", want->variant,
			  used ? seen : "none");
}

/* ---- credentials ---- */

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64, padding optional. NULL when malformed. */
static char *b64decode(const char *s, struct nc_arena *a)
{
	size_t n = strlen(s);
	char *out = nc_arena_alloc(a, n * 3 / 4 + 4);
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=')
			break;
		int v = b64val((unsigned char)s[i]);
		if (v < 0)
			return NULL;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return memchr(out, '\0', o) ? NULL : out;
}

/* Whether a key of `auths` names `domain`: the domain itself, or a URL
 * of it (`https://domain/v1/`), as docker login writes them. */
static bool auth_key_matches(const char *key, const char *domain)
{
	const char *k = key;
	if (!strncmp(k, "https://", 8))
		k += 8;
	else if (!strncmp(k, "http://", 7))
		k += 7;
	size_t n = strcspn(k, "/");
	if (!strcmp(domain, "docker.io"))
		return (n == 15 && !strncmp(k, "index.docker.io", 15)) || (n == 9 && !strncmp(k, "docker.io", 9)) ||
		       (n == 20 && !strncmp(k, "registry-1.docker.io", 20));
	return n == strlen(domain) && !strncmp(k, domain, n);
}

int rt_creds_lookup(const char *config_json, const char *domain, struct nc_arena *a, const char **user,
		    const char **secret, const char **helper, nc_err *err)
{
	struct nc_jv *doc;

	*user = *secret = *helper = NULL;
	if (nc_json_parse(config_json, a, &doc, err) < 0)
		return nc_err_ret(err);
	const struct nc_jv *helpers = nc_jv_get(doc, "credHelpers");
	for (size_t i = 0; helpers && helpers->kind == NC_JV_OBJECT && i < helpers->n; i++) {
		if (auth_key_matches(helpers->keys[i], domain) && helpers->items[i]->kind == NC_JV_STRING) {
			*helper = helpers->items[i]->s;
			return 2;
		}
	}
	const struct nc_jv *auths = nc_jv_get(doc, "auths");
	for (size_t i = 0; auths && auths->kind == NC_JV_OBJECT && i < auths->n; i++) {
		if (!auth_key_matches(auths->keys[i], domain))
			continue;
		const struct nc_jv *e = auths->items[i];
		const char *auth = nc_jv_str(e, "auth");
		if (auth && *auth) {
			char *plain = b64decode(auth, a);
			char *colon = plain ? strchr(plain, ':') : NULL;
			if (!colon)
				return nc_err_msg(err, EINVAL, "credentials for %s: `auth` is not base64 of USER:PASSWORD", domain);
			*colon = '\0';
			*user = plain;
			*secret = colon + 1;
			return 1;
		}
		const char *u = nc_jv_str(e, "username"), *p = nc_jv_str(e, "password");
		if (u && p) {
			*user = u;
			*secret = p;
			return 1;
		}
	}
	const char *store = nc_jv_str(doc, "credsStore");
	if (store && *store) {
		*helper = store;
		return 2;
	}
	return 0;
}
