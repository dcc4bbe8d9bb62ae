/* SPDX-License-Identifier: GPL-2.0-or-later */
/* networks.<n>, its driver_opts, ipam and ipam.config entries. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "compose/file/load.h"

#define OPT_MTU "com.docker.network.driver.mtu"
#define OPT_BRIDGE "com.docker.network.bridge.name"

static int net_bool(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		    void *obj)
{
	struct nc_network *n = obj;
	bool *field = !strcmp(k->text, "internal")        ? &n->internal
		      : !strcmp(k->text, "enable_ipv6")   ? &n->enable_ipv6
		      : !strcmp(k->text, "anti_spoofing") ? &n->anti_spoofing
							  : &n->external;
	return nc_ld_bool(ld, k, v, field);
}

/* Compose's enable_ipv4. Written false, the network manages no IP at all
 * (IPv6-only networks are not supported): the lab's own commands add
 * addresses, as on a Kathará collision domain. */
static int net_ipv4(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		    void *obj)
{
	struct nc_network *n = obj;
	bool on;
	int r;

	if ((r = nc_ld_bool(ld, k, v, &on)) < 0)
		return r;
	n->layer2 = !on;
	n->layer2_mark = v->mark;
	return 0;
}

static int net_driver(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		      void *obj)
{
	const char *d;
	int r;

	(void)obj;
	if ((r = nc_ld_string(ld, k, v, &d)) < 0)
		return r;
	if (strcmp(d, "bridge"))
		return nc_ld_fail_key(ld, k, v->mark, "driver `%s` is not supported; only `bridge`", d);
	return 0;
}

static int net_driver_opts(struct nc_loader *ld, const struct nc_yt_node *k,
			   const struct nc_yt_node *v, void *obj)
{
	static const char *const known[] = { OPT_MTU, OPT_BRIDGE };
	struct nc_network *n = obj;
	int r;

	if (v->kind != NC_YT_MAP)
		return nc_ld_type(ld, k, v, "a mapping of driver options");
	for (size_t i = 0; i < v->n_pairs; i++) {
		const struct nc_yt_node *ok = v->pairs[i].key, *ov = v->pairs[i].value;
		if (!strcmp(ok->text, OPT_MTU)) {
			int64_t mtu;
			/* 68 is the IPv4 minimum (RFC 791); the kernel refuses
			 * less on an interface with addresses. */
			if ((r = nc_ld_int(ld, ok, ov, 68, 65535, &mtu)) < 0)
				return r;
			n->mtu = (uint32_t)mtu;
			n->mtu_mark = ov->mark;
		} else if (!strcmp(ok->text, OPT_BRIDGE)) {
			const char *why;
			if ((r = nc_ld_string(ld, ok, ov, &n->bridge_name)) < 0)
				return r;
			if ((why = nc_ld_ifname_problem(n->bridge_name)))
				return nc_ld_fail_key(ld, ok, ov->mark,
						      "`%s` is not a valid interface name: %s",
						      n->bridge_name, why);
			n->bridge_name_mark = ov->mark;
		} else {
			const char *s = nc_ld_suggest(ok->text, known, NC_ELEMENTSOF(known));
			char hint[128] = "";
			if (s)
				snprintf(hint, sizeof(hint), " (did you mean `%s`?)", s);
			return nc_ld_fail(ld, ok->mark,
					  "driver option `%s` in %s is not supported; only `%s` and `%s`%s",
					  ok->text, ld->where, OPT_MTU, OPT_BRIDGE, hint);
		}
	}
	return 0;
}

static int parse_prefix(struct nc_loader *ld, const struct nc_yt_node *k,
			const struct nc_yt_node *v, struct nc_prefix *out, struct nc_mark *mark)
{
	const char *s;
	int r;

	if ((r = nc_ld_string(ld, k, v, &s)) < 0)
		return r;
	if (nc_prefix_parse(s, false, out) < 0)
		return nc_ld_fail_key(ld, k, v->mark,
				      "`%s` is not a subnet: expected ADDRESS/LENGTH such as 10.0.1.0/24 or fd00::/64",
				      s);
	if (!nc_prefix_is_network(out)) {
		char want[NC_PREFIX_STRLEN];
		struct nc_prefix net = nc_prefix_network(out);
		return nc_ld_fail_key(ld, k, v->mark, "`%s` has host bits set; did you mean `%s`?", s,
				      nc_prefix_str(&net, want));
	}
	*mark = v->mark;
	return 0;
}

