/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The builder's images: a stage's base read from the registry store (an
 * image pulled, or built and tagged before), the layer files a step
 * writes, the stage's layers unpacked for RUN, and the result tagged
 * (config and manifest as blobs, a layout under the name) so `up` runs
 * it as it runs a pulled image.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/image-ref.h"
#include "common/json-parse.h"
#include "common/json.h"
#include "common/strbuf.h"
#include "compose/lifecycle/build-internal.h"
#include "runtime/image-config.h"
#include "runtime/image.h"
#include "runtime/registry.h"
#include "runtime/tar-write.h"

#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define OCI_LAYER "application/vnd.oci.image.layer.v1.tar"

int nc_strv_push(struct nc_arena *a, struct nc_strv *v, const char *s)
{
	const char **nv = nc_arena_grow(a, v->v, sizeof(*v->v), &v->cap, v->n + 2);
	if (!nv)
		return -ENOMEM;
	v->v = nv;
	v->v[v->n++] = s;
	v->v[v->n] = NULL;
	return 0;
}

int nc_strv_setenv(struct nc_arena *a, struct nc_strv *v, const char *key, const char *value)
{
	const char *kv = nc_arena_printf(a, "%s=%s", key, value ? value : "");
	if (!kv)
		return -ENOMEM;
	size_t kl = strlen(key);
	for (size_t i = 0; i < v->n; i++)
		if (!strncmp(v->v[i], key, kl) && v->v[i][kl] == '=') {
			v->v[i] = kv;
			return 0;
		}
	return nc_strv_push(a, v, kv);
}

int nc_strv_copy(struct nc_arena *a, struct nc_strv *dst, const struct nc_strv *src)
{
	*dst = (struct nc_strv){ 0 };
	for (size_t i = 0; i < src->n; i++)
		if (nc_strv_push(a, dst, src->v[i]) < 0)
			return -ENOMEM;
	return 0;
}

static int from_list(struct nc_arena *a, struct nc_strv *v, const char *const *list)
{
	for (; list && *list; list++)
		if (nc_strv_push(a, v, *list) < 0)
			return -ENOMEM;
	return 0;
}

int nc_bstage_add_layer(struct nc_builder *b, struct nc_bstage *st, const char *digest, const char *media_type,
			const char *diff_id, uint64_t size)
{
	struct nc_blayer *nv = nc_arena_grow(&b->a, st->layers, sizeof(*nv), &st->cap_layers, st->n_layers + 1);
	if (!nv)
		return nc_err_errno(b->err, ENOMEM, "build");
	st->layers = nv;
	struct nc_blayer *l = &st->layers[st->n_layers];
	l->digest = nc_arena_strdup(&b->a, digest);
	l->media_type = nc_arena_strdup(&b->a, media_type ? media_type : OCI_LAYER);
	l->diff_id = nc_arena_strdup(&b->a, diff_id ? diff_id : digest);
	l->size = size;
	if (!l->digest || !l->media_type || !l->diff_id)
		return nc_err_errno(b->err, ENOMEM, "build");
	st->n_layers++;
	return 0;
}

static int read_blob(struct nc_builder *b, const char *digest, size_t max, char **text)
{
	char path[PATH_MAX];
	size_t len;
	if (rt_registry_blob_path(b->registry, digest, path, sizeof(path)) < 0)
		return nc_err_msg(b->err, EINVAL, "image store: bad digest `%s`", digest);
	return nc_read_file_bounded(path, max, text, &len, b->err);
}

