/* SPDX-License-Identifier: GPL-2.0-or-later */
/* services.<s>.networks (the attachments) and services.<s>.routes. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/file/load.h"

static int att_address(struct nc_loader *ld, const struct nc_yt_node *k,
		       const struct nc_yt_node *v, void *obj)
{
	struct nc_attach *a = obj;
	bool v6 = !strcmp(k->text, "ipv6_address");
	struct nc_ip *ip = v6 ? &a->ipv6_address : &a->ipv4_address;
	const char *s;
	int r;

	if ((r = nc_ld_string(ld, k, v, &s)) < 0)
		return r;
	if (nc_ip_parse(s, ip) < 0 || ip->family != (v6 ? AF_INET6 : AF_INET)) {
		memset(ip, 0, sizeof(*ip));
		return nc_ld_fail_key(ld, k, v->mark, "`%s` is not an %s address", s,
				      v6 ? "IPv6" : "IPv4");
	}
	if (v6)
		a->ipv6_mark = v->mark;
	else
		a->ipv4_mark = v->mark;
	return 0;
}

static int att_interface_name(struct nc_loader *ld, const struct nc_yt_node *k,
			      const struct nc_yt_node *v, void *obj)
{
	struct nc_attach *a = obj;
	const char *why;
	int r;

	if ((r = nc_ld_string(ld, k, v, &a->interface_name)) < 0)
		return r;
	if ((why = nc_ld_ifname_problem(a->interface_name)))
		return nc_ld_fail_key(ld, k, v->mark, "`%s` is not a valid interface name: %s",
				      a->interface_name, why);
	a->interface_name_mark = v->mark;
	return 0;
}

static int att_mac_address(struct nc_loader *ld, const struct nc_yt_node *k,
			   const struct nc_yt_node *v, void *obj)
{
	struct nc_attach *a = obj;
	const char *s;
	char norm[18];
	int r;

	if ((r = nc_ld_string(ld, k, v, &s)) < 0)
		return r;
	bool ok = strlen(s) == 17;
	for (size_t i = 0; ok && i < 17; i++) {
		ok = (i % 3 == 2) ? s[i] == ':' : isxdigit((unsigned char)s[i]);
		norm[i] = (char)tolower((unsigned char)s[i]);
	}
	if (!ok)
		return nc_ld_fail_key(ld, k, v->mark,
				      "`%s` is not a MAC address: expected six hex bytes such as 02:42:ac:11:00:02",
				      s);
	norm[17] = '\0';
	/* The low bit of the first byte marks a group address, which an
	 * interface cannot have. */
	unsigned first = (unsigned)strtoul(norm, NULL, 16);
	if (first & 1)
		return nc_ld_fail_key(ld, k, v->mark,
				      "`%s` is a multicast address; an interface needs a unicast one (first byte even)",
				      s);
	if (!(a->mac_address = nc_arena_strdup(ld->a, norm)))
		return nc_ld_oom(ld);
	a->mac_address_mark = v->mark;
	return 0;
}

static int att_aliases(struct nc_loader *ld, const struct nc_yt_node *k,
		       const struct nc_yt_node *v, void *obj)
{
	struct nc_attach *a = obj;
	struct nc_mark *marks;
	int r;

	if ((r = nc_ld_strlist(ld, k, v, &a->aliases, &a->n_aliases, &marks)) < 0)
		return r;
	for (size_t i = 0; i < a->n_aliases; i++)
		if (!nc_ld_valid_hostname(a->aliases[i]))
			return nc_ld_fail_key(ld, k, marks[i], "`%s` is not a valid host name",
					      a->aliases[i]);
	return 0;
}

static int att_gw_priority(struct nc_loader *ld, const struct nc_yt_node *k,
			   const struct nc_yt_node *v, void *obj)
{
	struct nc_attach *a = obj;
	int64_t p;
	int r;

	if ((r = nc_ld_int(ld, k, v, INT32_MIN, INT32_MAX, &p)) < 0)
		return r;
	a->gw_priority = (int32_t)p;
	return 0;
}

static int att_shaping(struct nc_loader *ld, const struct nc_yt_node *k,
		       const struct nc_yt_node *v, void *obj)
{
	struct nc_attach *a = obj;
	return nc_ld_shaping_key(ld, k, v, &a->shaping);
}

