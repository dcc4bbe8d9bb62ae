/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * services.<s>.router: `router: frr`, `router: bird`, or
 * `router: {daemon: frr, config: ./r1, daemons: [ospfd], settle: 3s}`. The key only
 * says what the node is; plan/plan-router.c turns it into capabilities,
 * mounts, sysctls and the node's command, and here it gives the service
 * its readiness check when the file has none.
 */
#include <string.h>

#include "compose/file/load.h"

/* FRR's daemons as Debian 12's frr 8.4 knows them (frrcommon.sh's
 * DAEMONS); zebra and staticd always run. */
static const char *const frr_daemons[] = {
	"zebra", "bgpd", "ripd", "ripngd", "ospfd", "ospf6d", "isisd", "babeld", "pimd", "pim6d",
	"ldpd", "nhrpd", "eigrpd", "sharpd", "pbrd", "staticd", "bfdd", "fabricd", "vrrpd", "pathd",
};

static const char *const kinds[] = { "frr", "bird" };

const char *const *nc_router_frr_daemons(size_t *n)
{
	*n = NC_ELEMENTSOF(frr_daemons);
	return frr_daemons;
}

static int read_kind(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		     struct nc_router *rt)
{
	if (val->kind != NC_YT_SCALAR || val->type != NC_YT_STR)
		return nc_ld_type(ld, key, val, "`frr` or `bird`");
	if (!strcmp(val->text, "frr"))
		rt->kind = NC_ROUTER_FRR;
	else if (!strcmp(val->text, "bird"))
		rt->kind = NC_ROUTER_BIRD;
	else {
		const char *sug = nc_ld_suggest(val->text, kinds, NC_ELEMENTSOF(kinds));
		return nc_ld_fail_key(ld, key, val->mark, "unknown routing daemon `%s`%s%s%s: `frr` or `bird`",
				      val->text, sug ? " (did you mean `" : "", sug ? sug : "", sug ? "`?)" : "");
	}
	return 0;
}

static int rt_daemon(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v, void *obj)
{
	return read_kind(ld, k, v, obj);
}

static int rt_config(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v, void *obj)
{
	struct nc_router *rt = obj;
	int r;

	if ((r = nc_ld_string(ld, k, v, &rt->config)) < 0)
		return r;
	if (!rt->config[0])
		return nc_ld_fail_key(ld, k, v->mark, "an empty path; give the lab's directory, e.g. ./r1");
	rt->config_mark = v->mark;
	return 0;
}

static int rt_daemons(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v, void *obj)
{
	struct nc_router *rt = obj;
	struct nc_mark *marks = NULL;
	int r;

	if ((r = nc_ld_strlist(ld, k, v, &rt->daemons, &rt->n_daemons, &marks)) < 0)
		return r;
	rt->daemons_mark = v->mark;
	for (size_t i = 0; i < rt->n_daemons; i++) {
		size_t j;
		for (j = 0; j < NC_ELEMENTSOF(frr_daemons); j++)
			if (!strcmp(rt->daemons[i], frr_daemons[j]))
				break;
		if (j < NC_ELEMENTSOF(frr_daemons))
			continue;
		const char *sug = nc_ld_suggest(rt->daemons[i], frr_daemons, NC_ELEMENTSOF(frr_daemons));
		return nc_ld_fail_key(ld, k, marks ? marks[i] : v->mark, "unknown FRR daemon `%s`%s%s%s",
				      rt->daemons[i], sug ? " (did you mean `" : "", sug ? sug : "",
				      sug ? "`?)" : "");
	}
	return 0;
}

/* Up to ten minutes: a longer quiet window is a typo of a unit. */
#define SETTLE_MAX_NS (600LL * 1000000000LL)