int nc_bimage_from(struct nc_builder *b, const char *name, struct nc_bstage *st, char manifest_digest[80])
{
	struct nc_image_ref ref;
	char canon[NC_IMAGE_REF_STRLEN], path[PATH_MAX];
	_cleanup_free_ char *layout = NULL, *index = NULL, *manifest = NULL, *config = NULL;
	size_t len;
	int r;

	if (nc_image_ref_parse(name, &ref, b->err) < 0)
		return nc_err_prefix(b->err, "FROM `%s`", name);
	nc_image_ref_str(&ref, canon);
	r = rt_registry_pulled(&ref, b->registry, &layout, b->err);
	if (r == -ENOENT) {
		fprintf(b->out, "pulling %s\n", canon);
		fflush(b->out);
		struct rt_pull_opts o = { 0 };
		char d[80];
		if ((r = rt_registry_pull(&ref, b->registry, &o, &layout, d, b->err)) < 0)
			return nc_err_prefix(b->err, "FROM `%s`", name);
	} else if (r < 0) {
		return r;
	}
	if (nc_pathf(path, sizeof(path), "%s/index.json", layout) < 0)
		return nc_err_msg(b->err, ENAMETOOLONG, "image `%s`", canon);
	if ((r = nc_read_file_bounded(path, 1u << 20, &index, &len, b->err)) < 0)
		return nc_err_prefix(b->err, "image `%s`", canon);
	struct nc_jv *ij;
	if ((r = nc_json_parse(index, &b->a, &ij, b->err)) < 0)
		return nc_err_prefix(b->err, "image `%s`: index.json", canon);
	const struct nc_jv *ms = nc_jv_get(ij, "manifests");
	const char *md = ms && ms->kind == NC_JV_ARRAY && ms->n == 1 ? nc_jv_str(ms->items[0], "digest") : NULL;
	if (!md)
		return nc_err_msg(b->err, EINVAL, "image `%s`: index.json names no single manifest", canon);
	snprintf(manifest_digest, 80, "%s", md);
	if ((r = read_blob(b, md, 4u << 20, &manifest)) < 0)
		return nc_err_prefix(b->err, "image `%s`: manifest", canon);
	struct rt_manifest m;
	if ((r = rt_manifest_parse(manifest, NULL, &b->a, &m, b->err)) < 0)
		return nc_err_prefix(b->err, "image `%s`: manifest", canon);
	if (m.is_index)
		return nc_err_msg(b->err, EINVAL, "image `%s`: the stored manifest is an index", canon);
	if ((r = read_blob(b, m.config.digest, RT_IMAGE_CONFIG_MAX_BYTES, &config)) < 0)
		return nc_err_prefix(b->err, "image `%s`: config", canon);
	struct rt_image_config c;
	if ((r = rt_image_config_parse(config, &b->a, &c, b->err)) < 0)
		return nc_err_prefix(b->err, "image `%s`", canon);
	struct nc_jv *cj;
	if ((r = nc_json_parse(config, &b->a, &cj, b->err)) < 0)
		return nc_err_prefix(b->err, "image `%s`: config", canon);
	const struct nc_jv *diff = nc_jv_get(nc_jv_get(cj, "rootfs"), "diff_ids");
	if (diff && (diff->kind != NC_JV_ARRAY || diff->n != m.n_layers))
		diff = NULL;
	for (size_t i = 0; i < m.n_layers; i++) {
		const char *id = diff && diff->items[i]->kind == NC_JV_STRING ? diff->items[i]->s : NULL;
		if ((r = nc_bstage_add_layer(b, st, m.layers[i].digest, m.layers[i].media_type, id, m.layers[i].size)) < 0)
			return r;
	}
	struct nc_bconfig *g = &st->cfg;
	if (from_list(&b->a, &g->env, c.env) < 0 || from_list(&b->a, &g->cmd, c.cmd) < 0 ||
	    from_list(&b->a, &g->entrypoint, c.entrypoint) < 0 || from_list(&b->a, &g->exposed, c.exposed) < 0 ||
	    from_list(&b->a, &g->labels, c.labels) < 0 || from_list(&b->a, &g->volumes, c.volumes) < 0 ||
	    from_list(&b->a, &g->health_test, c.health.test) < 0)
		return nc_err_errno(b->err, ENOMEM, "build");
	g->cmd_set = c.cmd != NULL;
	g->entrypoint_set = c.entrypoint != NULL;
	g->health_set = c.health.present;
	g->health_interval = c.health.interval_ns;
	g->health_timeout = c.health.timeout_ns;
	g->health_start = c.health.start_period_ns;
	g->health_retries = c.health.retries;
	g->working_dir = c.working_dir;
	g->user = c.user;
	g->stop_signal = c.stop_signal;
	return 0;
}