static const struct nc_ld_key attach_keys[] = {
	{ "aliases", att_aliases, 0 },
	{ "delay", att_shaping, 0 },
	{ "driver_opts", NULL, NC_LD_UNSUPPORTED },
	{ "gw_priority", att_gw_priority, 0 },
	{ "interface_name", att_interface_name, 0 },
	{ "ipv4_address", att_address, 0 },
	{ "ipv6_address", att_address, 0 },
	{ "jitter", att_shaping, 0 },
	{ "link_local_ips", NULL, NC_LD_UNSUPPORTED },
	{ "loss", att_shaping, 0 },
	{ "mac_address", att_mac_address, 0 },
	{ "priority", NULL, NC_LD_UNSUPPORTED },
	{ "rate", att_shaping, 0 },
};

static int check_twice(struct nc_loader *ld, const struct nc_service *s, const char *name,
		       struct nc_mark at)
{
	for (size_t i = 0; i < s->n_networks; i++)
		if (!strcmp(s->networks[i].network, name))
			return nc_ld_fail(ld, at, "network `%s` is listed twice in service `%s`", name,
					  s->name);
	return 0;
}

/* One attachment of `s` to network `name`: a mapping of attachment keys,
 * or null/absent. */
static int load_one(struct nc_loader *ld, const struct nc_yt_node *name, const struct nc_yt_node *v,
		    struct nc_service *s)
{
	struct nc_attach *a = &s->networks[s->n_networks];
	const char *outer = ld->where;
	int r;

	if (!(a->network = nc_arena_strdup(ld->a, name->text)))
		return nc_ld_oom(ld);
	a->mark = name->mark;
	if (v && !(v->kind == NC_YT_SCALAR && v->type == NC_YT_NULL)) {
		const char *where = nc_arena_printf(ld->a, "network `%s` of service `%s`", a->network, s->name);
		if (!where)
			return nc_ld_oom(ld);
		ld->where = where;
		r = nc_ld_map(ld, name, v, attach_keys, NC_ELEMENTSOF(attach_keys), a);
		ld->where = outer;
		if (r < 0)
			return r;
	}
	s->n_networks++;
	return 0;
}

/* A list of attachments under one network's name is the service on that
 * network more than once (a Kathará device on one collision domain
 * twice): each needs its own interface_name, so the interfaces are told
 * apart. */
static int load_several(struct nc_loader *ld, const struct nc_yt_node *name, const struct nc_yt_node *v,
			struct nc_service *s)
{
	int r;

	if (v->n_items < 2)
		return nc_ld_type(ld, name, v, "an attachment mapping, or a list of two or more of them");
	for (size_t i = 0; i < v->n_items; i++) {
		const struct nc_yt_node *it = v->items[i];
		if (it->kind != NC_YT_MAP)
			return nc_ld_type(ld, name, it, "an attachment mapping with an interface_name");
		size_t before = s->n_networks;
		if ((r = load_one(ld, name, it, s)) < 0)
			return r;
		const struct nc_attach *a = &s->networks[before];
		if (!a->interface_name)
			return nc_ld_fail(ld, it->mark,
					  "service `%s` is on network `%s` %zu times: give each attachment an interface_name",
					  s->name, a->network, v->n_items);
		for (size_t j = 0; j < before; j++)
			if (!strcmp(s->networks[j].network, a->network) && s->networks[j].interface_name &&
			    !strcmp(s->networks[j].interface_name, a->interface_name))
				return nc_ld_fail(ld, a->interface_name_mark,
						  "interface_name `%s` is given twice on network `%s` of service `%s`",
						  a->interface_name, a->network, s->name);
	}
	return 0;
}

