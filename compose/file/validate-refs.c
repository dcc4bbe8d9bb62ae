/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cross-checks of references and collisions: names that must refer to
 * something (depends_on, links, checks, named volumes), values that collide
 * (published ports, mount targets, interface names) and the order of
 * depends_on (no cycles).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "compose/file/load.h"

static int unknown_service(struct nc_loader *ld, struct nc_mark at, const char *what,
			   const char *name)
{
	const struct nc_model *m = ld->m;
	_cleanup_free_ const char **names = calloc(m->n_services + 1, sizeof(*names));
	char hint[160] = "";

	if (!names)
		return nc_ld_oom(ld);
	for (size_t i = 0; i < m->n_services; i++)
		names[i] = m->services[i].name;
	const char *sug = nc_ld_suggest(name, names, m->n_services);
	if (sug)
		snprintf(hint, sizeof(hint), " (did you mean `%s`?)", sug);
	return nc_ld_fail(ld, at, "%s names service `%s`, which is not defined%s", what, name, hint);
}

static bool shaping_ok(struct nc_loader *ld, const struct nc_shaping *sh, int *r)
{
	/* netem's jitter varies a delay; alone it means nothing. */
	if (sh->jitter_ns && !sh->delay_ns) {
		*r = nc_ld_fail(ld, sh->jitter_mark, "`jitter` needs a `delay` to vary");
		return false;
	}
	return true;
}

static int check_links(struct nc_loader *ld)
{
	const struct nc_model *m = ld->m;
	int r;

	for (size_t i = 0; i < m->n_links; i++) {
		const struct nc_link *l = &m->links[i];
		if (!shaping_ok(ld, &l->shaping, &r))
			return r;
		for (size_t e = 0; e < 2; e++) {
			const struct nc_link_end *end = &l->ends[e];
			const struct nc_service *s = nc_model_service(m, end->service);
			char what[64];
			snprintf(what, sizeof(what), "endpoint %zu of link %zu", e + 1, i + 1);
			if (!s)
				return unknown_service(ld, end->mark, what, end->service);
			for (size_t a = 0; a < s->n_networks; a++) {
				char name[32];
				nc_ld_attach_ifname(s, a, name, sizeof(name));
				if (!strcmp(name, end->ifname))
					return nc_ld_fail(ld, end->mark,
							  "%s: service `%s` already has interface `%s` on network `%s`",
							  what, s->name, end->ifname, s->networks[a].network);
			}
			/* Every endpoint before this one, in this link and earlier ones. */
			for (size_t j = 0; j <= i; j++)
				for (size_t f = 0; f < (j == i ? e : 2); f++) {
					const struct nc_link_end *o = &m->links[j].ends[f];
					if (!strcmp(o->service, end->service) && !strcmp(o->ifname, end->ifname))
						return nc_ld_fail(ld, end->mark,
								  "%s: `%s:%s` is already an endpoint of link %zu",
								  what, end->service, end->ifname, j + 1);
				}
		}
	}
	return 0;
}

/* Interfaces a check may name: attachments and link endpoints. */
static bool has_interface(const struct nc_model *m, const struct nc_service *s, const char *ifname)
{
	char name[32];

	for (size_t a = 0; a < s->n_networks; a++) {
		nc_ld_attach_ifname(s, a, name, sizeof(name));
		if (!strcmp(name, ifname))
			return true;
	}
	for (size_t i = 0; i < m->n_links; i++)
		for (size_t e = 0; e < 2; e++)
			if (!strcmp(m->links[i].ends[e].service, s->name) &&
			    !strcmp(m->links[i].ends[e].ifname, ifname))
				return true;
	return false;
}

static int check_checks(struct nc_loader *ld)
{
	const struct nc_model *m = ld->m;

	for (size_t i = 0; i < m->n_checks; i++) {
		const struct nc_check *c = &m->checks[i];
		char what[96];
		nc_check_what(c, what, sizeof(what));
		if (c->from_host && nc_model_service(m, "host"))
			return nc_ld_fail(ld, c->from_mark,
					  "%s: `from: host` is ambiguous: a service is named `host`", what);
		if (!c->from_host && !nc_model_service(m, c->from)) {
			static const char *const host[] = { "host" };
			if (nc_ld_suggest(c->from, host, 1))
				return nc_ld_fail(ld, c->from_mark,
						  "%s names service `%s`, which is not defined (did you mean `host`?)",
						  what, c->from);
			return unknown_service(ld, c->from_mark, what, c->from);
		}
		if (c->via && !nc_model_service(m, c->via))
			return unknown_service(ld, c->via_mark, what, c->via);
		if (!c->target.service)
			continue;
		const struct nc_service *t = nc_model_service(m, c->target.service);
		if (!t)
			return unknown_service(ld, c->target_mark, what, c->target.service);
		if (c->target.ifname && !has_interface(m, t, c->target.ifname))
			return nc_ld_fail(ld, c->target_mark, "%s: service `%s` has no interface `%s`",
					  what, t->name, c->target.ifname);
	}
	return 0;
}

