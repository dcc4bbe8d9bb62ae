/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Top-level links: (point-to-point veths) and checks: (lab additions). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/file/load.h"

/* "SERVICE:IFNAME". */
static int link_endpoints(struct nc_loader *ld, const struct nc_yt_node *k,
			  const struct nc_yt_node *v, void *obj)
{
	struct nc_link *l = obj;

	if (v->kind != NC_YT_SEQ || v->n_items != 2)
		return nc_ld_fail_key(ld, k, v->mark,
				      "expected a list of two endpoints such as [\"r1:eth1\", \"r2:eth1\"]");
	for (size_t i = 0; i < 2; i++) {
		const struct nc_yt_node *it = v->items[i];
		struct nc_link_end *e = &l->ends[i];
		const char *why;

		if (it->kind != NC_YT_SCALAR || it->type != NC_YT_STR)
			return nc_ld_type(ld, k, it, "a SERVICE:INTERFACE string");
		const char *colon = strchr(it->text, ':');
		if (!colon)
			return nc_ld_fail_key(ld, k, it->mark,
					      "`%s` is not SERVICE:INTERFACE (such as r1:eth1)", it->text);
		e->service = nc_arena_strndup(ld->a, it->text, (size_t)(colon - it->text));
		e->ifname = nc_arena_strdup(ld->a, colon + 1);
		if (!e->service || !e->ifname)
			return nc_ld_oom(ld);
		e->mark = it->mark;
		if (!nc_ld_valid_name(e->service))
			return nc_ld_fail_key(ld, k, it->mark, "`%s` is not a service name", e->service);
		if ((why = nc_ld_ifname_problem(e->ifname)))
			return nc_ld_fail_key(ld, k, it->mark, "`%s` is not a valid interface name: %s",
					      e->ifname, why);
	}
	return 0;
}

/* Two interface addresses, one per endpoint, in one subnet. */
static int link_addresses(struct nc_loader *ld, const struct nc_yt_node *k,
			  const struct nc_yt_node *v, void *obj)
{
	struct nc_link *l = obj;
	bool v6 = !strcmp(k->text, "ipv6");
	int fam = v6 ? AF_INET6 : AF_INET;
	struct nc_prefix p[2];
	char a[NC_PREFIX_STRLEN], b[NC_PREFIX_STRLEN];

	if (v->kind != NC_YT_SEQ || v->n_items != 2)
		return nc_ld_fail_key(ld, k, v->mark,
				      "expected a list of two addresses with their length, one per endpoint, such as %s",
				      v6 ? "[\"fd00:12::1/64\", \"fd00:12::2/64\"]"
					 : "[10.0.12.1/30, 10.0.12.2/30]");
	for (size_t i = 0; i < 2; i++) {
		const struct nc_yt_node *it = v->items[i];
		if (it->kind != NC_YT_SCALAR || it->type != NC_YT_STR)
			return nc_ld_type(ld, k, it, "an ADDRESS/LENGTH string");
		if (nc_prefix_parse(it->text, false, &p[i]) < 0 || p[i].ip.family != fam)
			return nc_ld_fail_key(ld, k, it->mark, "`%s` is not an %s ADDRESS/LENGTH",
					      it->text, v6 ? "IPv6" : "IPv4");
		bool has_host_bits = p[i].len < nc_ip_bits(fam) - 1;
		struct nc_prefix net = nc_prefix_network(&p[i]);
		if ((has_host_bits && nc_ip_equal(&net.ip, &p[i].ip)) ||
		    nc_prefix_is_broadcast(&p[i], &p[i].ip))
			return nc_ld_fail_key(ld, k, it->mark,
					      "`%s` is the %s address of its subnet, not a host's", it->text,
					      nc_ip_equal(&net.ip, &p[i].ip) ? "network" : "broadcast");
		struct nc_link_end *e = &l->ends[i];
		if (v6) {
			e->ipv6 = p[i];
			e->ipv6_mark = it->mark;
		} else {
			e->ipv4 = p[i];
			e->ipv4_mark = it->mark;
		}
	}
	struct nc_prefix n0 = nc_prefix_network(&p[0]), n1 = nc_prefix_network(&p[1]);
	if (p[0].len != p[1].len || !nc_ip_equal(&n0.ip, &n1.ip))
		return nc_ld_fail_key(ld, k, v->items[1]->mark,
				      "%s and %s are not in one subnet", nc_prefix_str(&p[0], a),
				      nc_prefix_str(&p[1], b));
	if (nc_ip_equal(&p[0].ip, &p[1].ip))
		return nc_ld_fail_key(ld, k, v->items[1]->mark, "both endpoints have the address %s",
				      nc_prefix_str(&p[1], b));
	return 0;
}