struct nc_bstage *nc_bimage_base(struct nc_builder *b, const char *ref)
{
	for (struct nc_bbase *x = b->bases; x; x = x->next)
		if (!strcmp(x->ref, ref))
			return &x->st;
	struct nc_bbase *x = nc_arena_calloc(&b->a, 1, sizeof(*x));
	char md[80], text[128];
	uint8_t d[NC_SHA256_LEN];
	if (!x || !(x->ref = nc_arena_strdup(&b->a, ref))) {
		nc_err_errno(b->err, ENOMEM, "build");
		return NULL;
	}
	if (nc_bimage_from(b, ref, &x->st, md) < 0)
		return NULL;
	snprintf(text, sizeof(text), "FROM %s", md);
	nc_sha256(text, strlen(text), d);
	nc_sha256_hex(d, x->st.key);
	x->st.built = true;
	x->next = b->bases;
	b->bases = x;
	return &x->st;
}

static void json_list(struct nc_json *j, const char *key, const struct nc_strv *v)
{
	nc_json_key(j, key);
	nc_json_array_begin(j);
	for (size_t i = 0; i < v->n; i++)
		nc_json_string(j, v->v[i]);
	nc_json_array_end(j);
}

/* Docker writes these two as objects whose keys are the values. */
static void json_set(struct nc_json *j, const char *key, const struct nc_strv *v)
{
	nc_json_key(j, key);
	nc_json_object_begin(j);
	for (size_t i = 0; i < v->n; i++) {
		nc_json_key(j, v->v[i]);
		nc_json_object_begin(j);
		nc_json_object_end(j);
	}
	nc_json_object_end(j);
}

static void json_labels(struct nc_json *j, const struct nc_strv *labels, const struct nc_strv *extra)
{
	nc_json_key(j, "Labels");
	nc_json_object_begin(j);
	const struct nc_strv *all[] = { labels, extra };
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; all[k] && i < all[k]->n; i++) {
			const char *eq = strchr(all[k]->v[i], '=');
			/* A later one of the same key wins: skip this one then. */
			size_t kl = eq ? (size_t)(eq - all[k]->v[i]) : strlen(all[k]->v[i]);
			bool later = false;
			for (size_t kk = k; kk < 2 && !later; kk++)
				for (size_t ii = kk == k ? i + 1 : 0; all[kk] && ii < all[kk]->n && !later; ii++)
					later = !strncmp(all[kk]->v[ii], all[k]->v[i], kl) && all[kk]->v[ii][kl] == '=';
			if (later)
				continue;
			char key[1024];
			snprintf(key, sizeof(key), "%.*s", (int)kl, all[k]->v[i]);
			nc_json_kv_string(j, key, eq ? eq + 1 : "");
		}
	nc_json_object_end(j);
}