int nc_load_attachments(struct nc_loader *ld, const struct nc_yt_node *key,
			const struct nc_yt_node *val, struct nc_service *s)
{
	bool map = val->kind == NC_YT_MAP;
	size_t n = map ? val->n_pairs : val->n_items;
	size_t total = n;
	int r;

	if (val->kind == NC_YT_SCALAR)
		return nc_ld_type(ld, key, val, "a list of network names or a mapping");
	s->has_networks_key = true;
	for (size_t i = 0; map && i < n; i++)
		if (val->pairs[i].value->kind == NC_YT_SEQ && val->pairs[i].value->n_items > 1)
			total += val->pairs[i].value->n_items - 1;
	if (!(s->networks = nc_arena_calloc(ld->a, total ? total : 1, sizeof(*s->networks))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < n; i++) {
		const struct nc_yt_node *name = map ? val->pairs[i].key : val->items[i];
		const struct nc_yt_node *v = map ? val->pairs[i].value : NULL;

		if (!map && (name->kind != NC_YT_SCALAR || name->type == NC_YT_NULL))
			return nc_ld_type(ld, key, name, "a network name");
		if ((r = check_twice(ld, s, name->text, name->mark)) < 0)
			return r;
		r = v && v->kind == NC_YT_SEQ ? load_several(ld, name, v, s) : load_one(ld, name, v, s);
		if (r < 0)
			return r;
	}
	return 0;
}

static int route_to(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		    void *obj)
{
	struct nc_route *rt = obj;
	const char *s;
	int r;

	if ((r = nc_ld_string(ld, k, v, &s)) < 0)
		return r;
	rt->to_mark = v->mark;
	if (!strcmp(s, "default")) {
		rt->is_default = true;
		return 0;
	}
	/* A bare address is a host route, as `ip route add 10.0.0.5 via ...`. */
	if (nc_prefix_parse(s, true, &rt->to) < 0)
		return nc_ld_fail_key(ld, k, v->mark,
				      "`%s` is not a destination: expected `default`, ADDRESS/LENGTH or ADDRESS",
				      s);
	if (!nc_prefix_is_network(&rt->to)) {
		char want[NC_PREFIX_STRLEN];
		struct nc_prefix net = nc_prefix_network(&rt->to);
		return nc_ld_fail_key(ld, k, v->mark, "`%s` has host bits set; did you mean `%s`?", s,
				      nc_prefix_str(&net, want));
	}
	return 0;
}

static int route_via(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		     void *obj)
{
	struct nc_route *rt = obj;
	const char *s;
	int r;

	if ((r = nc_ld_string(ld, k, v, &s)) < 0)
		return r;
	if (nc_ip_parse(s, &rt->via) < 0)
		return nc_ld_fail_key(ld, k, v->mark, "`%s` is not an IP address", s);
	rt->via_mark = v->mark;
	return 0;
}

static const struct nc_ld_key route_keys[] = {
	{ "to", route_to, 0 },
	{ "via", route_via, 0 },
};

static int check_route(struct nc_loader *ld, const struct nc_route *rt)
{
	char a[NC_IP_STRLEN], b[NC_PREFIX_STRLEN];

	if (!rt->is_default && !rt->to.ip.family)
		return nc_ld_fail(ld, rt->mark, "%s has no `to`", ld->where);
	if (!rt->via.family)
		return nc_ld_fail(ld, rt->mark, "%s has no `via`", ld->where);
	if (!rt->is_default && rt->to.ip.family != rt->via.family)
		return nc_ld_fail(ld, rt->via_mark, "`via` in %s: %s is %s but `to` %s is %s", ld->where,
				  nc_ip_str(&rt->via, a), rt->via.family == AF_INET ? "IPv4" : "IPv6",
				  nc_prefix_str(&rt->to, b),
				  rt->to.ip.family == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

int nc_load_routes(struct nc_loader *ld, const struct nc_yt_node *key,
		   const struct nc_yt_node *val, struct nc_service *s)
{
	const char *outer = ld->where;
	int r;

	if (val->kind != NC_YT_SEQ)
		return nc_ld_type(ld, key, val, "a list of {to, via} mappings");
	if (!(s->routes = nc_arena_calloc(ld->a, val->n_items ? val->n_items : 1, sizeof(*s->routes))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < val->n_items; i++) {
		struct nc_route *rt = &s->routes[i];
		const char *where = nc_arena_printf(ld->a, "route %zu of service `%s`", i + 1, s->name);
		if (!where)
			return nc_ld_oom(ld);
		rt->mark = val->items[i]->mark;
		ld->where = where;
		if ((r = nc_ld_map(ld, key, val->items[i], route_keys, NC_ELEMENTSOF(route_keys), rt)) < 0 ||
		    (r = check_route(ld, rt)) < 0)
			return r;
		ld->where = outer;
		s->n_routes++;
	}
	return 0;
}