static int link_mtu(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		    void *obj)
{
	struct nc_link *l = obj;
	int64_t mtu;
	int r;

	if ((r = nc_ld_int(ld, k, v, 68, 65535, &mtu)) < 0)
		return r;
	l->mtu = (uint32_t)mtu;
	l->mtu_mark = v->mark;
	return 0;
}

static int link_shaping(struct nc_loader *ld, const struct nc_yt_node *k,
			const struct nc_yt_node *v, void *obj)
{
	struct nc_link *l = obj;
	return nc_ld_shaping_key(ld, k, v, &l->shaping);
}

static const struct nc_ld_key link_keys[] = {
	{ "delay", link_shaping, 0 },	  { "endpoints", link_endpoints, 0 },
	{ "ipv4", link_addresses, 0 },	  { "ipv6", link_addresses, 0 },
	{ "jitter", link_shaping, 0 },	  { "loss", link_shaping, 0 },
	{ "mtu", link_mtu, 0 },		  { "rate", link_shaping, 0 },
};

int nc_load_links(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val)
{
	struct nc_model *m = ld->m;
	int r;

	if (val->kind != NC_YT_SEQ)
		return nc_ld_type(ld, key, val, "a list of links");
	if (!(m->links = nc_arena_calloc(ld->a, val->n_items ? val->n_items : 1, sizeof(*m->links))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < val->n_items; i++) {
		struct nc_link *l = &m->links[i];
		const char *outer = ld->where;
		l->mark = val->items[i]->mark;
		if (!(ld->where = nc_arena_printf(ld->a, "link %zu", i + 1)))
			return nc_ld_oom(ld);
		r = nc_ld_map(ld, key, val->items[i], link_keys, NC_ELEMENTSOF(link_keys), l);
		if (r >= 0 && !l->ends[0].service)
			r = nc_ld_fail(ld, l->mark, "link %zu has no `endpoints`", i + 1);
		ld->where = outer;
		if (r < 0)
			return r;
		m->n_links++;
	}
	return 0;
}

bool nc_ld_is_link_endpoint(const struct nc_model *m, const char *service)
{
	for (size_t i = 0; i < m->n_links; i++)
		for (size_t e = 0; e < 2; e++)
			if (!strcmp(m->links[i].ends[e].service, service))
				return true;
	return false;
}

/* An address, SERVICE or SERVICE:IFACE; with `port`, then ":PORT" (IPv6
 * addresses in brackets). */
static int parse_target(struct nc_loader *ld, const struct nc_yt_node *k,
			const struct nc_yt_node *v, bool port, struct nc_target *t)
{
	char buf[256];
	const char *kind = port ? "an ADDRESS:PORT, SERVICE:PORT or SERVICE:INTERFACE:PORT"
				: "an address, SERVICE or SERVICE:INTERFACE";

	if (v->kind != NC_YT_SCALAR || v->type != NC_YT_STR)
		return nc_ld_type(ld, k, v, kind);
	if (v->len >= sizeof(buf))
		return nc_ld_fail_key(ld, k, v->mark, "`%s` is too long", v->text);
	memcpy(buf, v->text, v->len + 1);
	if (!(t->text = nc_arena_strdup(ld->a, v->text)))
		return nc_ld_oom(ld);
	char *host = buf;
	if (port) {
		char *colon = strrchr(buf, ':'), *end;
		unsigned long p = colon ? strtoul(colon + 1, &end, 10) : 0;
		if (!colon || !colon[1] || *end || p < 1 || p > 65535)
			return nc_ld_fail_key(ld, k, v->mark, "`%s` is not %s (port 1..65535)", v->text,
					      kind);
		t->port = (uint16_t)p;
		*colon = '\0';
		size_t hl = strlen(host);
		if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
			host[hl - 1] = '\0';
			host++;
			if (nc_ip_parse(host, &t->ip) < 0 || t->ip.family != AF_INET6)
				return nc_ld_fail_key(ld, k, v->mark, "`%s`: not an IPv6 address in brackets",
						      v->text);
			return 0;
		}
		if (strchr(host, ':') && nc_ip_parse(host, &t->ip) == 0)
			return nc_ld_fail_key(ld, k, v->mark,
					      "`%s`: an IPv6 address with a port goes in brackets: [ADDRESS]:PORT",
					      v->text);
	}
	if (nc_ip_parse(host, &t->ip) == 0)
		return 0;
	memset(&t->ip, 0, sizeof(t->ip));
	char *colon = strchr(host, ':');
	if (colon) {
		*colon = '\0';
		const char *why = nc_ld_ifname_problem(colon + 1);
		if (why)
			return nc_ld_fail_key(ld, k, v->mark, "`%s`: `%s` is not an interface name: %s",
					      v->text, colon + 1, why);
		if (!(t->ifname = nc_arena_strdup(ld->a, colon + 1)))
			return nc_ld_oom(ld);
	}
	if (!nc_ld_valid_name(host))
		return nc_ld_fail_key(ld, k, v->mark, "`%s` is not %s", v->text, kind);
	if (!(t->service = nc_arena_strdup(ld->a, host)))
		return nc_ld_oom(ld);
	return 0;
}