static int ipam_subnet(struct nc_loader *ld, const struct nc_yt_node *k,
		       const struct nc_yt_node *v, void *obj)
{
	struct nc_ipam_config *c = obj;
	return parse_prefix(ld, k, v, &c->subnet, &c->subnet_mark);
}

static int ipam_ip_range(struct nc_loader *ld, const struct nc_yt_node *k,
			 const struct nc_yt_node *v, void *obj)
{
	struct nc_ipam_config *c = obj;
	return parse_prefix(ld, k, v, &c->ip_range, &c->ip_range_mark);
}

static int ipam_gateway(struct nc_loader *ld, const struct nc_yt_node *k,
			const struct nc_yt_node *v, void *obj)
{
	struct nc_ipam_config *c = obj;
	const char *s;
	int r;

	if ((r = nc_ld_string(ld, k, v, &s)) < 0)
		return r;
	if (nc_ip_parse(s, &c->gateway) < 0)
		return nc_ld_fail_key(ld, k, v->mark, "`%s` is not an IP address", s);
	c->gateway_mark = v->mark;
	return 0;
}

static const struct nc_ld_key ipam_config_keys[] = {
	{ "aux_addresses", NULL, NC_LD_UNSUPPORTED },
	{ "gateway", ipam_gateway, 0 },
	{ "ip_range", ipam_ip_range, 0 },
	{ "subnet", ipam_subnet, 0 },
};

/* Ranges a bridge cannot hold: the host would route them elsewhere or
 * refuse them (a gateway of 224.0.0.1, ::1 on a bridge), or they would
 * shadow the host's own (127.0.0.0/8 on a bridge beside lo). */
static const struct {
	const char *prefix, *what;
} reserved_ranges[] = {
	{ "0.0.0.0/8", "`this network` (0.0.0.0/8)" },
	{ "127.0.0.0/8", "the loopback range 127.0.0.0/8" },
	{ "224.0.0.0/4", "the multicast range 224.0.0.0/4" },
	{ "240.0.0.0/4", "the reserved range 240.0.0.0/4 (with the broadcast address)" },
	{ "::/127", "the unspecified and loopback addresses (::, ::1)" },
	{ "fe80::/10", "the link-local range fe80::/10 (every interface has its own)" },
	{ "ff00::/8", "the multicast range ff00::/8" },
};

static int check_reserved_subnet(struct nc_loader *ld, const struct nc_ipam_config *c)
{
	char sn[NC_PREFIX_STRLEN];
	const char *hint = c->subnet.ip.family == AF_INET
				   ? "use a private range such as 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
				   : "use a unique local range in fd00::/8";

	nc_prefix_str(&c->subnet, sn);
	if (c->subnet.len == 0)
		return nc_ld_fail(ld, c->subnet_mark, "subnet %s in %s covers every address; %s", sn, ld->where,
				  hint);
	for (size_t i = 0; i < NC_ELEMENTSOF(reserved_ranges); i++) {
		struct nc_prefix r;
		if (nc_prefix_parse(reserved_ranges[i].prefix, false, &r) == 0 &&
		    r.ip.family == c->subnet.ip.family && nc_prefix_overlaps(&r, &c->subnet))
			return nc_ld_fail(ld, c->subnet_mark, "subnet %s in %s overlaps %s; %s", sn, ld->where,
					  reserved_ranges[i].what, hint);
	}
	return 0;
}

/* Checks within one entry; those across entries and networks are in
 * validate.c. */
