/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A service's build checked before it would run (build-check.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/file/dockerfile-eval.h"
#include "compose/file/dockerfile.h"
#include "compose/file/dockerfile-mount.h"
#include "compose/file/dockerignore.h"
#include "compose/lifecycle/build-check.h"
#include "compose/lifecycle/build-context.h"
#include "runtime/registry.h"

struct ctx {
	const struct nc_service *s;
	const char *df_name; /* as errors name the Dockerfile */
	const char *dir;     /* the context, absolute */
	int fd;              /* on it */
	struct nc_dockerignore ignore;
	nc_err *err;
};

static int join(char *buf, size_t size, const char *dir, const char *rel, nc_err *err)
{
	int n = rel[0] == '/' ? snprintf(buf, size, "%s", rel) : snprintf(buf, size, "%s/%s", dir, rel);
	if (n < 0 || (size_t)n >= size)
		return nc_err_msg(err, ENAMETOOLONG, "path `%s/%s` is too long", dir, rel);
	return 0;
}

/* `a/./b/../c` as `a/c`; false when it climbs above the context. */
static bool clean_inside(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (const char *p = in; *p;) {
		while (*p == '/')
			p++;
		const char *st = p;
		while (*p && *p != '/')
			p++;
		size_t l = (size_t)(p - st);
		if (l == 0 || (l == 1 && st[0] == '.'))
			continue;
		if (l == 2 && st[0] == '.' && st[1] == '.') {
			if (o == 0)
				return false;
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		if (o + l + 2 >= size)
			return false;
		if (o)
			out[o++] = '/';
		memcpy(out + o, st, l);
		o += l;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return true;
}

static int source(struct ctx *c, const struct nc_df_step *st, const char *src)
{
	const char *what = nc_df_kind_name(st->in->kind);
	unsigned line = st->in->line;
	char rel[4096];

	if (!strncmp(src, "http://", 7) || !strncmp(src, "https://", 8) || !strncmp(src, "git@", 4))
		return nc_err_msg(c->err, EINVAL, "%s:%u: %s `%s`: remote sources are not supported by ncompose; download the file into the build context and COPY it",
				  c->df_name, line, what, src);
	if (!clean_inside(src, rel, sizeof(rel)))
		return nc_err_msg(c->err, EINVAL, "%s:%u: %s `%s` is outside the build context `%s`; sources must be inside it",
				  c->df_name, line, what, src, c->dir);
	/* The walk the builder's cache will key on: it reads what it
	 * finds, so a source that is there is also readable. */
	char hex[NC_SHA256_HEX_LEN];
	size_t n;
	nc_err e;
	int r = nc_ctx_digest(c->fd, &c->ignore, rel, hex, &n, &e);
	if (r == 0)
		return 0;
	if (r == -EXDEV)
		return nc_err_msg(c->err, EINVAL, "%s:%u: %s `%s` leads outside the build context `%s` through a symlink",
				  c->df_name, line, what, src, c->dir);
	if (r == -ENOENT && strpbrk(rel, "*?["))
		return nc_err_msg(c->err, EINVAL, "%s:%u: %s `%s`: no file in the build context `%s` matches",
				  c->df_name, line, what, src, c->dir);
	if (r == -ENOENT && strcmp(rel, ".") && nc_dockerignore_excludes(&c->ignore, rel))
		return nc_err_msg(c->err, EINVAL, "%s:%u: %s `%s`: not in the build context: .dockerignore leaves it out",
				  c->df_name, line, what, src);
	if (r == -ENOENT || r == -ENOTDIR)
		return nc_err_msg(c->err, EINVAL, "%s:%u: %s `%s`: no such file in the build context `%s`",
				  c->df_name, line, what, src, c->dir);
	return nc_err_wrap(c->err, &e, "%s:%u: %s `%s`", c->df_name, line, what, src);
}

/* RUN --mount=type=bind sources: in the context, as COPY's. */
static int bind_sources(struct ctx *c, const struct nc_df_step *st)
{
	struct nc_arena a = NC_ARENA_INIT;
	int r = 0;
	for (size_t i = 0; i < st->in->n_flags && r == 0; i++) {
		struct nc_df_mount m;
		char why[256];
		if (strcmp(st->in->flags[i].name, "mount") ||
		    nc_df_mount_parse(&a, st->in->flags[i].value, &m, why, sizeof(why)) < 0 ||
		    m.type != NC_DF_MOUNT_BIND)
			continue;
		r = source(c, st, m.source);
	}
	nc_arena_free(&a);
	return r;
}

static int sources(struct ctx *c, const struct nc_df_build *b, struct nc_build_summary *sum)
{
	for (size_t i = 0; i < b->n_stages; i++) {
		if (!b->stages[i].needed)
			continue;
		sum->n_stages++;
		for (size_t k = 0; k < b->stages[i].n_steps; k++) {
			const struct nc_df_step *st = &b->stages[i].steps[k];
			sum->n_steps++;
			if (st->in->kind == NC_DF_RUN) {
				sum->n_runs++;
				int r = bind_sources(c, st);
				if (r < 0)
					return r;
			}
			if ((st->in->kind != NC_DF_COPY && st->in->kind != NC_DF_ADD) || st->copy_from)
				continue;
			for (size_t w = 0; w + 1 < st->n_words; w++) {
				int r = source(c, st, st->words[w]);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

static int read_ignore(struct ctx *c)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	char path[4096];
	int r = join(path, sizeof(path), c->dir, ".dockerignore", c->err);
	if (r < 0)
		return r;
	if (access(path, F_OK) < 0)
		return nc_dockerignore_parse(&c->ignore, "", 0, c->err);
	if ((r = nc_read_file_bounded(path, 1u << 20, &buf, &len, c->err)) < 0)
		return r;
	return nc_dockerignore_parse(&c->ignore, buf, len, c->err);
}

/* Build arguments: `NAME` alone takes the environment's value. */
static struct nc_df_kv *build_args(const struct nc_service *s)
{
	struct nc_df_kv *v = calloc(s->build.n_args ? s->build.n_args : 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < s->build.n_args; i++) {
		const char *val = s->build.args[i].value;
		v[i] = (struct nc_df_kv){ s->build.args[i].key, val ? val : getenv(s->build.args[i].key) };
	}
	return v;
}

int nc_build_prepare(const struct nc_model *m, const struct nc_service *s, struct nc_build_input *in,
		     struct nc_build_summary *sum, nc_err *err)
{
	const struct nc_build *bd = &s->build;
	char dfpath[4096];
	_cleanup_free_ struct nc_df_kv *args = NULL;
	int r;

	*in = (struct nc_build_input){ .df = { .arena = NC_ARENA_INIT }, .b = { .arena = NC_ARENA_INIT },
				       .ignore = { .arena = NC_ARENA_INIT }, .ctx_fd = -1 };
	struct ctx c = { .s = s, .df_name = in->df_name, .dir = in->dir, .fd = -1, .err = err };
	*sum = (struct nc_build_summary){ 0 };
	const char *context = bd->context ? bd->context : ".";
	while (context[0] == '.' && context[1] == '/' && context[2])
		context += 2; /* `./app` is `app`, in messages too */
	if (strstr(context, "://") || !strncmp(context, "git@", 4))
		return nc_model_error(m, bd->mark, err,
				      "service `%s`: build context `%s` is remote; ncompose builds from a local directory",
				      s->name, context);
	if ((r = join(in->dir, sizeof(in->dir), m->dir, context, err)) < 0)
		return r;
	const char *dockerfile = bd->dockerfile ? bd->dockerfile : "Dockerfile";
	if (bd->dockerfile_inline) {
		snprintf(in->df_name, sizeof(in->df_name), "service `%s`: dockerfile_inline", s->name);
		r = nc_dockerfile_parse(&in->df, in->df_name, bd->dockerfile_inline, strlen(bd->dockerfile_inline), err);
	} else {
		if ((r = join(dfpath, sizeof(dfpath), in->dir, dockerfile, err)) < 0)
			return r;
		if (dockerfile[0] == '/' || !strcmp(context, "."))
			snprintf(in->df_name, sizeof(in->df_name), "%s", dockerfile);
		else
			snprintf(in->df_name, sizeof(in->df_name), "%s/%s", context, dockerfile);
		if (access(dfpath, F_OK) < 0)
			return nc_model_error(m, bd->mark, err, "service `%s`: no Dockerfile at `%s`: %s",
					      s->name, dfpath, strerror(errno));
		r = nc_dockerfile_load(&in->df, dfpath, in->df_name, err);
	}
	if (r < 0)
		goto fail;
	if (!(args = build_args(s))) {
		r = nc_err_errno(err, ENOMEM, "service `%s`: build arguments", s->name);
		goto fail;
	}
	struct nc_build_platform plat;
	nc_build_platform_args(&plat);
	struct nc_df_base_env be = { .platform_args = plat.kv, .n_platform_args = 8 };
	if ((r = nc_df_eval_base(&in->df, in->df_name, args, bd->n_args, bd->target, &be, &in->b, err)) < 0)
		goto fail;
	in->ctx_fd = c.fd = open(in->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c.fd < 0) {
		r = nc_model_error(m, bd->mark, err, "service `%s`: build context `%s`: %s", s->name, in->dir,
				   strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < bd->n_secrets; i++) {
		if (!nc_model_file_obj(m, true, bd->secrets[i].source)) {
			r = nc_model_error(m, bd->secrets[i].mark, err,
					   "service `%s`: build secret `%s` is not in the file's top-level `secrets`",
					   s->name, bd->secrets[i].source);
			goto fail;
		}
	}
	if ((r = read_ignore(&c)) < 0)
		goto fail;
	if ((r = sources(&c, &in->b, sum)) < 0)
		goto fail;
	in->ignore = c.ignore;
	return 0;
fail:
	nc_dockerignore_free(&c.ignore);
	nc_build_input_free(in);
	return r;
}

int nc_build_reeval(struct nc_build_input *in, const struct nc_service *s, const struct nc_df_base_env *base,
		    nc_err *err)
{
	_cleanup_free_ struct nc_df_kv *args = build_args(s);
	struct nc_df_build nb;
	struct nc_build_summary sum = { 0 };
	int r;

	if (!args)
		return nc_err_errno(err, ENOMEM, "service `%s`: build arguments", s->name);
	if ((r = nc_df_eval_base(&in->df, in->df_name, args, s->build.n_args, s->build.target, base, &nb, err)) < 0)
		return r;
	struct ctx c = { .s = s, .df_name = in->df_name, .dir = in->dir, .fd = in->ctx_fd, .ignore = in->ignore,
			 .err = err };
	if ((r = sources(&c, &nb, &sum)) < 0) {
		nc_df_build_free(&nb);
		return r;
	}
	nc_df_build_free(&in->b);
	in->b = nb;
	return 0;
}

void nc_build_input_free(struct nc_build_input *in)
{
	if (in->ctx_fd >= 0)
		close(in->ctx_fd);
	in->ctx_fd = -1;
	nc_dockerignore_free(&in->ignore);
	nc_df_build_free(&in->b);
	nc_dockerfile_free(&in->df);
}

void nc_build_platform_args(struct nc_build_platform *p)
{
	struct rt_platform h;
	rt_platform_host(&h);
	/* arm64's v8 is its default variant: BuildKit leaves it out. */
	const char *variant = !strcmp(h.arch, "arm64") && !strcmp(h.variant, "v8") ? "" : h.variant;
	snprintf(p->os, sizeof(p->os), "%s", h.os);
	snprintf(p->arch, sizeof(p->arch), "%s", h.arch);
	snprintf(p->variant, sizeof(p->variant), "%s", variant);
	snprintf(p->platform, sizeof(p->platform), "%s/%s%s%s", h.os, h.arch, *variant ? "/" : "", variant);
	const char *values[] = { p->platform, p->os, p->arch, p->variant };
	static const char *const keys[8] = { "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
					     "BUILDPLATFORM",  "BUILDOS",  "BUILDARCH",  "BUILDVARIANT" };
	for (size_t i = 0; i < 8; i++)
		p->kv[i] = (struct nc_df_kv){ keys[i], values[i % 4] };
}

bool nc_build_clean_path(const char *in, char *out, size_t size)
{
	return clean_inside(in, out, size);
}

int nc_build_check(const struct nc_model *m, const struct nc_service *s, struct nc_build_summary *sum,
		   nc_err *err)
{
	struct nc_build_input in;
	int r = nc_build_prepare(m, s, &in, sum, err);
	if (r == 0)
		nc_build_input_free(&in);
	return r;
}