static int check_from(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		      void *obj)
{
	struct nc_check *c = obj;
	int r;

	if ((r = nc_ld_string(ld, k, v, &c->from)) < 0)
		return r;
	c->from_host = !strcmp(c->from, "host");
	c->from_mark = v->mark;
	return 0;
}

static int check_target(struct nc_loader *ld, const struct nc_yt_node *k,
			const struct nc_yt_node *v, void *obj)
{
	static const char *const kinds[] = { "reach", "not_reach", "tcp", "udp" };
	struct nc_check *c = obj;

	if (c->kind)
		return nc_ld_fail_key(ld, k, k->mark, "a check has one of reach, not_reach, tcp, udp; this one also has `%s`",
				      kinds[c->kind - 1]);
	for (size_t i = 0; i < NC_ELEMENTSOF(kinds); i++)
		if (!strcmp(k->text, kinds[i]))
			c->kind = (enum nc_check_kind)(NC_CHECK_REACH + (int)i);
	c->target_mark = v->mark;
	return parse_target(ld, k, v, c->kind == NC_CHECK_TCP || c->kind == NC_CHECK_UDP, &c->target);
}

static int check_via(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		     void *obj)
{
	struct nc_check *c = obj;
	c->via_mark = v->mark;
	return nc_ld_string(ld, k, v, &c->via);
}

static int check_hops(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		      void *obj)
{
	struct nc_check *c = obj;
	c->hops_mark = v->mark;
	return nc_ld_int(ld, k, v, 1, 255, &c->hops);
}

/* expect: pass (the default) | fail: a tcp/udp check that must not connect. */
static int check_expect(struct nc_loader *ld, const struct nc_yt_node *k,
			const struct nc_yt_node *v, void *obj)
{
	struct nc_check *c = obj;
	const char *s;
	int r;

	if ((r = nc_ld_string(ld, k, v, &s)) < 0)
		return r;
	c->expect_mark = v->mark;
	if (strcmp(s, "pass") && strcmp(s, "fail"))
		return nc_ld_fail_key(ld, k, v->mark, "`%s` is not pass or fail", s);
	c->expect_fail = !strcmp(s, "fail");
	return 0;
}