static char *config_json(const struct nc_bstage *st, const struct nc_strv *extra_labels)
{
	struct nc_strbuf sb = { 0 };
	struct nc_json j;
	struct rt_platform plat;
	const struct nc_bconfig *g = &st->cfg;

	rt_platform_host(&plat);
	nc_json_init(&j, &sb);
	nc_json_object_begin(&j);
	nc_json_kv_string(&j, "architecture", plat.arch);
	nc_json_kv_string(&j, "os", plat.os);
	if (plat.variant[0])
		nc_json_kv_string(&j, "variant", plat.variant);
	nc_json_key(&j, "config");
	nc_json_object_begin(&j);
	json_list(&j, "Env", &g->env);
	if (g->entrypoint_set)
		json_list(&j, "Entrypoint", &g->entrypoint);
	if (g->cmd_set)
		json_list(&j, "Cmd", &g->cmd);
	if (g->working_dir && *g->working_dir)
		nc_json_kv_string(&j, "WorkingDir", g->working_dir);
	if (g->user && *g->user)
		nc_json_kv_string(&j, "User", g->user);
	if (g->stop_signal)
		nc_json_kv_string(&j, "StopSignal", g->stop_signal);
	if (g->exposed.n)
		json_set(&j, "ExposedPorts", &g->exposed);
	if (g->volumes.n)
		json_set(&j, "Volumes", &g->volumes);
	if (g->labels.n || (extra_labels && extra_labels->n))
		json_labels(&j, &g->labels, extra_labels);
	if (g->shell.n)
		json_list(&j, "Shell", &g->shell);
	if (g->health_set) {
		nc_json_key(&j, "Healthcheck");
		nc_json_object_begin(&j);
		json_list(&j, "Test", &g->health_test);
		if (g->health_interval)
			nc_json_kv_int(&j, "Interval", g->health_interval);
		if (g->health_timeout)
			nc_json_kv_int(&j, "Timeout", g->health_timeout);
		if (g->health_start)
			nc_json_kv_int(&j, "StartPeriod", g->health_start);
		if (g->health_retries)
			nc_json_kv_int(&j, "Retries", g->health_retries);
		nc_json_object_end(&j);
	}
	nc_json_object_end(&j);
	nc_json_key(&j, "rootfs");
	nc_json_object_begin(&j);
	nc_json_kv_string(&j, "type", "layers");
	nc_json_key(&j, "diff_ids");
	nc_json_array_begin(&j);
	for (size_t i = 0; i < st->n_layers; i++)
		nc_json_string(&j, st->layers[i].diff_id);
	nc_json_array_end(&j);
	nc_json_object_end(&j);
	nc_json_object_end(&j);
	if (!nc_strbuf_ok(&sb)) {
		nc_strbuf_free(&sb);
		return NULL;
	}
	return nc_strbuf_take(&sb);
}

static char *manifest_json(const struct nc_bstage *st, const char *config)
{
	struct nc_strbuf sb = { 0 };
	struct nc_json j;
	uint8_t d[NC_SHA256_LEN];
	char hex[NC_SHA256_HEX_LEN], digest[80];

	nc_sha256(config, strlen(config), d);
	snprintf(digest, sizeof(digest), "sha256:%s", nc_sha256_hex(d, hex));
	nc_json_init(&j, &sb);
	nc_json_object_begin(&j);
	nc_json_kv_int(&j, "schemaVersion", 2);
	nc_json_kv_string(&j, "mediaType", OCI_MANIFEST);
	nc_json_key(&j, "config");
	nc_json_object_begin(&j);
	nc_json_kv_string(&j, "mediaType", OCI_CONFIG);
	nc_json_kv_string(&j, "digest", digest);
	nc_json_kv_int(&j, "size", (int64_t)strlen(config));
	nc_json_object_end(&j);
	nc_json_key(&j, "layers");
	nc_json_array_begin(&j);
	for (size_t i = 0; i < st->n_layers; i++) {
		nc_json_object_begin(&j);
		nc_json_kv_string(&j, "mediaType", st->layers[i].media_type);
		nc_json_kv_string(&j, "digest", st->layers[i].digest);
		nc_json_kv_int(&j, "size", (int64_t)st->layers[i].size);
		nc_json_object_end(&j);
	}
	nc_json_array_end(&j);
	nc_json_object_end(&j);
	if (!nc_strbuf_ok(&sb)) {
		nc_strbuf_free(&sb);
		return NULL;
	}
	return nc_strbuf_take(&sb);
}

int nc_bimage_tag(struct nc_builder *b, const struct nc_bstage *st, const char *name,
		  const struct nc_strv *extra_labels, char digest[80])
{
	struct nc_image_ref ref;
	if (nc_image_ref_parse(name, &ref, b->err) < 0)
		return nc_err_prefix(b->err, "image name `%s`", name);
	_cleanup_free_ char *config = config_json(st, extra_labels);
	_cleanup_free_ char *manifest = config ? manifest_json(st, config) : NULL;
	if (!manifest)
		return nc_err_errno(b->err, ENOMEM, "build: image config");
	_cleanup_free_ char *layout = NULL;
	return rt_registry_store_built(&ref, b->registry, config, manifest, &layout, digest, b->err);
}

/* ---- layer files ---- */

