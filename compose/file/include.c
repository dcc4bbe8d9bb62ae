/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/file/include.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/file/dotenv.h"
#include "compose/file/extends.h"
#include "compose/file/interpolate.h"
#include "compose/file/merge.h"

#define MAX_NESTING 16

static const char *const sections[] = { "services", "networks", "volumes", "secrets", "configs" };

struct inc {
	struct nc_arena *a;
	nc_err *err;
};

static int fail(struct inc *x, struct nc_mark at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct inc *x, struct nc_mark at, const char *fmt, ...)
{
	char msg[NC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return nc_err_msg(x->err, EINVAL, "%s:%u:%u: %s", at.file ? at.file : "<input>", at.line,
			  at.col, msg);
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

static const char *resolve(struct inc *x, const char *dir, const char *p)
{
	const char *s = p[0] == '/' ? nc_arena_strdup(x->a, p) : nc_arena_printf(x->a, "%s/%s", dir, p);
	if (!s)
		return NULL;
	char *real = realpath(s, NULL);
	if (!real)
		return s;
	s = nc_arena_strdup(x->a, real);
	free(real);
	return s;
}

/* The variables of an included project: its env_file (else its
 * directory's .env), then the including project's. */
struct inc_env {
	nc_lookup_fn outer;
	void *outer_ctx;
	struct nc_dotenv d;
};

static const char *inc_lookup(void *ctx, const char *name)
{
	struct inc_env *e = ctx;
	const char *v = e->outer ? e->outer(e->outer_ctx, name) : NULL;
	return v ? v : nc_dotenv_lookup(&e->d, name);
}

static int process(struct inc *x, struct nc_yt_node *root, const char *path, nc_lookup_fn lookup,
		   void *ctx, unsigned depth);

/* Adds the sections of `sub` to `root`; a name both define is an error
 * naming both places. */
static int add_sections(struct inc *x, struct nc_yt_node *root, const struct nc_yt_node *sub,
			const char *subdir)
{
	for (size_t s = 0; s < NC_ELEMENTSOF(sections); s++) {
		const struct nc_yt_node *from = nc_yt_get(sub, sections[s]);
		if (!from || from->kind != NC_YT_MAP || !from->n_pairs)
			continue;
		struct nc_yt_node *to = NULL;
		size_t at = 0;
		for (; at < root->n_pairs; at++)
			if (!strcmp(root->pairs[at].key->text, sections[s]))
				break;
		const struct nc_yt_node *old = at < root->n_pairs ? root->pairs[at].value : NULL;
		size_t n_old = old && old->kind == NC_YT_MAP ? old->n_pairs : 0;
		if (!(to = nc_arena_calloc(x->a, 1, sizeof(*to))) ||
		    !(to->pairs = nc_arena_calloc(x->a, n_old + from->n_pairs + 1, sizeof(*to->pairs))))
			return nc_err_errno(x->err, ENOMEM, "include");
		to->kind = NC_YT_MAP;
		to->mark = old ? old->mark : from->mark;
		if (n_old)
			memcpy(to->pairs, old->pairs, n_old * sizeof(*to->pairs));
		to->n_pairs = n_old;
		for (size_t i = 0; i < from->n_pairs; i++) {
			const struct nc_yt_pair *p = &from->pairs[i];
			for (size_t k = 0; k < n_old; k++)
				if (!strcmp(to->pairs[k].key->text, p->key->text))
					return fail(x, to->pairs[k].key->mark,
						    "%.*s `%s` is also defined by the included file %s:%u:%u: rename one of them",
						    (int)strlen(sections[s]) - 1, sections[s], p->key->text,
						    p->key->mark.file ? p->key->mark.file : "?", p->key->mark.line,
						    p->key->mark.col);
			struct nc_yt_node *v = p->value;
			if (!strcmp(sections[s], "services")) {
				int r = nc_yt_rebase_service(x->a, &v, subdir, x->err);
				if (r < 0)
					return r;
			}
			to->pairs[to->n_pairs++] = (struct nc_yt_pair){ p->key, v };
		}
		if (at < root->n_pairs) {
			root->pairs[at].value = to;
		} else {
			struct nc_yt_pair *np = nc_arena_calloc(x->a, root->n_pairs + 2, sizeof(*np));
			struct nc_yt_node *key = nc_arena_calloc(x->a, 1, sizeof(*key));
			if (!np || !key || !(key->text = nc_arena_strdup(x->a, sections[s])))
				return nc_err_errno(x->err, ENOMEM, "include");
			key->kind = NC_YT_SCALAR;
			key->type = NC_YT_STR;
			key->len = strlen(key->text);
			key->mark = from->mark;
			memcpy(np, root->pairs, root->n_pairs * sizeof(*np));
			np[root->n_pairs++] = (struct nc_yt_pair){ key, to };
			root->pairs = np;
		}
	}
	return 0;
}

/* One entry of include: (a path, or {path, project_directory, env_file}). */
static int include_one(struct inc *x, struct nc_yt_node *root, const char *dir,
		       const struct nc_yt_node *e, nc_lookup_fn lookup, void *ctx, unsigned depth)
{
	const struct nc_yt_node *pv = e, *dv = NULL, *ev = NULL;
	int r;

	if (e->kind == NC_YT_MAP) {
		pv = nc_yt_get(e, "path");
		dv = nc_yt_get(e, "project_directory");
		ev = nc_yt_get(e, "env_file");
		for (size_t i = 0; i < e->n_pairs; i++) {
			const char *k = e->pairs[i].key->text;
			if (strcmp(k, "path") && strcmp(k, "project_directory") && strcmp(k, "env_file"))
				return fail(x, e->pairs[i].key->mark, "unknown key `%s` in an include entry", k);
		}
		if (!pv)
			return fail(x, e->mark, "an include entry needs `path`");
	}
	if ((pv->kind != NC_YT_SCALAR && pv->kind != NC_YT_SEQ) || (dv && dv->kind != NC_YT_SCALAR) ||
	    (ev && ev->kind != NC_YT_SCALAR))
		return fail(x, e->mark, "include: expected a path, or `path`, `project_directory` and `env_file` as strings");
	size_t n = pv->kind == NC_YT_SEQ ? pv->n_items : 1;
	struct nc_yt_node *sub = NULL;
	const char *first = NULL, *proj_dir = dir;
	struct inc_env env = { .outer = lookup, .outer_ctx = ctx, .d = NC_DOTENV_INIT };

	for (size_t i = 0; i < n; i++) {
		const struct nc_yt_node *one = pv->kind == NC_YT_SEQ ? pv->items[i] : pv;
		if (one->kind != NC_YT_SCALAR) {
			r = fail(x, one->mark, "include: a path is a string");
			goto out;
		}
		const char *path = resolve(x, dir, one->text);
		_cleanup_free_ char *text = NULL;
		size_t len;
		struct nc_yt_node *t;
		if (!path) {
			r = nc_err_errno(x->err, ENOMEM, "include");
			goto out;
		}
		if (!first) {
			first = path;
			_cleanup_free_ char *fdir = dir_of(first);
			const char *pdir = dv ? resolve(x, dir, dv->text) : fdir;
			const char *envp = ev ? resolve(x, dir, ev->text) : pdir ? nc_arena_printf(x->a, "%s/.env", pdir) : NULL;
			if (!fdir || !pdir || !envp) {
				r = nc_err_errno(x->err, ENOMEM, "include");
				goto out;
			}
			if ((r = nc_dotenv_load(envp, !ev, lookup, ctx, &env.d, x->err)) < 0)
				goto out;
			if (!(proj_dir = nc_arena_strdup(x->a, pdir))) {
				r = nc_err_errno(x->err, ENOMEM, "include");
				goto out;
			}
		}
		if ((r = nc_read_file_bounded(path, NC_USER_FILE_MAX, &text, &len, x->err)) < 0) {
			r = fail(x, one->mark, "include: %s", x->err->msg);
			goto out;
		}
		if ((r = nc_yt_parse(x->a, path, text, len, &t, x->err)) < 0)
			goto out;
		if (!t || t->kind != NC_YT_MAP) {
			r = fail(x, one->mark, "include: `%s` is not a compose file (a mapping)", path);
			goto out;
		}
		if ((r = nc_interpolate_tree(x->a, t, path, inc_lookup, &env, NULL, x->err)) < 0 ||
		    (r = process(x, t, path, inc_lookup, &env, depth + 1)) < 0 ||
		    (r = nc_yt_resolve_extends(x->a, t, path, inc_lookup, &env, x->err)) < 0)
			goto out;
		if (sub && (r = nc_yt_merge(x->a, sub, t, &t, x->err)) < 0)
			goto out;
		sub = t;
	}
	nc_yt_strip_tags(sub);
	r = add_sections(x, root, sub, proj_dir);
out:
	nc_dotenv_free(&env.d);
	return r;
}

static int process(struct inc *x, struct nc_yt_node *root, const char *path, nc_lookup_fn lookup,
		   void *ctx, unsigned depth)
{
	size_t at = 0;
	int r;

	if (!root || root->kind != NC_YT_MAP)
		return 0;
	for (; at < root->n_pairs; at++)
		if (!strcmp(root->pairs[at].key->text, "include"))
			break;
	if (at == root->n_pairs)
		return 0;
	const struct nc_yt_node *list = root->pairs[at].value;
	if (depth >= MAX_NESTING)
		return fail(x, list->mark, "include: nested more than %d deep (a cycle?)", MAX_NESTING);
	if (list->kind != NC_YT_SEQ)
		return fail(x, list->mark, "`include`: expected a list");
	/* The key goes first: what is included is not included again. */
	memmove(&root->pairs[at], &root->pairs[at + 1], (root->n_pairs - at - 1) * sizeof(*root->pairs));
	root->n_pairs--;
	_cleanup_free_ char *dir = dir_of(path);
	if (!dir)
		return nc_err_errno(x->err, ENOMEM, "include");
	for (size_t i = 0; i < list->n_items; i++)
		if ((r = include_one(x, root, dir, list->items[i], lookup, ctx, depth)) < 0)
			return r;
	return 0;
}

int nc_yt_resolve_include(struct nc_arena *a, struct nc_yt_node *root, const char *path,
			  nc_lookup_fn lookup, void *ctx, nc_err *err)
{
	struct inc x = { .a = a, .err = err };
	return process(&x, root, path, lookup, ctx, 0);
}
