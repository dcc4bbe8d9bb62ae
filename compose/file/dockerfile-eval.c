/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Docker's ARG/ENV scoping over a parsed Dockerfile (dockerfile-eval.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compose/file/dockerfile-eval.h"

struct scope {
	struct nc_df_kv *args, *env; /* the later entry of a name wins */
	size_t n_args, cap_args, n_env, cap_env;
};

struct ev {
	struct nc_arena *a;
	const struct nc_dockerfile *df;
	const char *name;
	const struct nc_df_kv *build_args;
	size_t n_build_args;
	const struct nc_df_base_env *base;
	nc_err *err;
};

static int nomem(struct ev *e)
{
	return nc_err_errno(e->err, ENOMEM, "evaluate %s", e->name);
}

static int put(struct ev *e, struct nc_df_kv **v, size_t *n, size_t *cap, const char *k, const char *val)
{
	struct nc_df_kv *nv = nc_arena_grow(e->a, *v, sizeof(**v), cap, *n + 1);
	if (!nv)
		return nomem(e);
	*v = nv;
	(*v)[(*n)++] = (struct nc_df_kv){ k, val };
	return 0;
}

/* ARGs then ENVs, so ENV wins in nc_df_expand's last-wins lookup. */
static int flatten(struct ev *e, const struct scope *s, struct nc_df_kv **out, size_t *n)
{
	*n = s->n_args + s->n_env;
	*out = nc_arena_calloc(e->a, *n ? *n : 1, sizeof(**out));
	if (!*out)
		return nomem(e);
	if (s->n_args)
		memcpy(*out, s->args, s->n_args * sizeof(**out));
	if (s->n_env)
		memcpy(*out + s->n_args, s->env, s->n_env * sizeof(**out));
	return 0;
}

static int expand(struct ev *e, const struct nc_df_instr *in, const struct nc_df_kv *env, size_t n,
		  const char *raw, const char **out)
{
	int r = nc_df_expand(e->a, raw, e->df->escape, env, n, out, e->err);
	if (r < 0)
		return nc_err_prefix(e->err, "%s:%u: %s", e->name, in->line, nc_df_kind_name(in->kind));
	return 0;
}

static const char *given(const struct ev *e, const char *name, bool *found)
{
	*found = false;
	const char *v = NULL;
	for (size_t i = 0; i < e->n_build_args; i++)
		if (strcmp(e->build_args[i].key, name) == 0 && e->build_args[i].value) {
			*found = true;
			v = e->build_args[i].value;
		}
	return v;
}

static const char *global_value(const struct scope *g, const char *name)
{
	for (size_t i = g->n_args; i-- > 0;)
		if (strcmp(g->args[i].key, name) == 0)
			return g->args[i].value;
	return NULL;
}

/* ARG NAME[=default]: the value it takes in `s`. */
static int arg(struct ev *e, const struct nc_df_instr *in, struct scope *s, const struct scope *global,
	       struct nc_df_step *st)
{
	st->kv = nc_arena_calloc(e->a, in->n_kv, sizeof(*st->kv));
	if (!st->kv)
		return nomem(e);
	st->n_kv = in->n_kv;
	for (size_t i = 0; i < in->n_kv; i++) {
		bool found;
		const char *v = given(e, in->kv[i].key, &found);
		if (!found && in->kv[i].value) {
			struct nc_df_kv *flat;
			size_t n;
			int r = flatten(e, s, &flat, &n);
			if (r < 0 || (r = expand(e, in, flat, n, in->kv[i].value, &v)) < 0)
				return r;
		} else if (!found) {
			/* In a stage: the global ARG's value. Before the first
			 * FROM: the value the global scope has (an automatic
			 * platform ARG), as BuildKit keeps it. */
			v = global_value(global ? global : s, in->kv[i].key);
		}
		st->kv[i] = (struct nc_df_kv){ in->kv[i].key, v };
		int r = put(e, &s->args, &s->n_args, &s->cap_args, in->kv[i].key, v);
		if (r < 0)
			return r;
	}
	return 0;
}