/* Depth-first over depends_on; state 1 = on the current path. */
static int visit(struct nc_loader *ld, size_t i, unsigned char *state, size_t *path, size_t depth)
{
	const struct nc_model *m = ld->m;
	const struct nc_service *s = &m->services[i];

	state[i] = 1;
	path[depth] = i;
	for (size_t d = 0; d < s->n_depends_on; d++) {
		const struct nc_service *t = nc_model_service(m, s->depends_on[d].service);
		size_t j = (size_t)(t - m->services);
		int r;
		if (state[j] == 1) {
			char cycle[NC_ERR_MSG_MAX / 2] = "";
			size_t from = 0, len = 0;
			while (path[from] != j)
				from++;
			for (size_t k = from; k <= depth && len < sizeof(cycle); k++)
				len += (size_t)snprintf(cycle + len, sizeof(cycle) - len, "%s -> ",
							m->services[path[k]].name);
			if (len < sizeof(cycle))
				snprintf(cycle + len, sizeof(cycle) - len, "%s", t->name);
			return nc_ld_fail(ld, s->depends_on[d].mark, "a cycle in depends_on: %s", cycle);
		}
		if (state[j] == 0 && (r = visit(ld, j, state, path, depth + 1)) < 0)
			return r;
	}
	state[i] = 2;
	return 0;
}

/* Each legacy link names a service and implies depends_on it (started),
 * unless the service already depends on it: compose-go's rule, so
 * `config` prints the dependency and reads its own output the same. */
static int resolve_svc_links(struct nc_loader *ld)
{
	struct nc_model *m = ld->m;

	for (size_t i = 0; i < m->n_services; i++) {
		struct nc_service *s = &m->services[i];
		for (size_t k = 0; k < s->n_svc_links; k++) {
			const struct nc_svc_link *l = &s->svc_links[k];
			char what[NC_ERR_MSG_MAX / 4];
			snprintf(what, sizeof(what), "`links` of service `%s`", s->name);
			const struct nc_service *t = nc_model_service(m, l->service);
			if (!t)
				return unknown_service(ld, l->mark, what, l->service);
			if (t == s)
				return nc_ld_fail(ld, l->mark, "service `%s` links to itself", s->name);
			bool have = false;
			for (size_t d = 0; d < s->n_depends_on && !have; d++)
				have = !strcmp(s->depends_on[d].service, l->service);
			if (have)
				continue;
			struct nc_depend *v = nc_arena_calloc(ld->a, s->n_depends_on + 1, sizeof(*v));
			if (!v)
				return nc_ld_oom(ld);
			if (s->n_depends_on)
				memcpy(v, s->depends_on, s->n_depends_on * sizeof(*v));
			v[s->n_depends_on] = (struct nc_depend){ .service = t->name, .condition = NC_DEP_STARTED,
								 .required = true, .mark = l->mark };
			s->depends_on = v;
			s->n_depends_on++;
		}
	}
	return 0;
}

static int check_depends(struct nc_loader *ld)
{
	const struct nc_model *m = ld->m;
	int lr;

	if ((lr = resolve_svc_links(ld)) < 0)
		return lr;

	for (size_t i = 0; i < m->n_services; i++) {
		const struct nc_service *s = &m->services[i];
		for (size_t d = 0; d < s->n_depends_on; d++) {
			const struct nc_depend *dep = &s->depends_on[d];
			const struct nc_service *t = nc_model_service(m, dep->service);
			char what[NC_ERR_MSG_MAX / 4];
			snprintf(what, sizeof(what), "`depends_on` of service `%s`", s->name);
			if (!t)
				return unknown_service(ld, dep->mark, what, dep->service);
			if (t == s)
				return nc_ld_fail(ld, dep->mark, "service `%s` depends on itself", s->name);
			if (dep->condition == NC_DEP_HEALTHY && (!t->healthcheck.present || t->healthcheck.disable))
				return nc_ld_fail(ld, dep->mark,
						  "service `%s` waits for `%s` to be healthy, but `%s` has no healthcheck",
						  s->name, t->name, t->name);
		}
	}
	_cleanup_free_ unsigned char *state = calloc(m->n_services + 1, 1);
	_cleanup_free_ size_t *path = calloc(m->n_services + 1, sizeof(*path));
	if (!state || !path)
		return nc_ld_oom(ld);
	for (size_t i = 0; i < m->n_services; i++) {
		int r;
		if (!state[i] && (r = visit(ld, i, state, path, 0)) < 0)
			return r;
	}
	return 0;
}

