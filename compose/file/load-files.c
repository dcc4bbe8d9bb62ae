/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Top-level secrets and configs, and services.<s>.secrets / .configs:
 * files a container gets read-only, as Compose gives them without a
 * swarm (a bind of the file, or of what `content` / `environment` say).
 */
#include <string.h>

#include "compose/file/load.h"

static int fo_string(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v, void *obj)
{
	struct nc_file_obj *f = obj;
	const char **field = !strcmp(k->text, "file")	     ? &f->file
			     : !strcmp(k->text, "content")   ? &f->content
							     : &f->environment;
	return nc_ld_string(ld, k, v, field);
}

static int fo_external(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v, void *obj)
{
	(void)obj;
	bool ext;
	int r = nc_ld_bool(ld, k, v, &ext);
	if (r == 0 && ext)
		return nc_ld_fail_key(ld, k, v->mark, "an external secret or config lives in a swarm, which one host has not; give `file:`");
	return r;
}

static const struct nc_ld_key secret_keys[] = {
	{ "environment", fo_string, 0 },
	{ "external", fo_external, 0 },
	{ "file", fo_string, 0 },
	{ "name", NULL, NC_LD_UNSUPPORTED },
};

static const struct nc_ld_key config_keys[] = {
	{ "content", fo_string, 0 },
	{ "environment", fo_string, 0 },
	{ "external", fo_external, 0 },
	{ "file", fo_string, 0 },
	{ "name", NULL, NC_LD_UNSUPPORTED },
};

int nc_load_file_objs(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val)
{
	bool secrets = !strcmp(key->text, "secrets");
	struct nc_model *m = ld->m;
	struct nc_file_obj **v = secrets ? &m->secrets : &m->configs;
	size_t *n = secrets ? &m->n_secrets : &m->n_configs;

	if (val->kind == NC_YT_SCALAR && val->type == NC_YT_NULL)
		return 0;
	if (val->kind != NC_YT_MAP)
		return nc_ld_type(ld, key, val, secrets ? "a mapping of secret names" : "a mapping of config names");
	if (!(*v = nc_arena_calloc(ld->a, val->n_pairs ? val->n_pairs : 1, sizeof(**v))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < val->n_pairs; i++) {
		const struct nc_yt_node *k = val->pairs[i].key, *body = val->pairs[i].value;
		struct nc_file_obj *f = &(*v)[*n];
		int r;

		if ((r = nc_ld_entry_name(ld, k, secrets ? "secret" : "config", &f->name)) > 0)
			continue;
		if (r < 0)
			return r;
		f->mark = k->mark;
		const char *outer = ld->where;
		if (!(ld->where = nc_arena_printf(ld->a, "%s `%s`", secrets ? "secret" : "config", f->name)))
			return nc_ld_oom(ld);
		r = nc_ld_map(ld, k, body, secrets ? secret_keys : config_keys,
			      secrets ? NC_ELEMENTSOF(secret_keys) : NC_ELEMENTSOF(config_keys), f);
		ld->where = outer;
		if (r < 0)
			return r;
		if (!!f->file + !!f->content + !!f->environment != 1)
			return nc_ld_fail(ld, k->mark, "%s `%s` needs one of %s", secrets ? "secret" : "config", f->name,
					  secrets ? "`file` or `environment`" : "`file`, `content` or `environment`");
		(*n)++;
	}
	return 0;
}

static int ref_string(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v, void *obj)
{
	struct nc_file_ref *r = obj;
	return nc_ld_string(ld, k, v, !strcmp(k->text, "source") ? &r->source : &r->target);
}

static int ref_owner(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v, void *obj)
{
	(void)obj;
	return nc_ld_fail_key(ld, k, v->mark,
			      "`%s` cannot be set here: the file is bound into the container as it is on the host (change it there)",
			      k->text);
}

static const struct nc_ld_key ref_keys[] = {
	{ "gid", ref_owner, 0 },
	{ "mode", ref_owner, 0 },
	{ "source", ref_string, 0 },
	{ "target", ref_string, 0 },
	{ "uid", ref_owner, 0 },
};

NC_LD_READER(nc_svc_file_refs)
{
	struct nc_service *s = obj;
	bool secrets = !strcmp(key->text, "secrets");
	return nc_ld_file_refs(ld, key, val, secrets ? &s->secrets : &s->configs,
			       secrets ? &s->n_secrets : &s->n_configs);
}

int nc_ld_file_refs(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		    struct nc_file_ref **v, size_t *n)
{
	if (val->kind != NC_YT_SEQ)
		return nc_ld_type(ld, key, val, "a list of names or {source, target}");
	if (!(*v = nc_arena_calloc(ld->a, val->n_items ? val->n_items : 1, sizeof(**v))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < val->n_items; i++) {
		const struct nc_yt_node *it = val->items[i];
		struct nc_file_ref *r = &(*v)[i];
		r->mark = it->mark;
		if (it->kind == NC_YT_SCALAR && it->type == NC_YT_STR) {
			if (!(r->source = nc_arena_strdup(ld->a, it->text)))
				return nc_ld_oom(ld);
		} else if (it->kind == NC_YT_MAP) {
			int rr = nc_ld_map(ld, key, it, ref_keys, NC_ELEMENTSOF(ref_keys), r);
			if (rr < 0)
				return rr;
			if (!r->source)
				return nc_ld_fail_key(ld, key, it->mark, "an entry without `source`");
		} else {
			return nc_ld_type(ld, key, it, "a name or {source, target}");
		}
	}
	*n = val->n_items;
	return 0;
}
