/* SPDX-License-Identifier: GPL-2.0-or-later */
/* services.<s>.depends_on, and link shaping (rate, delay, jitter, loss). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "compose/file/load.h"
#include "compose/file/units.h"

static int dep_condition(struct nc_loader *ld, const struct nc_yt_node *k,
			 const struct nc_yt_node *v, void *obj)
{
	struct nc_depend *d = obj;
	const char *c;
	int r;

	if ((r = nc_ld_string(ld, k, v, &c)) < 0)
		return r;
	if (!strcmp(c, "service_started"))
		d->condition = NC_DEP_STARTED;
	else if (!strcmp(c, "service_healthy"))
		d->condition = NC_DEP_HEALTHY;
	else if (!strcmp(c, "service_completed_successfully"))
		d->condition = NC_DEP_COMPLETED;
	else
		return nc_ld_fail_key(ld, k, v->mark,
				      "`%s` is not service_started, service_healthy or service_completed_successfully",
				      c);
	return 0;
}

static int dep_flag(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		    void *obj)
{
	struct nc_depend *d = obj;
	return nc_ld_bool(ld, k, v, !strcmp(k->text, "restart") ? &d->restart : &d->required);
}

static const struct nc_ld_key depend_keys[] = {
	{ "condition", dep_condition, 0 },
	{ "required", dep_flag, 0 },
	{ "restart", dep_flag, 0 },
};

/* [a, b] or {a: {condition: service_healthy}, b: null}. */
NC_LD_READER(nc_svc_depends_on)
{
	struct nc_service *s = obj;
	bool map = val->kind == NC_YT_MAP;
	size_t n = map ? val->n_pairs : val->n_items;
	int r;

	if (val->kind == NC_YT_SCALAR)
		return nc_ld_type(ld, key, val, "a list of service names or a mapping");
	if (!(s->depends_on = nc_arena_calloc(ld->a, n ? n : 1, sizeof(*s->depends_on))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < n; i++) {
		const struct nc_yt_node *name = map ? val->pairs[i].key : val->items[i];
		const struct nc_yt_node *v = map ? val->pairs[i].value : NULL;
		struct nc_depend *d = &s->depends_on[s->n_depends_on];

		if (name->kind != NC_YT_SCALAR || name->type == NC_YT_NULL)
			return nc_ld_type(ld, key, name, "a service name");
		for (size_t j = 0; j < s->n_depends_on; j++)
			if (!strcmp(s->depends_on[j].service, name->text))
				return nc_ld_fail_key(ld, key, name->mark, "`%s` is listed twice",
						      name->text);
		if (!(d->service = nc_arena_strdup(ld->a, name->text)))
			return nc_ld_oom(ld);
		d->mark = name->mark;
		d->required = true;
		if (v && !(v->kind == NC_YT_SCALAR && v->type == NC_YT_NULL)) {
			const char *outer = ld->where;
			if (!(ld->where = nc_arena_printf(ld->a, "`depends_on` `%s` of service `%s`",
							  d->service, s->name)))
				return nc_ld_oom(ld);
			r = nc_ld_map(ld, name, v, depend_keys, NC_ELEMENTSOF(depend_keys), d);
			ld->where = outer;
			if (r < 0)
				return r;
		}
		s->n_depends_on++;
	}
	return 0;
}

NC_LD_READER(nc_ld_shaping_key)
{
	struct nc_shaping *sh = obj;
	int r;

	sh->set = true;
	if (!strcmp(key->text, "rate")) {
		if (val->kind != NC_YT_SCALAR || (val->type != NC_YT_STR && val->type != NC_YT_INT))
			return nc_ld_type(ld, key, val, "a rate such as 10mbit");
		if ((r = nc_parse_rate(val->text, &sh->rate)) < 0)
			return nc_ld_fail_key(ld, key, val->mark,
					      "`%s` is not a rate: a number with a unit bit, kbit, mbit, gbit (or bps, kbps, ... for bytes), such as 10mbit",
					      val->text);
		sh->rate_mark = val->mark;
		return 0;
	}
	if (!strcmp(key->text, "loss")) {
		if (val->kind != NC_YT_SCALAR ||
		    (val->type != NC_YT_STR && val->type != NC_YT_INT && val->type != NC_YT_FLOAT))
			return nc_ld_type(ld, key, val, "a percentage such as 1%");
		if ((r = nc_parse_percent(val->text, &sh->loss)) < 0)
			return nc_ld_fail_key(ld, key, val->mark, "`%s` is not a percentage from 0 to 100",
					      val->text);
		sh->loss_mark = val->mark;
		return 0;
	}
	bool delay = !strcmp(key->text, "delay");
	if ((r = nc_ld_duration(ld, key, val, delay ? &sh->delay_ns : &sh->jitter_ns)) < 0)
		return r;
	if (delay)
		sh->delay_mark = val->mark;
	else
		sh->jitter_mark = val->mark;
	return 0;
}

/* links: [db, "db:database"]. Checked against the services and turned
 * into depends_on once every service is read (validate-refs.c). */
NC_LD_READER(nc_svc_legacy_links)
{
	struct nc_service *s = obj;
	const char **v;
	struct nc_mark *marks;
	size_t n;
	int r;

	if ((r = nc_ld_strlist(ld, key, val, &v, &n, &marks)) < 0)
		return r;
	if (!(s->svc_links = nc_arena_calloc(ld->a, n ? n : 1, sizeof(*s->svc_links))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < n; i++) {
		struct nc_svc_link *l = &s->svc_links[i];
		const char *colon = strchr(v[i], ':');
		l->text = v[i];
		l->mark = marks[i];
		if (!(l->service = colon ? nc_arena_strndup(ld->a, v[i], (size_t)(colon - v[i])) : v[i]))
			return nc_ld_oom(ld);
		l->alias = colon ? colon + 1 : NULL;
		if (!nc_ld_valid_name(l->service) || (l->alias && !nc_ld_valid_hostname(l->alias)))
			return nc_ld_fail(ld, marks[i], "`links` in %s: `%s` is not SERVICE or SERVICE:ALIAS",
					  ld->where, v[i]);
	}
	s->n_svc_links = n;
	return 0;
}

