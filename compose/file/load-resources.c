/* SPDX-License-Identifier: GPL-2.0-or-later */
/* services.<s>: cgroup limits beyond mem_limit/cpus/pids_limit, and ulimits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/file/load.h"
#include "compose/file/units.h"

NC_LD_READER(nc_svc_memswap_limit)
{
	struct nc_service *s = obj;
	int64_t v;
	int r;

	/* Docker: -1 lets the container swap without limit. */
	if (val->kind == NC_YT_SCALAR && nc_ld_parse_int(val, &v) == 0 && v == -1) {
		s->memswap_limit = -1;
	} else if ((r = nc_ld_bytes(ld, key, val, &s->memswap_limit)) < 0) {
		return r;
	}
	s->has_memswap_limit = true;
	s->memswap_limit_mark = val->mark;
	return 0;
}

NC_LD_READER(nc_svc_cpu_shares)
{
	struct nc_service *s = obj;
	int r;

	/* The kernel's bounds for cpu.shares (MIN_SHARES, MAX_SHARES); 0 is
	 * Docker's "default". */
	if ((r = nc_ld_int(ld, key, val, 0, 262144, &s->cpu_shares)) < 0)
		return r;
	if (s->cpu_shares == 1)
		return nc_ld_fail_key(ld, key, val->mark, "1 is out of range (2..262144, or 0 for the default)");
	return 0;
}

/* "0-3,5,7-8": the kernel's cpu list format (cpuset.cpus). */
static bool valid_cpu_list(const char *s)
{
	while (*s) {
		char *end;
		if (*s < '0' || *s > '9')
			return false;
		unsigned long a = strtoul(s, &end, 10);
		s = end;
		if (*s == '-') {
			if (s[1] < '0' || s[1] > '9')
				return false;
			unsigned long b = strtoul(s + 1, &end, 10);
			if (b < a)
				return false;
			s = end;
		}
		if (a > 65535)
			return false;
		if (*s == ',' && s[1])
			s++;
		else if (*s)
			return false;
	}
	return true;
}

NC_LD_READER(nc_svc_cpuset)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_string(ld, key, val, &s->cpuset)) < 0)
		return r;
	if (!*s->cpuset || !valid_cpu_list(s->cpuset))
		return nc_ld_fail_key(ld, key, val->mark,
				      "`%s` is not a CPU list such as 0-3,5", s->cpuset);
	return 0;
}

static int res_cpus(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		    void *obj)
{
	struct nc_resources *res = obj;
	return nc_ld_cpus(ld, k, v, &res->cpus, &res->cpus_mark);
}

static int res_memory(struct nc_loader *ld, const struct nc_yt_node *k,
		      const struct nc_yt_node *v, void *obj)
{
	struct nc_resources *res = obj;
	res->memory_mark = v->mark;
	return nc_ld_bytes(ld, k, v, &res->memory);
}

static int res_pids(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		    void *obj)
{
	struct nc_resources *res = obj;
	res->pids_mark = v->mark;
	return nc_ld_int(ld, k, v, -1, INT64_MAX, &res->pids);
}

static const struct nc_ld_key limits_keys[] = {
	{ "cpus", res_cpus, 0 },
	{ "memory", res_memory, 0 },
	{ "pids", res_pids, 0 },
};

static const struct nc_ld_key reservations_keys[] = {
	{ "cpus", res_cpus, 0 },
	{ "devices", NULL, NC_LD_UNSUPPORTED },
	{ "generic_resources", NULL, NC_LD_UNSUPPORTED },
	{ "memory", res_memory, 0 },
};

static int in_section(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		      const char *section, const struct nc_service *s,
		      const struct nc_ld_key *tab, size_t n, void *obj)
{
	const char *outer = ld->where;
	int r;

	if (v->kind != NC_YT_MAP)
		return nc_ld_type(ld, k, v, "a mapping");
	if (!(ld->where = nc_arena_printf(ld->a, "`%s` of service `%s`", section, s->name)))
		return nc_ld_oom(ld);
	r = nc_ld_map(ld, k, v, tab, n, obj);
	ld->where = outer;
	return r;
}

static int resources_limits(struct nc_loader *ld, const struct nc_yt_node *k,
			    const struct nc_yt_node *v, void *obj)
{
	struct nc_service *s = obj;
	return in_section(ld, k, v, "deploy.resources.limits", s, limits_keys,
			  NC_ELEMENTSOF(limits_keys), &s->limits);
}

static int resources_reservations(struct nc_loader *ld, const struct nc_yt_node *k,
				  const struct nc_yt_node *v, void *obj)
{
	struct nc_service *s = obj;
	return in_section(ld, k, v, "deploy.resources.reservations", s, reservations_keys,
			  NC_ELEMENTSOF(reservations_keys), &s->reservations);
}

static const struct nc_ld_key resources_keys[] = {
	{ "limits", resources_limits, 0 },
	{ "reservations", resources_reservations, 0 },
};

static int deploy_resources(struct nc_loader *ld, const struct nc_yt_node *k,
			    const struct nc_yt_node *v, void *obj)
{
	struct nc_service *s = obj;
	return in_section(ld, k, v, "deploy.resources", s, resources_keys,
			  NC_ELEMENTSOF(resources_keys), s);
}

