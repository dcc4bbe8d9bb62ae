/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/file/extends.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/file/interpolate.h"
#include "compose/file/merge.h"

/* extends: chains are short; a bound stops a cycle across files too. */
#define MAX_CHAIN 32

struct ext {
	struct nc_arena *a;
	nc_lookup_fn lookup;
	void *ctx;
	nc_err *err;
};

static int fail(struct ext *x, struct nc_mark at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct ext *x, struct nc_mark at, const char *fmt, ...)
{
	char msg[NC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return nc_err_msg(x->err, EINVAL, "%s:%u:%u: %s", at.file ? at.file : "<input>", at.line,
			  at.col, msg);
}

static int oom(struct ext *x)
{
	return nc_err_errno(x->err, ENOMEM, "resolve extends");
}

static bool relative(const char *p)
{
	return !strcmp(p, ".") || !strcmp(p, "..") || !strncmp(p, "./", 2) || !strncmp(p, "../", 3);
}

/* A scalar whose text is a relative path, made DIR/path (a new node). */
static struct nc_yt_node *rebase_scalar(struct ext *x, struct nc_yt_node *n, const char *dir,
					const char *prefix_end)
{
	if (n->kind != NC_YT_SCALAR || !n->text)
		return n;
	size_t plen = prefix_end ? (size_t)(prefix_end - n->text) : 0;
	if (!relative(n->text + plen))
		return n;
	struct nc_yt_node *c = nc_arena_alloc(x->a, sizeof(*c));
	if (!c)
		return NULL;
	*c = *n;
	c->text = nc_arena_printf(x->a, "%.*s%s/%s", (int)plen, n->text, dir, n->text + plen);
	if (!c->text)
		return NULL;
	c->len = strlen(c->text);
	return c;
}

/* A copy of a mapping whose value for `key` is replaced by fn's. */
static struct nc_yt_node *copy_map(struct ext *x, const struct nc_yt_node *m)
{
	struct nc_yt_node *c = nc_arena_alloc(x->a, sizeof(*c));
	if (!c)
		return NULL;
	*c = *m;
	c->pairs = nc_arena_calloc(x->a, m->n_pairs + 1, sizeof(*c->pairs));
	if (!c->pairs)
		return NULL;
	memcpy(c->pairs, m->pairs, m->n_pairs * sizeof(*c->pairs));
	return c;
}

static struct nc_yt_node *copy_seq(struct ext *x, const struct nc_yt_node *s)
{
	struct nc_yt_node *c = nc_arena_alloc(x->a, sizeof(*c));
	if (!c)
		return NULL;
	*c = *s;
	c->items = nc_arena_calloc(x->a, s->n_items + 1, sizeof(*c->items));
	if (!c->items)
		return NULL;
	memcpy(c->items, s->items, s->n_items * sizeof(*c->items));
	return c;
}

/* The relative paths of a service from another file are that file's
 * directory's: build, env_file, bind sources, image: ./dir. */
static int rebase_service(struct ext *x, struct nc_yt_node **svc, const char *dir)
{
	struct nc_yt_node *s = copy_map(x, *svc);
	if (!s)
		return oom(x);
	for (size_t i = 0; i < s->n_pairs; i++) {
		const char *k = s->pairs[i].key->text;
		struct nc_yt_node *v = s->pairs[i].value, *nv = v;
		if (!strcmp(k, "image") || (!strcmp(k, "build") && v->kind == NC_YT_SCALAR)) {
			nv = rebase_scalar(x, v, dir, NULL);
		} else if (!strcmp(k, "build") && v->kind == NC_YT_MAP) {
			if (!(nv = copy_map(x, v)))
				return oom(x);
			for (size_t j = 0; j < nv->n_pairs; j++)
				if (!strcmp(nv->pairs[j].key->text, "context") &&
				    !(nv->pairs[j].value = rebase_scalar(x, nv->pairs[j].value, dir, NULL)))
					return oom(x);
		} else if (!strcmp(k, "env_file") && v->kind == NC_YT_SCALAR) {
			nv = rebase_scalar(x, v, dir, NULL);
		} else if ((!strcmp(k, "env_file") || !strcmp(k, "volumes")) && v->kind == NC_YT_SEQ) {
			if (!(nv = copy_seq(x, v)))
				return oom(x);
			for (size_t j = 0; j < nv->n_items; j++) {
				struct nc_yt_node *e = nv->items[j];
				if (e->kind == NC_YT_SCALAR) {
					/* SOURCE:TARGET: only a source with ':' after it. */
					bool vol = !strcmp(k, "volumes");
					if (vol && !strchr(e->text, ':'))
						continue;
					if (!(nv->items[j] = rebase_scalar(x, e, dir, NULL)))
						return oom(x);
				} else if (e->kind == NC_YT_MAP) {
					const char *key = !strcmp(k, "volumes") ? "source" : "path";
					struct nc_yt_node *ce = copy_map(x, e);
					if (!ce)
						return oom(x);
					for (size_t q = 0; q < ce->n_pairs; q++)
						if (!strcmp(ce->pairs[q].key->text, key) &&
						    !(ce->pairs[q].value = rebase_scalar(x, ce->pairs[q].value, dir, NULL)))
							return oom(x);
					nv->items[j] = ce;
				}
			}
		}
		if (!nv)
			return oom(x);
		s->pairs[i].value = nv;
	}
	*svc = s;
	return 0;
}

int nc_yt_rebase_service(struct nc_arena *a, struct nc_yt_node **svc, const char *dir, nc_err *err)
{
	struct ext x = { .a = a, .err = err };
	if ((*svc)->kind != NC_YT_MAP)
		return 0;
	return rebase_service(&x, svc, dir);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int resolve_file(struct ext *x, struct nc_yt_node *root, const char *path, unsigned depth);

/* The service `name` of `services`, its own extends resolved. */
static int resolve_one(struct ext *x, struct nc_yt_node *services, const char *path,
		       size_t idx, unsigned depth);

/* The base service an `extends:` names, resolved, with its relative paths
 * rebased when it comes from another file. */
static int base_of(struct ext *x, struct nc_yt_node *services, const char *path,
		   const struct nc_yt_node *ext, unsigned depth, struct nc_yt_node **out)
{
	const struct nc_yt_node *sv = ext, *fv = NULL;
	int r;

	if (ext->kind == NC_YT_MAP) {
		sv = nc_yt_get(ext, "service");
		fv = nc_yt_get(ext, "file");
		if (!sv)
			return fail(x, ext->mark, "`extends` needs `service`");
	}
	if (sv->kind != NC_YT_SCALAR || (fv && fv->kind != NC_YT_SCALAR))
		return fail(x, sv->kind != NC_YT_SCALAR ? sv->mark : fv->mark,
			    "`extends`: expected a service name (and a file), got a %s",
			    sv->kind == NC_YT_MAP || (fv && fv->kind == NC_YT_MAP) ? "mapping" : "list");
	if (depth >= MAX_CHAIN)
		return fail(x, ext->mark, "`extends` chain longer than %d (a cycle?)", MAX_CHAIN);

	if (!fv) {
		for (size_t i = 0; i < services->n_pairs; i++)
			if (!strcmp(services->pairs[i].key->text, sv->text)) {
				if ((r = resolve_one(x, services, path, i, depth + 1)) < 0)
					return r;
				*out = services->pairs[i].value;
				return 0;
			}
		return fail(x, sv->mark, "`extends`: no service `%s` in %s", sv->text, path);
	}

	_cleanup_free_ char *dir = dir_of(path);
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (!dir)
		return oom(x);
	const char *other = fv->text[0] == '/' ? nc_arena_strdup(x->a, fv->text)
					       : nc_arena_printf(x->a, "%s/%s", dir, fv->text);
	if (!other)
		return oom(x);
	if ((r = nc_read_file_bounded(other, NC_USER_FILE_MAX, &text, &len, x->err)) < 0)
		return fail(x, fv->mark, "`extends`: %s", x->err->msg);
	struct nc_yt_node *root;
	if ((r = nc_yt_parse(x->a, other, text, len, &root, x->err)) < 0 ||
	    (x->lookup && root &&
	     (r = nc_interpolate_tree(x->a, root, other, x->lookup, x->ctx, NULL, x->err)) < 0))
		return r;
	const struct nc_yt_node *osvcs = root ? nc_yt_get(root, "services") : NULL;
	if (!osvcs || osvcs->kind != NC_YT_MAP)
		return fail(x, fv->mark, "`extends`: `%s` has no services", other);
	if ((r = resolve_file(x, root, other, depth + 1)) < 0)
		return r;
	const struct nc_yt_node *b = nc_yt_get(osvcs, sv->text);
	if (!b)
		return fail(x, sv->mark, "`extends`: no service `%s` in %s", sv->text, other);
	if (b->kind != NC_YT_MAP)
		return fail(x, b->mark, "service `%s` in %s: expected a mapping", sv->text, other);
	/* Absolute: the merged files' relative paths are the project
	 * directory's, which need not be this file's. */
	_cleanup_free_ char *real = realpath(other, NULL);
	_cleanup_free_ char *odir = dir_of(real ? real : other);
	if (!odir)
		return oom(x);
	*out = (struct nc_yt_node *)b;
	return rebase_service(x, out, odir);
}

static int resolve_one(struct ext *x, struct nc_yt_node *services, const char *path, size_t idx,
		       unsigned depth)
{
	struct nc_yt_node *svc = services->pairs[idx].value;
	const struct nc_yt_node *ext = nc_yt_get(svc, "extends");
	struct nc_yt_node *base = NULL, *merged;
	int r;

	if (!ext || svc->kind != NC_YT_MAP)
		return 0;
	if ((r = base_of(x, services, path, ext, depth, &base)) < 0)
		return r;
	if (base->kind != NC_YT_MAP)
		return fail(x, base->mark, "`extends`: the base service is not a mapping");
	/* The service without its extends, merged onto the base with the
	 * rules of a later file. */
	struct nc_yt_node *own = copy_map(x, svc);
	if (!own)
		return oom(x);
	own->n_pairs = 0;
	for (size_t i = 0; i < svc->n_pairs; i++)
		if (strcmp(svc->pairs[i].key->text, "extends"))
			own->pairs[own->n_pairs++] = svc->pairs[i];
	struct nc_yt_node *base_noext = copy_map(x, base);
	if (!base_noext)
		return oom(x);
	base_noext->n_pairs = 0;
	for (size_t i = 0; i < base->n_pairs; i++)
		if (strcmp(base->pairs[i].key->text, "extends"))
			base_noext->pairs[base_noext->n_pairs++] = base->pairs[i];
	if ((r = nc_yt_merge_service(x->a, base_noext, own, &merged, x->err)) < 0)
		return r;
	services->pairs[idx].value = merged;
	return 0;
}

static int resolve_file(struct ext *x, struct nc_yt_node *root, const char *path, unsigned depth)
{
	struct nc_yt_node *services = (struct nc_yt_node *)nc_yt_get(root, "services");
	int r;

	if (!services || services->kind != NC_YT_MAP)
		return 0;
	for (size_t i = 0; i < services->n_pairs; i++)
		if ((r = resolve_one(x, services, path, i, depth)) < 0)
			return r;
	return 0;
}

int nc_yt_resolve_extends(struct nc_arena *a, struct nc_yt_node *root, const char *path,
			  nc_lookup_fn lookup, void *ctx, nc_err *err)
{
	struct ext x = { .a = a, .lookup = lookup, .ctx = ctx, .err = err };

	if (!root || root->kind != NC_YT_MAP)
		return 0;
	return resolve_file(&x, root, path, 0);
}