int nc_blayer_begin(struct nc_builder *b, struct nc_blayer_file *f)
{
	static unsigned seq;
	f->w = NULL;
	if (nc_pathf(f->part, sizeof(f->part), "%s/blobs/.part-build-%d-%u", b->registry, (int)getpid(), seq++) < 0)
		return nc_err_msg(b->err, ENAMETOOLONG, "build: layer file");
	char dir[PATH_MAX];
	if (nc_pathf(dir, sizeof(dir), "%s/blobs/sha256", b->registry) < 0)
		return nc_err_msg(b->err, ENAMETOOLONG, "build: layer file");
	if (nc_mkdir_p(dir, 0700, b->err) < 0)
		return nc_err_ret(b->err);
	f->fd = open(f->part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (f->fd < 0)
		return nc_err_errno(b->err, errno, "build: create `%s`", f->part);
	if (!(f->w = malloc(sizeof(*f->w)))) {
		nc_blayer_abort(f);
		return nc_err_errno(b->err, ENOMEM, "build: layer");
	}
	rt_tarw_init(f->w, f->fd);
	return 0;
}

void nc_blayer_abort(struct nc_blayer_file *f)
{
	if (f->fd >= 0) {
		close(f->fd);
		unlink(f->part);
	}
	f->fd = -1;
	free(f->w);
	f->w = NULL;
}

int nc_blayer_commit(struct nc_builder *b, struct nc_blayer_file *f, char digest[80], uint64_t *size)
{
	char hex[NC_SHA256_HEX_LEN], path[PATH_MAX];
	int r;
	if ((r = rt_tarw_finish(f->w, hex, b->err)) < 0)
		goto fail;
	*size = f->w->bytes;
	if (fsync(f->fd) < 0) {
		r = nc_err_errno(b->err, errno, "build: sync `%s`", f->part);
		goto fail;
	}
	snprintf(digest, 80, "sha256:%s", hex);
	if (rt_registry_blob_path(b->registry, digest, path, sizeof(path)) < 0 || rename(f->part, path) < 0) {
		r = nc_err_errno(b->err, errno ? errno : ENAMETOOLONG, "build: store layer %s", digest);
		goto fail;
	}
	close(f->fd);
	f->fd = -1;
	free(f->w);
	f->w = NULL;
	return 0;
fail:
	nc_blayer_abort(f);
	return r;
}

int nc_blayer_parents(struct nc_blayer_file *f, const char *dir, nc_err *err)
{
	char path[4096];
	size_t n = strlen(dir);
	if (n >= sizeof(path))
		return nc_err_msg(err, ENAMETOOLONG, "build: `%s`: path too long", dir);
	for (size_t i = 0; i <= n; i++) {
		if (i < n && dir[i] != '/')
			continue;
		if (i == 0)
			continue;
		memcpy(path, dir, i);
		path[i] = '\0';
		if (!strcmp(path, "."))
			continue;
		struct rt_tar_entry e = { .type = RT_TAR_DIR, .path = path, .linkpath = "", .mode = 0755 };
		if (rt_tarw_add(f->w, &e, -1, err) < 0)
			return nc_err_ret(err);
	}
	return 0;
}

int nc_bstage_lower(struct nc_builder *b, const struct nc_bstage *st, char ***dirs, size_t *n)
{
	char **v = calloc(st->n_layers + 1, sizeof(*v));
	if (!v)
		return nc_err_errno(b->err, ENOMEM, "build");
	*dirs = v;
	*n = 0;
	for (size_t k = st->n_layers; k-- > 0;) {
		const char *digest = st->layers[k].digest;
		char path[PATH_MAX];
		if (rt_registry_blob_path(b->registry, digest, path, sizeof(path)) < 0)
			return nc_err_msg(b->err, EINVAL, "build: layer `%s`", digest);
		_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return nc_err_errno(b->err, errno, "build: layer %s", digest);
		if (rt_image_layer_dir(fd, digest, b->images, &v[*n], b->err) < 0)
			return nc_err_prefix(b->err, "build: layer %s", digest);
		(*n)++;
	}
	return 0;
}
