/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The builder's driver: stages, steps, cache, tag (build.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/lifecycle/build-internal.h"
#include "compose/lifecycle/build.h"
#include "compose/lifecycle/images.h"
#include "runtime/registry.h"

const char *nc_build_image_name(const struct nc_model *m, const struct nc_service *s, char *buf, size_t size)
{
	if (s->image)
		snprintf(buf, size, "%s", s->image);
	else
		snprintf(buf, size, "%s-%s", m->project, s->name);
	return buf;
}

static int dirs(struct nc_builder *b, nc_err *err)
{
	const char *lib = b->paths->lib_dir;
	if (nc_pathf(b->registry, sizeof(b->registry), "%s/registry", lib) < 0 ||
	    nc_pathf(b->images, sizeof(b->images), "%s/images", lib) < 0 ||
	    nc_pathf(b->cache, sizeof(b->cache), "%s/build-cache", lib) < 0 ||
	    nc_pathf(b->tmp, sizeof(b->tmp), "%s/build-tmp", lib) < 0)
		return nc_err_msg(err, ENAMETOOLONG, "image store under `%s`", lib);
	if (nc_private_dir(lib, 0710, err) < 0 || nc_private_dir(b->registry, 0700, err) < 0 ||
	    nc_private_dir(b->images, 0700, err) < 0 || nc_private_dir(b->cache, 0700, err) < 0 ||
	    nc_private_dir(b->tmp, 0700, err) < 0)
		return nc_err_ret(err);
	return 0;
}

bool nc_build_present(const struct nc_model *m, const struct nc_service *s, const struct nc_paths *paths)
{
	char name[NC_IMAGE_REF_STRLEN], store[4096];
	struct nc_image_ref ref;
	nc_err e;
	char *layout = NULL;
	nc_build_image_name(m, s, name, sizeof(name));
	if (nc_image_ref_parse(name, &ref, &e) < 0 || nc_pathf(store, sizeof(store), "%s/registry", paths->lib_dir) < 0)
		return false;
	bool ok = rt_registry_pulled(&ref, store, &layout, &e) == 0;
	free(layout);
	return ok;
}