static int check_ipam_config(struct nc_loader *ld, const struct nc_ipam_config *c)
{
	char sn[NC_PREFIX_STRLEN], ip[NC_PREFIX_STRLEN];
	const struct nc_prefix *s = &c->subnet;

	if (!s->ip.family)
		return nc_ld_fail(ld, c->mark, "an entry of %s has no `subnet`", ld->where);
	int r = check_reserved_subnet(ld, c);
	if (r < 0)
		return r;
	if (c->gateway.family) {
		if (!nc_prefix_contains(s, &c->gateway))
			return nc_ld_fail(ld, c->gateway_mark,
					  "`gateway` in %s: %s is not inside the subnet %s", ld->where,
					  nc_ip_str(&c->gateway, ip), nc_prefix_str(s, sn));
		bool host_bits = s->len < nc_ip_bits(s->ip.family) - 1;
		if (host_bits && nc_ip_equal(&c->gateway, &s->ip))
			return nc_ld_fail(ld, c->gateway_mark,
					  "`gateway` in %s: %s is the network address of %s", ld->where,
					  nc_ip_str(&c->gateway, ip), nc_prefix_str(s, sn));
		if (nc_prefix_is_broadcast(s, &c->gateway))
			return nc_ld_fail(ld, c->gateway_mark,
					  "`gateway` in %s: %s is the broadcast address of %s",
					  ld->where, nc_ip_str(&c->gateway, ip), nc_prefix_str(s, sn));
	}
	if (c->ip_range.ip.family &&
	    (!nc_prefix_contains(s, &c->ip_range.ip) || c->ip_range.len < s->len))
		return nc_ld_fail(ld, c->ip_range_mark, "`ip_range` in %s: %s is not inside the subnet %s",
				  ld->where, nc_prefix_str(&c->ip_range, ip), nc_prefix_str(s, sn));
	return 0;
}

static int ipam_config(struct nc_loader *ld, const struct nc_yt_node *k,
		       const struct nc_yt_node *v, void *obj)
{
	struct nc_network *n = obj;
	int r;

	if (v->kind != NC_YT_SEQ)
		return nc_ld_type(ld, k, v, "a list of mappings with `subnet`");
	if (!(n->ipam = nc_arena_calloc(ld->a, v->n_items ? v->n_items : 1, sizeof(*n->ipam))))
		return nc_ld_oom(ld);
	const char *outer = ld->where;
	const char *where = nc_arena_printf(ld->a, "ipam config of network `%s`", n->name);
	if (!where)
		return nc_ld_oom(ld);
	ld->where = where;
	for (size_t i = 0; i < v->n_items; i++) {
		struct nc_ipam_config *c = &n->ipam[i];
		c->mark = v->items[i]->mark;
		if ((r = nc_ld_map(ld, k, v->items[i], ipam_config_keys,
				   NC_ELEMENTSOF(ipam_config_keys), c)) < 0 ||
		    (r = check_ipam_config(ld, c)) < 0)
			return r;
		n->n_ipam++;
	}
	ld->where = outer;
	return 0;
}

static int ipam_driver(struct nc_loader *ld, const struct nc_yt_node *k,
		       const struct nc_yt_node *v, void *obj)
{
	const char *d;
	int r;

	(void)obj;
	if ((r = nc_ld_string(ld, k, v, &d)) < 0)
		return r;
	if (strcmp(d, "default"))
		return nc_ld_fail_key(ld, k, v->mark,
				      "IPAM driver `%s` is not supported; only `default`", d);
	return 0;
}

static const struct nc_ld_key ipam_keys[] = {
	{ "config", ipam_config, 0 },
	{ "driver", ipam_driver, 0 },
	{ "options", NULL, NC_LD_UNSUPPORTED },
};

static int net_ipam(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		    void *obj)
{
	struct nc_network *n = obj;
	const char *outer = ld->where;
	const char *where;
	int r;

	if (v->kind != NC_YT_MAP)
		return nc_ld_type(ld, k, v, "a mapping");
	if (!(where = nc_arena_printf(ld->a, "`ipam` of network `%s`", n->name)))
		return nc_ld_oom(ld);
	ld->where = where;
	r = nc_ld_map(ld, k, v, ipam_keys, NC_ELEMENTSOF(ipam_keys), n);
	ld->where = outer;
	return r;
}