static int rt_settle(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v, void *obj)
{
	struct nc_router *rt = obj;
	int r;

	if ((r = nc_ld_duration(ld, k, v, &rt->settle_ns)) < 0)
		return r;
	if (rt->settle_ns < 0 || rt->settle_ns > SETTLE_MAX_NS)
		return nc_ld_fail_key(ld, k, v->mark, "a settle time is 0s to 10m");
	rt->has_settle = true;
	rt->settle_mark = v->mark;
	return 0;
}

static const struct nc_ld_key router_keys[] = {
	{ "config", rt_config, 0 },
	{ "daemon", rt_daemon, 0 },
	{ "daemons", rt_daemons, 0 },
	{ "settle", rt_settle, 0 },
};

NC_LD_READER(nc_svc_router)
{
	struct nc_service *s = obj;
	struct nc_router *rt = &s->router;
	const char *outer = ld->where;
	int r;

	*rt = (struct nc_router){ .mark = val->mark };
	if (val->kind == NC_YT_SCALAR)
		return read_kind(ld, key, val, rt);
	if (val->kind != NC_YT_MAP)
		return nc_ld_type(ld, key, val, "`frr`, `bird` or a mapping with `daemon`");
	if (!(ld->where = nc_arena_printf(ld->a, "`router` of service `%s`", s->name)))
		return nc_ld_oom(ld);
	r = nc_ld_map(ld, key, val, router_keys, NC_ELEMENTSOF(router_keys), rt);
	ld->where = outer;
	if (r < 0)
		return r;
	if (!rt->kind)
		return nc_ld_fail_key(ld, key, val->mark, "`daemon` is missing: `frr` or `bird`");
	if (rt->kind != NC_ROUTER_FRR && rt->n_daemons)
		return nc_ld_fail_key(ld, key, rt->daemons_mark, "`daemons` lists FRR's daemons; BIRD is one daemon");
	return 0;
}

/* The readiness check of a router that has no healthcheck of its own:
 * FRR's own status (watchfrr and every enabled daemon alive, by pid
 * file); BIRD answering on its control socket. Probed every second so
 * that `up` returns soon after the daemons are; a daemon that does not
 * come up turns the service unhealthy and fails `up`. */
static const char *const frr_probe[] = { "/usr/lib/frr/frrinit.sh", "status" };
static const char *const bird_probe[] = { "/usr/sbin/birdc", "-s", "/run/bird/bird.ctl", "show", "status" };

int nc_router_finish(struct nc_loader *ld, struct nc_service *s)
{
	struct nc_router *rt = &s->router;

	if (!rt->kind)
		return 0;
	/* The node's process is the daemons' start; another command would
	 * silently leave the router without them. */
	if (s->has_command)
		return nc_ld_fail(ld, s->command_mark,
				  "`command` in service `%s`: a router service runs its daemons as its command; "
				  "remove `command` (or `router` to run your own)", s->name);
	if (s->has_entrypoint)
		return nc_ld_fail(ld, s->entrypoint_mark,
				  "`entrypoint` in service `%s`: a router service runs its daemons as its command; "
				  "remove `entrypoint` (or `router` to run your own)", s->name);
	struct nc_healthcheck *h = &s->healthcheck;
	if (h->present)
		return 0;
	const char *const *probe = rt->kind == NC_ROUTER_FRR ? frr_probe : bird_probe;
	size_t n = rt->kind == NC_ROUTER_FRR ? NC_ELEMENTSOF(frr_probe) : NC_ELEMENTSOF(bird_probe);
	const char **test = nc_arena_calloc(ld->a, n + 1, sizeof(*test));
	if (!test)
		return nc_ld_oom(ld);
	memcpy(test, probe, n * sizeof(*test));
	*h = (struct nc_healthcheck){ .present = true, .implied = true, .test = test, .n_test = n,
				      .interval_ns = 1000000000LL, .timeout_ns = 5000000000LL,
				      .start_period_ns = 5000000000LL, .start_interval_ns = NC_UNSET,
				      .retries = 3, .mark = rt->mark };
	return 0;
}
