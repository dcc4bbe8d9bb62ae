/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The top level of a compose file, and the public entry points. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/file/dotenv.h"
#include "compose/file/interpolate.h"
#include "compose/file/load.h"
#include "compose/file/merge.h"

static int load_name(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		     void *obj)
{
	struct nc_model *m = obj;
	int r;

	if ((r = nc_ld_string(ld, k, v, &m->name)) < 0)
		return r;
	if (!nc_ld_valid_project(m->name))
		return nc_ld_fail(ld, v->mark,
				  "project name `%s` is not valid: use lower case letters, digits, `-` and `_`, starting with a letter or digit",
				  m->name);
	m->name_mark = v->mark;
	return 0;
}

static int load_services(struct nc_loader *ld, const struct nc_yt_node *k,
			 const struct nc_yt_node *v, void *obj)
{
	(void)obj;
	return nc_load_services(ld, k, v);
}

static int load_networks(struct nc_loader *ld, const struct nc_yt_node *k,
			 const struct nc_yt_node *v, void *obj)
{
	(void)obj;
	return nc_load_networks(ld, k, v);
}

/* `version` is obsolete in the Compose Specification and ignored there. */
static int load_version(struct nc_loader *ld, const struct nc_yt_node *k,
			const struct nc_yt_node *v, void *obj)
{
	(void)obj;
	if (v->kind != NC_YT_SCALAR)
		return nc_ld_type(ld, k, v, "a string");
	return 0;
}

static int load_volumes(struct nc_loader *ld, const struct nc_yt_node *k,
			const struct nc_yt_node *v, void *obj)
{
	(void)obj;
	return nc_load_volumes(ld, k, v);
}

static int load_links(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		      void *obj)
{
	(void)obj;
	return nc_load_links(ld, k, v);
}

static int load_checks(struct nc_loader *ld, const struct nc_yt_node *k,
		       const struct nc_yt_node *v, void *obj)
{
	(void)obj;
	return nc_load_checks(ld, k, v);
}

static int load_file_objs(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
			  void *obj)
{
	(void)obj;
	return nc_load_file_objs(ld, k, v);
}

static const struct nc_ld_key top_keys[] = {
	{ "checks", load_checks, 0 },
	{ "configs", load_file_objs, 0 },
	{ "include", NULL, NC_LD_UNSUPPORTED },
	{ "links", load_links, 0 },
	{ "name", load_name, 0 },
	{ "networks", load_networks, 0 },
	{ "secrets", load_file_objs, 0 },
	{ "services", load_services, 0 },
	{ "version", load_version, 0 },
	{ "volumes", load_volumes, 0 },
};

static int load_root(struct nc_loader *ld, const struct nc_yt_node *root)
{
	if (!root || (root->kind == NC_YT_SCALAR && root->type == NC_YT_NULL))
		return nc_ld_fail(ld, root ? root->mark : (struct nc_mark){ .line = 1, .col = 1 },
				  "the file is empty: expected a mapping with `services`");
	if (root->kind != NC_YT_MAP)
		return nc_ld_fail(ld, root->mark, "expected a mapping at the top level, got %s",
				  nc_ld_what(root));
	ld->where = NULL;
	return nc_ld_map(ld, NULL, root, top_keys, NC_ELEMENTSOF(top_keys), ld->m);
}

int nc_model_load_root(struct nc_model *m, const struct nc_yt_node *root, nc_err *err)
{
	struct nc_loader ld = { .m = m, .a = &m->arena, .err = err };
	int r;

	if ((r = load_root(&ld, root)) < 0)
		return r;
	return nc_validate_model(&ld);
}

static void model_freep(struct nc_model **m)
{
	nc_model_free(*m);
}

static void arena_freep(struct nc_arena *a)
{
	nc_arena_free(a);
}

int nc_model_load_buffer_opts(const char *path, const char *text, size_t len,
			      const struct nc_load_opts *opts, struct nc_model **out, nc_err *err)
{
	static const struct nc_load_opts defaults = { 0 };
	_cleanup_(model_freep) struct nc_model *m = calloc(1, sizeof(*m));
	_cleanup_(arena_freep) struct nc_arena tree = NC_ARENA_INIT;
	struct nc_yt_node *root;
	int r;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	if (!m || !(m->path = nc_arena_strdup(&m->arena, path)))
		return nc_err_errno(err, ENOMEM, "load `%s`", path);
	if ((r = nc_yt_parse(&tree, m->path, text, len, &root, err)) < 0)
		return r;
	if (opts->lookup &&
	    (r = nc_interpolate_tree(&tree, root, path, opts->lookup, opts->lookup_ctx, opts->warnings, err)) < 0)
		return r;
	nc_yt_strip_tags(root);
	if ((r = nc_model_load_root(m, root, err)) < 0)
		return r;
	*out = TAKE_PTR(m);
	return 0;
}

int nc_model_load_buffer(const char *path, const char *text, size_t len,
			 struct nc_model **out, nc_err *err)
{
	return nc_model_load_buffer_opts(path, text, len, NULL, out, err);
}

int nc_model_load_file_opts(const char *path, const struct nc_load_opts *opts,
			    struct nc_model **out, nc_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	*out = NULL;
	if ((r = nc_read_file_bounded(path, NC_USER_FILE_MAX, &text, &len, err)) < 0)
		return r;
	return nc_model_load_buffer_opts(path, text, len, opts, out, err);
}

int nc_model_load_file(const char *path, struct nc_model **out, nc_err *err)
{
	return nc_model_load_file_opts(path, NULL, out, err);
}

struct project_env {
	char *const *envp;
	struct nc_dotenv dotenv;
};

/* Compose's order: the caller's environment wins over `.env`. */
static const char *project_lookup(void *ctx, const char *name)
{
	struct project_env *pe = ctx;
	const char *v = nc_lookup_envp((void *)pe->envp, name);
	return v ? v : nc_dotenv_lookup(&pe->dotenv, name);
}

static void dotenv_freep(struct nc_dotenv *d)
{
	nc_dotenv_free(d);
}

int nc_model_load_project(const char *path, char *const *envp, const char *const *named,
			  struct nc_model **out, nc_err *err)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_free_ char *env_path = NULL;
	_cleanup_(dotenv_freep) struct nc_dotenv dotenv = NC_DOTENV_INIT;
	int r;

	*out = NULL;
	if (!copy || asprintf(&env_path, "%s/.env", dirname(copy)) < 0) {
		env_path = NULL;
		return nc_err_errno(err, ENOMEM, "load `%s`", path);
	}
	if ((r = nc_dotenv_load(env_path, true, nc_lookup_envp, (void *)envp, &dotenv, err)) < 0)
		return r;
	struct project_env pe = { envp, dotenv };
	struct nc_load_opts opts = { .lookup = project_lookup, .lookup_ctx = &pe, .warnings = stderr };
	if ((r = nc_model_load_file_opts(path, &opts, out, err)) < 0)
		return r;
	if ((r = nc_model_apply_profiles(*out, project_lookup(&pe, "COMPOSE_PROFILES"), named, err)) < 0) {
		nc_model_free(*out);
		*out = NULL;
	}
	return r;
}