static int net_labels(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v, void *obj)
{
	struct nc_network *n = obj;
	return nc_ld_kvs(ld, k, v, false, &n->labels, &n->n_labels);
}

static const struct nc_ld_key network_keys[] = {
	{ "anti_spoofing", net_bool, 0 },
	{ "attachable", NULL, NC_LD_UNSUPPORTED },
	{ "driver", net_driver, 0 },
	{ "driver_opts", net_driver_opts, 0 },
	{ "enable_ipv4", net_ipv4, 0 },
	{ "enable_ipv6", net_bool, 0 },
	{ "external", net_bool, 0 },
	{ "internal", net_bool, 0 },
	{ "ipam", net_ipam, 0 },
	{ "labels", net_labels, 0 },
	{ "name", NULL, NC_LD_UNSUPPORTED },
};

/* Compose: an external network is created elsewhere; the file only names
 * it, so settings that create it make no sense. */
static int check_external(struct nc_loader *ld, const struct nc_yt_node *v,
			  const struct nc_network *n)
{
	for (size_t i = 0; n->external && v->kind == NC_YT_MAP && i < v->n_pairs; i++) {
		const char *key = v->pairs[i].key->text;
		if (strcmp(key, "external") && strncmp(key, "x-", 2))
			return nc_ld_fail(ld, v->pairs[i].key->mark,
					  "`%s` in network `%s`: an external network takes no settings of its own",
					  key, n->name);
	}
	return 0;
}

/* A layer-2 network has nothing for an address setting to act on. */
static int check_layer2(struct nc_loader *ld, const struct nc_network *n)
{
	if (!n->layer2)
		return 0;
	if (n->enable_ipv6)
		return nc_ld_fail(ld, n->layer2_mark,
				  "network `%s`: `enable_ipv4: false` with `enable_ipv6: true` (an IPv6-only network) is not supported; drop `enable_ipv6` for a layer-2 network without IP management",
				  n->name);
	if (n->n_ipam)
		return nc_ld_fail(ld, n->ipam[0].mark,
				  "network `%s` has `enable_ipv4: false` (layer 2 only, no IP management) and an `ipam` config; remove one of them",
				  n->name);
	return 0;
}

int nc_load_networks(struct nc_loader *ld, const struct nc_yt_node *key,
		     const struct nc_yt_node *val)
{
	struct nc_model *m = ld->m;
	int r;

	if (val->kind == NC_YT_SCALAR && val->type == NC_YT_NULL)
		return 0;
	if (val->kind != NC_YT_MAP)
		return nc_ld_type(ld, key, val, "a mapping of network names");
	/* One spare slot for the implicit `default` network (validate.c). */
	if (!(m->networks = nc_arena_calloc(ld->a, val->n_pairs + 1, sizeof(*m->networks))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < val->n_pairs; i++) {
		const struct nc_yt_node *k = val->pairs[i].key, *v = val->pairs[i].value;
		struct nc_network *n = &m->networks[m->n_networks];

		int rn = nc_ld_entry_name(ld, k, "network", &n->name);
		if (rn > 0)
			continue;
		if (rn < 0)
			return rn;
		n->mark = k->mark;
		if (!(v->kind == NC_YT_SCALAR && v->type == NC_YT_NULL)) {
			const char *where = nc_arena_printf(ld->a, "network `%s`", n->name);
			if (!where)
				return nc_ld_oom(ld);
			ld->where = where;
			if ((r = nc_ld_map(ld, k, v, network_keys, NC_ELEMENTSOF(network_keys), n)) < 0 ||
			    (r = check_external(ld, v, n)) < 0 || (r = check_layer2(ld, n)) < 0)
				return r;
			ld->where = NULL;
		}
		m->n_networks++;
	}
	return 0;
}