static const struct nc_ld_key check_keys[] = {
	{ "expect", check_expect, 0 },
	{ "from", check_from, 0 },	{ "hops", check_hops, 0 },
	{ "not_reach", check_target, 0 }, { "reach", check_target, 0 },
	{ "tcp", check_target, 0 },	{ "udp", check_target, 0 },
	{ "via", check_via, 0 },
};

/* One list of checks (the whole section, or one named set), appended to
 * m->checks (allocated for every check of the section beforehand). */
static int load_list(struct nc_loader *ld, const struct nc_yt_node *key,
		     const struct nc_yt_node *val, const char *set)
{
	struct nc_model *m = ld->m;
	int r;

	if (val->kind != NC_YT_SEQ)
		return nc_ld_type(ld, key, val, set ? "a list of checks" : "a list of checks, or a mapping of set names to lists");
	for (size_t i = 0; i < val->n_items; i++) {
		struct nc_check *c = &m->checks[m->n_checks];
		const char *outer = ld->where;
		c->mark = val->items[i]->mark;
		c->hops = NC_UNSET;
		c->set = set;
		c->index = i + 1;
		char what[96];
		nc_check_what(c, what, sizeof(what));
		if (!(ld->where = nc_arena_strdup(ld->a, what)))
			return nc_ld_oom(ld);
		r = nc_ld_map(ld, key, val->items[i], check_keys, NC_ELEMENTSOF(check_keys), c);
		if (r >= 0 && !c->from)
			r = nc_ld_fail(ld, c->mark, "%s has no `from`", what);
		else if (r >= 0 && !c->kind)
			r = nc_ld_fail(ld, c->mark, "%s says nothing to test: give one of reach, not_reach, tcp, udp",
				       what);
		else if (r >= 0 && c->kind != NC_CHECK_REACH && (c->via || c->hops != NC_UNSET))
			r = nc_ld_fail(ld, c->via ? c->via_mark : c->hops_mark,
				       "%s: `via` and `hops` go with `reach` only", what);
		else if (r >= 0 && c->expect_fail && c->kind != NC_CHECK_TCP && c->kind != NC_CHECK_UDP)
			r = nc_ld_fail(ld, c->expect_mark,
				       "%s: `expect: fail` goes with tcp and udp; for ICMP write `not_reach:`",
				       what);
		ld->where = outer;
		if (r < 0)
			return r;
		m->n_checks++;
	}
	return 0;
}

int nc_load_checks(struct nc_loader *ld, const struct nc_yt_node *key,
		   const struct nc_yt_node *val)
{
	struct nc_model *m = ld->m;
	size_t total = 0;
	int r;

	if (val->kind == NC_YT_SEQ)
		total = val->n_items;
	else if (val->kind == NC_YT_MAP)
		for (size_t i = 0; i < val->n_pairs; i++)
			total += val->pairs[i].value->kind == NC_YT_SEQ ? val->pairs[i].value->n_items : 0;
	else
		return nc_ld_type(ld, key, val, "a list of checks, or a mapping of set names to lists");
	if (!(m->checks = nc_arena_calloc(ld->a, total ? total : 1, sizeof(*m->checks))))
		return nc_ld_oom(ld);
	if (val->kind == NC_YT_SEQ)
		return load_list(ld, key, val, NULL);
	/* Named sets: `test --set NAME` picks them ("before", "after"...). */
	for (size_t i = 0; i < val->n_pairs; i++) {
		const struct nc_yt_node *k = val->pairs[i].key, *v = val->pairs[i].value;
		const char *name;
		if (k->kind != NC_YT_SCALAR || !nc_ld_valid_name(k->text))
			return nc_ld_fail(ld, k->mark,
					  "`%s` is not a check set name: use letters, digits, '_', '.' and '-', starting with a letter or digit",
					  k->kind == NC_YT_SCALAR ? k->text : "?");
		if (!(name = nc_arena_strdup(ld->a, k->text)))
			return nc_ld_oom(ld);
		if ((r = load_list(ld, k, v, name)) < 0)
			return r;
	}
	return 0;
}