static bool port_overlap(const struct nc_port *a, const struct nc_port *b)
{
	if (a->proto != b->proto || !a->published || !b->published)
		return false;
	if (a->published_end < b->published || b->published_end < a->published)
		return false;
	/* Different specific addresses do not collide; an unspecified one
	 * (all addresses of its family, or of both) collides with any. */
	if (a->host_ip.family && b->host_ip.family) {
		static const uint8_t zero[16];
		bool a_any = !memcmp(a->host_ip.a, zero, nc_ip_bytes(a->host_ip.family));
		bool b_any = !memcmp(b->host_ip.a, zero, nc_ip_bytes(b->host_ip.family));
		if (a->host_ip.family != b->host_ip.family)
			return false;
		return a_any || b_any || nc_ip_equal(&a->host_ip, &b->host_ip);
	}
	return true;
}

static void fmt_published(const struct nc_port *p, char *buf, size_t size)
{
	if (p->published_end > p->published)
		snprintf(buf, size, "%u-%u", p->published, p->published_end);
	else
		snprintf(buf, size, "%u", p->published);
}

static int check_ports(struct nc_loader *ld)
{
	const struct nc_model *m = ld->m;

	for (size_t i = 0; i < m->n_services; i++)
		for (size_t p = 0; p < m->services[i].n_ports; p++) {
			const struct nc_port *x = &m->services[i].ports[p];
			for (size_t j = 0; j <= i; j++)
				for (size_t q = 0; q < (j == i ? p : m->services[j].n_ports); q++) {
					const struct nc_port *y = &m->services[j].ports[q];
					if (!port_overlap(x, y))
						continue;
					char xr[16], yr[16];
					fmt_published(x, xr, sizeof(xr));
					fmt_published(y, yr, sizeof(yr));
					return nc_ld_fail(ld, x->mark,
							  "service `%s`: host port %s/%s collides with %s/%s published by service `%s` (line %u)",
							  m->services[i].name, xr,
							  x->proto == NC_PROTO_UDP ? "udp" : "tcp", yr,
							  y->proto == NC_PROTO_UDP ? "udp" : "tcp",
							  m->services[j].name, y->mark.line);
				}
		}
	return 0;
}

static int check_mounts(struct nc_loader *ld, const struct nc_service *s)
{
	const struct nc_model *m = ld->m;
	size_t n = s->n_volumes + s->n_tmpfs;

	for (size_t i = 0; i < n; i++) {
		const struct nc_mount *x = i < s->n_volumes ? &s->volumes[i] : &s->tmpfs[i - s->n_volumes];
		if (x->type == NC_MOUNT_VOLUME && x->source) {
			size_t v;
			for (v = 0; v < m->n_volumes && strcmp(m->volumes[v].name, x->source); v++)
				;
			if (v == m->n_volumes)
				return nc_ld_fail(ld, x->mark,
						  "service `%s` mounts volume `%s`, which is not defined under the top-level `volumes` (a path starts with `/`, `.` or `~`)",
						  s->name, x->source);
		}
		for (size_t j = 0; j < i; j++) {
			const struct nc_mount *y = j < s->n_volumes ? &s->volumes[j] : &s->tmpfs[j - s->n_volumes];
			if (strcmp(x->target, y->target))
				continue;
			/* At the later of the two in the file (`tmpfs:` may stand
			 * before `volumes:`). */
			bool x_later = x->mark.line > y->mark.line ||
				       (x->mark.line == y->mark.line && x->mark.col > y->mark.col);
			const struct nc_mount *later = x_later ? x : y, *earlier = x_later ? y : x;
			return nc_ld_fail(ld, later->mark, "service `%s` mounts two things on `%s` (line %u)",
					  s->name, x->target, earlier->mark.line);
		}
	}
	return 0;
}

static int check_services(struct nc_loader *ld)
{
	const struct nc_model *m = ld->m;
	int r;

	for (size_t i = 0; i < m->n_services; i++) {
		const struct nc_service *s = &m->services[i];
		if (s->network_mode_none && s->has_networks_key)
			return nc_ld_fail(ld, s->network_mode_mark,
					  "service `%s`: `network_mode: none` and `networks` exclude each other",
					  s->name);
		/* Docker: memswap_limit counts memory plus swap. */
		if (s->has_memswap_limit && s->memswap_limit != -1 && s->mem_limit == NC_UNSET)
			return nc_ld_fail(ld, s->memswap_limit_mark,
					  "service `%s`: `memswap_limit` needs a `mem_limit`", s->name);
		if (s->has_memswap_limit && s->memswap_limit != -1 && s->memswap_limit < s->mem_limit)
			return nc_ld_fail(ld, s->memswap_limit_mark,
					  "service `%s`: `memswap_limit` (memory plus swap) is below `mem_limit`",
					  s->name);
		for (size_t a = 0; a < s->n_networks; a++)
			if (!shaping_ok(ld, &s->networks[a].shaping, &r))
				return r;
		if ((r = check_mounts(ld, s)) < 0)
			return r;
	}
	return 0;
}

int nc_validate_refs(struct nc_loader *ld)
{
	int r;

	if ((r = check_services(ld)) < 0 || (r = check_links(ld)) < 0 ||
	    (r = check_checks(ld)) < 0 || (r = check_depends(ld)) < 0 || (r = check_ports(ld)) < 0)
		return r;
	return 0;
}
