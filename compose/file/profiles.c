/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compose's profiles: which services a run of ncompose sees. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "compose/file/model.h"

static bool is_active(const char *active, const char *profile)
{
	size_t n = strlen(profile);
	for (const char *p = active; p && *p;) {
		size_t k = strcspn(p, ",");
		while (k && (*p == ' '))
			p++, k--;
		size_t len = k;
		while (len && p[len - 1] == ' ')
			len--;
		if ((len == 1 && *p == '*') || (len == n && !strncmp(p, profile, n)))
			return true;
		p += k + (p[k] == ',');
	}
	return false;
}

static bool named_profile(const struct nc_model *m, const char *const *named, const char *profile)
{
	for (; named && *named; named++)
		for (size_t i = 0; i < m->n_services; i++)
			if (!strcmp(m->services[i].name, *named))
				for (size_t k = 0; k < m->services[i].n_profiles; k++)
					if (!strcmp(m->services[i].profiles[k], profile))
						return true;
	return false;
}

static bool enabled(const struct nc_model *m, const struct nc_service *s, const char *active,
		    const char *const *named)
{
	if (!s->n_profiles)
		return true;
	for (size_t i = 0; i < s->n_profiles; i++)
		if (is_active(active, s->profiles[i]) || named_profile(m, named, s->profiles[i]))
			return true;
	return false;
}

static const struct nc_service *dropped(const struct nc_service *all, size_t n, const bool *keep,
					const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (!keep[i] && !strcmp(all[i].name, name))
			return &all[i];
	return NULL;
}

static int refuse(const struct nc_model *m, struct nc_mark mark, const char *who, const char *what,
		  const struct nc_service *d, nc_err *err)
{
	return nc_model_error(m, mark, err,
			      "%s %s `%s`, which is only in profile `%s`, not active; enable it with `--profile %s` (or COMPOSE_PROFILES)",
			      who, what, d->name, d->profiles[0], d->profiles[0]);
}

int nc_model_apply_profiles(struct nc_model *m, const char *active, const char *const *named, nc_err *err)
{
	size_t n = m->n_services, kept = 0;
	bool *keep = nc_arena_calloc(&m->arena, n ? n : 1, sizeof(*keep));
	const struct nc_service *d;
	char who[300];

	if (!keep)
		return nc_err_errno(err, ENOMEM, "profiles");
	for (size_t i = 0; i < n; i++)
		kept += (keep[i] = enabled(m, &m->services[i], active, named));
	if (kept == n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct nc_service *s = &m->services[i];
		if (!keep[i])
			continue;
		snprintf(who, sizeof(who), "service `%s`", s->name);
		for (size_t k = 0; k < s->n_depends_on; k++)
			if ((d = dropped(m->services, n, keep, s->depends_on[k].service)) && s->depends_on[k].required)
				return refuse(m, s->depends_on[k].mark, who, "depends on", d, err);
	}
	for (size_t i = 0; i < m->n_links; i++)
		for (int e = 0; e < 2; e++)
			if ((d = dropped(m->services, n, keep, m->links[i].ends[e].service)))
				return refuse(m, m->links[i].ends[e].mark, "a link", "ends at", d, err);
	for (size_t i = 0; i < m->n_checks; i++) {
		const struct nc_check *c = &m->checks[i];
		if ((d = dropped(m->services, n, keep, c->from_host ? NULL : c->from)) ||
		    (d = dropped(m->services, n, keep, c->target.service)) ||
		    (d = dropped(m->services, n, keep, c->via)))
			return refuse(m, c->mark, "a check", "names", d, err);
	}
	/* Drop them, keeping file order (interfaces and addresses follow it). */
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (keep[i])
			m->services[w++] = m->services[i];
	m->n_services = w;
	return 0;
}