static int words(struct ev *e, const struct nc_df_instr *in, const struct nc_df_kv *env, size_t n,
		 struct nc_df_step *st)
{
	st->n_words = in->n_args;
	if (in->exec_form || in->kind == NC_DF_RUN || in->kind == NC_DF_CMD || in->kind == NC_DF_ENTRYPOINT ||
	    in->kind == NC_DF_SHELL || in->kind == NC_DF_HEALTHCHECK) {
		st->words = in->args;
		return 0;
	}
	st->words = nc_arena_calloc(e->a, in->n_args ? in->n_args : 1, sizeof(*st->words));
	if (!st->words)
		return nomem(e);
	for (size_t i = 0; i < in->n_args; i++) {
		int r = expand(e, in, env, n, in->args[i], &st->words[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int step(struct ev *e, const struct nc_df_instr *in, struct scope *s, const struct scope *global,
		struct nc_df_step *st)
{
	int r = flatten(e, s, &st->scope, &st->n_scope);
	if (r < 0)
		return r;
	st->in = in;
	st->copy_from_stage = -1;
	if (in->kind == NC_DF_ARG)
		return arg(e, in, s, global, st);
	if ((r = words(e, in, st->scope, st->n_scope, st)) < 0)
		return r;
	const char *f = nc_df_flag(in, "from");
	if (f && (r = expand(e, in, st->scope, st->n_scope, f, &st->copy_from)) < 0)
		return r;
	f = nc_df_flag(in, "chown");
	if (f && (r = expand(e, in, st->scope, st->n_scope, f, &st->chown)) < 0)
		return r;
	if (in->kind != NC_DF_ENV && in->kind != NC_DF_LABEL && in->kind != NC_DF_MAINTAINER)
		return 0;
	st->kv = nc_arena_calloc(e->a, in->n_kv, sizeof(*st->kv));
	if (!st->kv)
		return nomem(e);
	st->n_kv = in->n_kv;
	for (size_t i = 0; i < in->n_kv; i++) {
		const char *k = in->kv[i].key, *v = in->kv[i].value;
		/* Keys are words too (LABEL "a b"=c); the old one-pair form
		 * keeps the rest of the line as one word. */
		if ((r = expand(e, in, st->scope, st->n_scope, k, &k)) < 0 ||
		    (r = expand(e, in, st->scope, st->n_scope, v, &v)) < 0)
			return r;
		st->kv[i] = (struct nc_df_kv){ k, v };
		if (in->kind == NC_DF_ENV && (r = put(e, &s->env, &s->n_env, &s->cap_env, k, v)) < 0)
			return r;
	}
	return 0;
}

static int base_env(struct ev *e, const struct nc_df_instr *in, struct scope *s, size_t stage, const char *image)
{
	const char *const *env = NULL;
	int r = e->base->env(e->base->ctx, stage, image, &env, e->err);
	if (r < 0)
		return nc_err_prefix(e->err, "%s:%u: FROM %s", e->name, in->line, image);
	for (; env && *env; env++) {
		const char *eq = strchr(*env, '=');
		if (!eq || eq == *env)
			continue; /* not KEY=VALUE: Docker skips it too */
		const char *k = nc_arena_strndup(e->a, *env, (size_t)(eq - *env)), *v = nc_arena_strdup(e->a, eq + 1);
		if (!k || !v)
			return nomem(e);
		if ((r = put(e, &s->env, &s->n_env, &s->cap_env, k, v)) < 0)
			return r;
	}
	return 0;
}

static long stage_named(const struct nc_df_build *b, size_t before, const char *name)
{
	char *end;
	unsigned long idx = strtoul(name, &end, 10);
	if (*name && !*end)
		return idx < before ? (long)idx : -1;
	for (size_t i = 0; i < before; i++)
		if (b->stages[i].name && strcasecmp(b->stages[i].name, name) == 0)
			return (long)i;
	return -1;
}

static void mark_needed(struct nc_df_build *b, size_t i)
{
	if (b->stages[i].needed)
		return;
	b->stages[i].needed = true;
	if (b->stages[i].base_stage >= 0)
		mark_needed(b, (size_t)b->stages[i].base_stage);
	for (size_t k = 0; k < b->stages[i].n_steps; k++)
		if (b->stages[i].steps[k].copy_from_stage >= 0)
			mark_needed(b, (size_t)b->stages[i].steps[k].copy_from_stage);
}

static int eval(struct ev *e, struct nc_df_build *b, const char *target)
{
	struct scope global = { 0 };
	struct scope *s = &global;
	struct nc_df_stage *cur = NULL;
	size_t cap_steps = 0;
	int r;

	if (e->base)
		for (size_t i = 0; i < e->base->n_platform_args; i++)
			if ((r = put(e, &global.args, &global.n_args, &global.cap_args, e->base->platform_args[i].key,
				     e->base->platform_args[i].value)) < 0)
				return r;
	b->stages = nc_arena_calloc(e->a, e->df->n_stages, sizeof(*b->stages));
	if (!b->stages)
		return nomem(e);
	struct scope *scopes = nc_arena_calloc(e->a, e->df->n_stages, sizeof(*scopes));
	if (!scopes)
		return nomem(e);

	for (size_t i = 0; i < e->df->n_ins; i++) {
		const struct nc_df_instr *in = &e->df->ins[i];
		if (in->kind == NC_DF_FROM) {
			struct nc_df_kv *flat;
			size_t n;
			cur = &b->stages[b->n_stages];
			s = &scopes[b->n_stages++];
			cap_steps = 0;
			if ((r = flatten(e, &global, &flat, &n)) < 0 ||
			    (r = expand(e, in, flat, n, in->args[0], &cur->base)) < 0)
				return r;
			if (!*cur->base)
				return nc_err_msg(e->err, EINVAL, "%s:%u: FROM `%s` is empty after substitution",
						  e->name, in->line, in->args[0]);
			cur->name = in->stage_name;
			cur->line = in->line;
			cur->base_stage = stage_named(b, b->n_stages - 1, cur->base);
			/* An image as base: its ENV, before the stage's own. */
			if (cur->base_stage < 0 && strcmp(cur->base, "scratch") && e->base && e->base->env &&
			    (r = base_env(e, in, s, b->n_stages - 1, cur->base)) < 0)
				return r;
			/* An earlier stage as base: its ENV is the image's. */
			if (cur->base_stage >= 0) {
				const struct scope *from = &scopes[cur->base_stage];
				for (size_t k = 0; k < from->n_env; k++)
					if ((r = put(e, &s->env, &s->n_env, &s->cap_env, from->env[k].key,
						     from->env[k].value)) < 0)
						return r;
			}
			continue;
		}
		struct nc_df_step st = { 0 };
		if ((r = step(e, in, s, cur ? &global : NULL, &st)) < 0)
			return r;
		if (!cur)
			continue; /* a global ARG: in `global` now */
		if (st.copy_from) {
			st.copy_from_stage = stage_named(b, b->n_stages, st.copy_from);
			if (st.copy_from_stage == (long)(b->n_stages - 1))
				return nc_err_msg(e->err, EINVAL, "%s:%u: COPY --from=%s names its own stage",
						  e->name, in->line, st.copy_from);
		}
		struct nc_df_step *ns = nc_arena_grow(e->a, cur->steps, sizeof(*ns), &cap_steps, cur->n_steps + 1);
		if (!ns)
			return nomem(e);
		cur->steps = ns;
		cur->steps[cur->n_steps++] = st;
	}

	b->target = b->n_stages - 1;
	if (target && *target) {
		long t = stage_named(b, b->n_stages, target);
		if (t < 0)
			return nc_err_msg(e->err, ENOENT, "%s: target stage `%s` not found", e->name, target);
		b->target = (size_t)t;
	}
	mark_needed(b, b->target);
	return 0;
}

int nc_df_eval(const struct nc_dockerfile *df, const char *df_name, const struct nc_df_kv *args,
	       size_t n_args, const char *target, struct nc_df_build *out, nc_err *err)
{
	return nc_df_eval_base(df, df_name, args, n_args, target, NULL, out, err);
}

int nc_df_eval_base(const struct nc_dockerfile *df, const char *df_name, const struct nc_df_kv *args,
		    size_t n_args, const char *target, const struct nc_df_base_env *base, struct nc_df_build *out,
		    nc_err *err)
{
	*out = (struct nc_df_build){ .arena = NC_ARENA_INIT };
	struct ev e = { &out->arena, df, df_name, args, n_args, base, err };
	int r = eval(&e, out, target);
	if (r < 0)
		nc_df_build_free(out);
	return r;
}

void nc_df_build_free(struct nc_df_build *b)
{
	nc_arena_free(&b->arena);
	*b = (struct nc_df_build){ .arena = NC_ARENA_INIT };
}