/* Swarm's keys have no meaning on one host. */
static const struct nc_ld_key deploy_keys[] = {
	{ "endpoint_mode", NULL, NC_LD_UNSUPPORTED },
	{ "labels", NULL, NC_LD_UNSUPPORTED },
	{ "mode", NULL, NC_LD_UNSUPPORTED },
	{ "placement", NULL, NC_LD_UNSUPPORTED },
	{ "replicas", NULL, NC_LD_UNSUPPORTED },
	{ "resources", deploy_resources, 0 },
	{ "restart_policy", NULL, NC_LD_UNSUPPORTED },
	{ "rollback_config", NULL, NC_LD_UNSUPPORTED },
	{ "update_config", NULL, NC_LD_UNSUPPORTED },
};

NC_LD_READER(nc_svc_deploy)
{
	struct nc_service *s = obj;
	return in_section(ld, key, val, "deploy", s, deploy_keys, NC_ELEMENTSOF(deploy_keys), s);
}

static int blkio_weight(struct nc_loader *ld, const struct nc_yt_node *k,
			const struct nc_yt_node *v, void *obj)
{
	struct nc_service *s = obj;
	int64_t w;
	int r;

	/* blkio.weight / io.bfq.weight take 10..1000 (Docker's range too). */
	if ((r = nc_ld_int(ld, k, v, 10, 1000, &w)) < 0)
		return r;
	s->blkio_weight = (uint16_t)w;
	return 0;
}

static const struct nc_ld_key blkio_keys[] = {
	{ "device_read_bps", NULL, NC_LD_UNSUPPORTED },
	{ "device_read_iops", NULL, NC_LD_UNSUPPORTED },
	{ "device_write_bps", NULL, NC_LD_UNSUPPORTED },
	{ "device_write_iops", NULL, NC_LD_UNSUPPORTED },
	{ "weight", blkio_weight, 0 },
	{ "weight_device", NULL, NC_LD_UNSUPPORTED },
};

NC_LD_READER(nc_svc_blkio_config)
{
	struct nc_service *s = obj;
	return in_section(ld, key, val, "blkio_config", s, blkio_keys, NC_ELEMENTSOF(blkio_keys), s);
}

static int ulimit_value(struct nc_loader *ld, const struct nc_yt_node *k,
			const struct nc_yt_node *v, void *obj)
{
	struct nc_ulimit *u = obj;
	return nc_ld_int(ld, k, v, -1, INT64_MAX, !strcmp(k->text, "soft") ? &u->soft : &u->hard);
}

static const struct nc_ld_key ulimit_keys[] = {
	{ "hard", ulimit_value, 0 },
	{ "soft", ulimit_value, 0 },
};

/* NAME: N, or NAME: {soft: N, hard: M}; -1 is unlimited. */
NC_LD_READER(nc_svc_ulimits)
{
	/* setrlimit(2) resources, by Docker's names. */
	static const char *const names[] = { "core",	 "cpu",	   "data",	 "fsize",  "locks",
					     "memlock", "msgqueue", "nice",	 "nofile", "nproc",
					     "rss",	 "rtprio",  "rttime",	 "sigpending", "stack" };
	struct nc_service *s = obj;
	int r;

	if (val->kind != NC_YT_MAP)
		return nc_ld_type(ld, key, val, "a mapping of limits such as {nofile: 1024}");
	if (!(s->ulimits = nc_arena_calloc(ld->a, val->n_pairs ? val->n_pairs : 1, sizeof(*s->ulimits))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < val->n_pairs; i++) {
		const struct nc_yt_node *k = val->pairs[i].key, *v = val->pairs[i].value;
		struct nc_ulimit *u = &s->ulimits[s->n_ulimits];
		size_t j;

		for (j = 0; j < NC_ELEMENTSOF(names) && strcmp(names[j], k->text); j++)
			;
		if (j == NC_ELEMENTSOF(names)) {
			const char *sug = nc_ld_suggest(k->text, names, NC_ELEMENTSOF(names));
			char hint[64] = "";
			if (sug)
				snprintf(hint, sizeof(hint), " (did you mean `%s`?)", sug);
			return nc_ld_fail_key(ld, key, k->mark, "unknown limit `%s`%s", k->text, hint);
		}
		u->name = names[j];
		u->mark = k->mark;
		if (v->kind == NC_YT_MAP) {
			u->soft = u->hard = NC_UNSET - 1;
			const char *outer = ld->where;
			if (!(ld->where = nc_arena_printf(ld->a, "ulimit `%s` of service `%s`", k->text,
							  s->name)))
				return nc_ld_oom(ld);
			r = nc_ld_map(ld, k, v, ulimit_keys, NC_ELEMENTSOF(ulimit_keys), u);
			ld->where = outer;
			if (r < 0)
				return r;
			if (u->soft == NC_UNSET - 1 || u->hard == NC_UNSET - 1)
				return nc_ld_fail_key(ld, key, v->mark, "ulimit `%s` needs both `soft` and `hard`",
						      k->text);
		} else {
			if ((r = nc_ld_int(ld, k, v, -1, INT64_MAX, &u->soft)) < 0)
				return r;
			u->hard = u->soft;
		}
		/* Unlimited (-1) is the largest value. */
		if (u->hard != -1 && (u->soft == -1 || u->soft > u->hard))
			return nc_ld_fail_key(ld, key, v->mark, "ulimit `%s`: soft %lld is above hard %lld",
					      k->text, (long long)u->soft, (long long)u->hard);
		s->n_ulimits++;
	}
	return 0;
}