static void key_of(const char *text, char key[NC_SHA256_HEX_LEN])
{
	uint8_t d[NC_SHA256_LEN];
	nc_sha256(text, strlen(text), d);
	nc_sha256_hex(d, key);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int inherit(struct nc_builder *b, struct nc_bstage *st, const struct nc_bstage *from)
{
	for (size_t i = 0; i < from->n_layers; i++) {
		const struct nc_blayer *l = &from->layers[i];
		int r = nc_bstage_add_layer(b, st, l->digest, l->media_type, l->diff_id, l->size);
		if (r < 0)
			return r;
	}
	struct nc_bconfig *g = &st->cfg;
	const struct nc_bconfig *f = &from->cfg;
	*g = *f;
	g->cmd_here = false;
	if (nc_strv_copy(&b->a, &g->env, &f->env) < 0 || nc_strv_copy(&b->a, &g->cmd, &f->cmd) < 0 ||
	    nc_strv_copy(&b->a, &g->entrypoint, &f->entrypoint) < 0 ||
	    nc_strv_copy(&b->a, &g->exposed, &f->exposed) < 0 || nc_strv_copy(&b->a, &g->labels, &f->labels) < 0 ||
	    nc_strv_copy(&b->a, &g->volumes, &f->volumes) < 0 || nc_strv_copy(&b->a, &g->shell, &f->shell) < 0 ||
	    nc_strv_copy(&b->a, &g->health_test, &f->health_test) < 0)
		return nc_err_errno(b->err, ENOMEM, "build");
	memcpy(st->key, from->key, sizeof(st->key));
	return 0;
}

static void step_line(struct nc_builder *b, const struct nc_df_stage *sg, size_t k, const struct nc_df_step *step,
		      const char *result, uint64_t ms)
{
	char where[256];
	if (sg->name)
		snprintf(where, sizeof(where), "%s %zu/%zu", sg->name, k + 1, sg->n_steps);
	else
		snprintf(where, sizeof(where), "%zu/%zu", k + 1, sg->n_steps);
	if (ms >= 100)
		fprintf(b->out, "#%u [%s] %s %s: %s %.1fs\n", b->step_no, where, nc_df_kind_name(step->in->kind),
			step->in->text, result, (double)ms / 1000);
	else
		fprintf(b->out, "#%u [%s] %s %s: %s\n", b->step_no, where, nc_df_kind_name(step->in->kind),
			step->in->text, result);
	fflush(b->out);
}

static int step(struct nc_builder *b, struct nc_bstage *st, const struct nc_df_stage *sg, size_t k)
{
	const struct nc_df_step *s = &sg->steps[k];
	enum nc_df_kind kind = s->in->kind;
	bool copy = kind == NC_DF_COPY || kind == NC_DF_ADD;
	bool workdir = kind == NC_DF_WORKDIR;
	bool layer = copy || kind == NC_DF_RUN;
	char content[NC_SHA256_HEX_LEN + 1] = "", key[NC_SHA256_HEX_LEN];
	struct nc_bcache_entry e;
	uint64_t t0 = now_ms();
	int r;

	b->step_no++;
	if (copy && (r = nc_bstep_copy_content(b, st, s, content)) < 0)
		return r;
	if (kind == NC_DF_RUN && (r = nc_bmount_content(b, s, content)) < 0)
		return r;
	/* WORKDIR may make a layer (the directory) since it creates it:
	 * its entries of before, which never had one, are not reused. */
	nc_bcache_key(st->key, s, copy || content[0] ? content : workdir ? "workdir creates its directory" : NULL, key);
	bool hit = nc_bcache_get(b, key, &e) == 1 && (workdir || e.has_layer == layer);
	if (workdir) {
		if ((r = nc_bstep_meta(b, st, s)) < 0)
			return r;
		if (!hit) {
			e = (struct nc_bcache_entry){ 0 };
			if ((r = nc_bstep_workdir(b, st, s, e.digest, &e.size)) < 0)
				return r;
			e.has_layer = r == 1;
		}
		layer = e.has_layer;
	} else if (!hit && layer) {
		e = (struct nc_bcache_entry){ .has_layer = true };
		r = kind == NC_DF_RUN ? nc_bstep_run(b, st, s, e.digest, &e.size) : nc_bstep_copy(b, st, s, e.digest, &e.size);
		if (r < 0)
			return r;
	}
	if (layer) {
		if ((r = nc_bstage_add_layer(b, st, e.digest, NULL, NULL, e.size)) < 0)
			return r;
	} else if (!workdir && (r = nc_bstep_meta(b, st, s)) < 0) {
		return r;
	}
	if (!hit) {
		if (!layer)
			e = (struct nc_bcache_entry){ 0 };
		if ((r = nc_bcache_put(b, key, &e)) < 0)
			return r;
	}
	memcpy(st->key, key, sizeof(key));
	step_line(b, sg, k, s, hit ? "CACHED" : "DONE", now_ms() - t0);
	return 0;
}

static int stage(struct nc_builder *b, size_t i)
{
	const struct nc_df_stage *sg = &b->in->b.stages[i];
	struct nc_bstage *st = &b->stages[i];
	int r;

	b->step_no++;
	if (sg->base_stage >= 0) {
		if ((r = inherit(b, st, &b->stages[sg->base_stage])) < 0)
			return r;
	} else if (!strcmp(sg->base, "scratch")) {
		key_of("FROM scratch", st->key);
	} else {
		const struct nc_bstage *base = nc_bimage_base(b, sg->base);
		if (!base)
			return nc_err_prefix(b->err, "%s:%u", b->in->df_name, sg->line);
		if ((r = inherit(b, st, base)) < 0)
			return r;
	}
	fprintf(b->out, "#%u [%s] FROM %s\n", b->step_no, sg->name ? sg->name : "stage", sg->base);
	for (size_t k = 0; k < sg->n_steps; k++)
		if ((r = step(b, st, sg, k)) < 0)
			return r;
	st->built = true;
	return 0;
}

/* The ENV of a stage's base image, for the Dockerfile's substitutions:
 * read (pulled when missing) for the stages the target needs. */
static int base_env(void *ctx, size_t stage, const char *image, const char *const **env, nc_err *err)
{
	struct nc_builder *b = ctx;
	const struct nc_df_build *prev = &b->in->b;
	(void)err; /* b->err is the same */
	*env = NULL;
	if (stage >= prev->n_stages || !prev->stages[stage].needed || stage > prev->target)
		return 0;
	const struct nc_bstage *base = nc_bimage_base(b, image);
	if (!base)
		return nc_err_ret(b->err);
	*env = base->cfg.env.v;
	return 0;
}

int nc_build_service(const struct nc_model *m, const struct nc_service *s, const struct nc_paths *paths,
		     const struct nc_build_opts *o, nc_err *err)
{
	struct nc_build_input in;
	struct nc_build_summary sum;
	struct nc_builder b = { .a = NC_ARENA_INIT, .paths = paths, .in = &in, .service = s->name,
				.no_cache = o->no_cache || s->build.no_cache, .network = s->build.network,
				.out = o->out ? o->out : stderr, .err = err, .model = m, .svc = s };
	_cleanup_close_ int lock = -1;
	char name[NC_IMAGE_REF_STRLEN], digest[80];
	int r;

	if ((r = nc_build_prepare(m, s, &in, &sum, err)) < 0)
		return r;
	/* Shared, as a pull holds it: a layer just written is listed by no
	 * image until the tag, and `image prune` must not take it. */
	struct nc_build_platform plat;
	nc_build_platform_args(&plat);
	struct nc_df_base_env be = { base_env, &b, plat.kv, 8 };
	if ((r = dirs(&b, err)) < 0 || (r = nc_images_lock(paths, false, &lock, err)) < 0)
		goto out;
	if (!(b.stages = calloc(in.b.n_stages, sizeof(*b.stages)))) {
		r = nc_err_errno(err, ENOMEM, "build");
		goto out;
	}
	nc_build_image_name(m, s, name, sizeof(name));
	fprintf(b.out, "building %s for service `%s`\n", name, s->name);
	if ((r = nc_build_reeval(&in, s, &be, err)) < 0)
		goto out;
	for (size_t i = 0; i < in.b.n_stages && r == 0; i++)
		if (in.b.stages[i].needed && i <= in.b.target)
			r = stage(&b, i);
	if (r < 0)
		goto out;
	struct nc_strv labels = { 0 };
	for (size_t i = 0; i < s->build.n_labels && r == 0; i++)
		if (nc_strv_setenv(&b.a, &labels, s->build.labels[i].key, s->build.labels[i].value) < 0)
			r = nc_err_errno(err, ENOMEM, "build");
	if (r == 0 && (r = nc_bimage_tag(&b, &b.stages[in.b.target], name, &labels, digest)) < 0)
		nc_err_prefix(err, "service `%s`: tag %s", s->name, name);
	if (r == 0)
		fprintf(b.out, "built %s (%s)\n", name, digest);
out:
	free(b.stages);
	nc_arena_free(&b.a);
	nc_build_input_free(&in);
	return r;
}
