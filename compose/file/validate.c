/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checks across objects, once the whole file is loaded: which network an
 * attachment names, subnets against each other, static addresses against
 * subnets and each other, interface names within a service. Each error is
 * reported at the place of the value that breaks the rule (the later one,
 * when two values collide).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "compose/file/load.h"

static const char *family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

static bool mark_before(struct nc_mark a, struct nc_mark b)
{
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

/* Compose: a service without `networks:` joins `default`, which exists
 * without being written down. */
static int add_default_network(struct nc_loader *ld)
{
	struct nc_model *m = ld->m;
	bool used = false;

	for (size_t i = 0; i < m->n_services; i++) {
		struct nc_service *s = &m->services[i];
		/* A link endpoint or a `network_mode: none` service has only
		 * its links. */
		if (!s->has_networks_key && !s->network_mode_none &&
		    !nc_ld_is_link_endpoint(m, s->name)) {
			if (!(s->networks = nc_arena_calloc(ld->a, 1, sizeof(*s->networks))))
				return nc_ld_oom(ld);
			s->networks[0].network = "default";
			s->networks[0].mark = s->mark;
			s->n_networks = 1;
		}
		for (size_t j = 0; j < s->n_networks; j++)
			used |= !strcmp(s->networks[j].network, "default");
	}
	if (!used || nc_model_network(m, "default"))
		return 0;
	struct nc_network *v = nc_arena_calloc(ld->a, m->n_networks + 1, sizeof(*v));
	if (!v)
		return nc_ld_oom(ld);
	if (m->n_networks)
		memcpy(v, m->networks, m->n_networks * sizeof(*v));
	v[m->n_networks] = (struct nc_network){ .name = "default", .implicit = true };
	m->networks = v;
	m->n_networks++;
	return 0;
}

static int check_attachment_networks(struct nc_loader *ld)
{
	const struct nc_model *m = ld->m;
	_cleanup_free_ const char **names = calloc(m->n_networks + 1, sizeof(*names));

	if (!names)
		return nc_ld_oom(ld);
	for (size_t i = 0; i < m->n_networks; i++)
		names[i] = m->networks[i].name;
	for (size_t i = 0; i < m->n_services; i++) {
		const struct nc_service *s = &m->services[i];
		for (size_t j = 0; j < s->n_networks; j++) {
			const struct nc_attach *a = &s->networks[j];
			if (nc_model_network(m, a->network))
				continue;
			const char *sug = nc_ld_suggest(a->network, names, m->n_networks);
			char hint[160] = "";
			if (sug)
				snprintf(hint, sizeof(hint), " (did you mean `%s`?)", sug);
			return nc_ld_fail(ld, a->mark,
					  "service `%s` uses network `%s`, which is not defined under the top-level `networks`%s",
					  s->name, a->network, hint);
		}
	}
	return 0;
}

static int check_subnets(struct nc_loader *ld)
{
	const struct nc_model *m = ld->m;

	for (size_t i = 0; i < m->n_networks; i++) {
		const struct nc_network *n = &m->networks[i];
		for (size_t c = 0; c < n->n_ipam; c++) {
			const struct nc_ipam_config *x = &n->ipam[c];
			char a[NC_PREFIX_STRLEN], b[NC_PREFIX_STRLEN];

			/* The planner gives an interface one address per family;
			 * Docker's several subnets per family have no use here. */
			for (size_t d = 0; d < c; d++)
				if (n->ipam[d].subnet.ip.family == x->subnet.ip.family)
					return nc_ld_fail(ld, x->subnet_mark,
							  "network `%s` has a second %s subnet %s; one subnet per address family is supported",
							  n->name, family_name(x->subnet.ip.family),
							  nc_prefix_str(&x->subnet, a));
			/* Overlap with everything written before this one. */
			for (size_t j = 0; j <= i; j++) {
				const struct nc_network *o = &m->networks[j];
				for (size_t e = 0; e < (j == i ? c : o->n_ipam); e++) {
					const struct nc_ipam_config *y = &o->ipam[e];
					if (!nc_prefix_overlaps(&x->subnet, &y->subnet))
						continue;
					return nc_ld_fail(ld, x->subnet_mark,
							  "subnet %s of network `%s` overlaps subnet %s of network `%s` (line %u)",
							  nc_prefix_str(&x->subnet, a), n->name,
							  nc_prefix_str(&y->subnet, b), o->name,
							  y->subnet_mark.line);
				}
			}
		}
	}
	return 0;
}

/* The gateway a planned network will have: the one written, else (on a
 * network with a gateway on the host) the subnet's first address. */
static bool gateway_of(const struct nc_network *n, const struct nc_ipam_config *c,
		       struct nc_ip *gw, bool *implied)
{
	*implied = false;
	if (c->gateway.family) {
		*gw = c->gateway;
		return true;
	}
	if (n->internal)
		return false;
	*implied = true;
	return nc_prefix_nth(&c->subnet, 1, gw) == 0;
}

static int check_static(struct nc_loader *ld, const struct nc_service *s,
			const struct nc_attach *a, const struct nc_network *n,
			const struct nc_ip *ip, struct nc_mark mark)
{
	const char *key = ip->family == AF_INET ? "ipv4_address" : "ipv6_address";
	const char *fam = family_name(ip->family);
	const struct nc_ipam_config *c = NULL;
	char as[NC_IP_STRLEN], sn[NC_PREFIX_STRLEN];

	if (n->layer2)
		return nc_ld_fail(ld, mark,
				  "`%s` in network `%s` of service `%s`: network `%s` is layer 2 only (`enable_ipv4: false`); its members add their own addresses (in `command:`), or give the network a subnet",
				  key, a->network, s->name, n->name);
	for (size_t i = 0; i < n->n_ipam && !c; i++)
		if (n->ipam[i].subnet.ip.family == ip->family)
			c = &n->ipam[i];
	/* Docker's rule: a static address needs a subnet the user chose, or
	 * the address could fall outside what gets picked. An external
	 * network's subnet is the existing bridge's: the planner checks it. */
	if (!c && n->external)
		return 0;
	if (!c)
		return nc_ld_fail(ld, mark,
				  "`%s` in network `%s` of service `%s`: network `%s` has no %s subnet in its `ipam` config; a static address needs one",
				  key, a->network, s->name, n->name, fam);
	nc_ip_str(ip, as);
	nc_prefix_str(&c->subnet, sn);
	if (!nc_prefix_contains(&c->subnet, ip))
		return nc_ld_fail(ld, mark,
				  "`%s` in network `%s` of service `%s`: %s is not inside the subnet %s of network `%s`",
				  key, a->network, s->name, as, sn, n->name);
	struct nc_ip gw;
	bool implied;
	if (gateway_of(n, c, &gw, &implied) && nc_ip_equal(&gw, ip))
		return nc_ld_fail(ld, mark,
				  "`%s` in network `%s` of service `%s`: %s is the gateway of network `%s`%s",
				  key, a->network, s->name, as, n->name,
				  implied ? " (its first address, taken when no `gateway` is given)" : "");
	if (c->subnet.len < nc_ip_bits(ip->family) - 1 && nc_ip_equal(&c->subnet.ip, ip))
		return nc_ld_fail(ld, mark,
				  "`%s` in network `%s` of service `%s`: %s is the network address of %s",
				  key, a->network, s->name, as, sn);
	if (nc_prefix_is_broadcast(&c->subnet, ip))
		return nc_ld_fail(ld, mark,
				  "`%s` in network `%s` of service `%s`: %s is the broadcast address of %s",
				  key, a->network, s->name, as, sn);
	return 0;
}

struct taken {
	const struct nc_network *net;
	const struct nc_service *svc;
	const struct nc_ip *ip;
	struct nc_mark mark;
};

static int cmp_taken(const void *x, const void *y)
{
	const struct taken *p = x, *q = y;
	int c = strcmp(p->net->name, q->net->name);
	if (c)
		return c;
	if (p->ip->family != q->ip->family)
		return p->ip->family < q->ip->family ? -1 : 1;
	if ((c = memcmp(p->ip->a, q->ip->a, sizeof(p->ip->a))))
		return c;
	return mark_before(p->mark, q->mark) ? -1 : 1;
}

static int check_addresses(struct nc_loader *ld)
{
	const struct nc_model *m = ld->m;
	size_t total = 0, n = 0;
	int r;

	for (size_t i = 0; i < m->n_services; i++)
		total += 2 * m->services[i].n_networks;
	_cleanup_free_ struct taken *t = calloc(total ? total : 1, sizeof(*t));
	if (!t)
		return nc_ld_oom(ld);
	for (size_t i = 0; i < m->n_services; i++) {
		const struct nc_service *s = &m->services[i];
		for (size_t j = 0; j < s->n_networks; j++) {
			const struct nc_attach *a = &s->networks[j];
			const struct nc_network *net = nc_model_network(m, a->network);
			if (a->ipv4_address.family) {
				if ((r = check_static(ld, s, a, net, &a->ipv4_address, a->ipv4_mark)) < 0)
					return r;
				t[n++] = (struct taken){ net, s, &a->ipv4_address, a->ipv4_mark };
			}
			if (a->ipv6_address.family) {
				if ((r = check_static(ld, s, a, net, &a->ipv6_address, a->ipv6_mark)) < 0)
					return r;
				t[n++] = (struct taken){ net, s, &a->ipv6_address, a->ipv6_mark };
			}
		}
	}
	qsort(t, n, sizeof(*t), cmp_taken);
	for (size_t i = 1; i < n; i++) {
		char as[NC_IP_STRLEN];
		if (t[i].net != t[i - 1].net || !nc_ip_equal(t[i].ip, t[i - 1].ip))
			continue;
		return nc_ld_fail(ld, t[i].mark,
				  "service `%s`: address %s on network `%s` is already given to service `%s` (line %u)",
				  t[i].svc->name, nc_ip_str(t[i].ip, as), t[i].net->name,
				  t[i - 1].svc->name, t[i - 1].mark.line);
	}
	return 0;
}

void nc_ld_attach_ifname(const struct nc_service *s, size_t i, char *buf, size_t size)
{
	if (s->networks[i].interface_name)
		snprintf(buf, size, "%s", s->networks[i].interface_name);
	else
		snprintf(buf, size, "eth%zu", i);
}

/* Names given and names by position (eth<index>) share one namespace:
 * `interface_name: eth0` on the second network clashes with the first. */
static int check_interface_names(struct nc_loader *ld)
{
	const struct nc_model *m = ld->m;

	for (size_t i = 0; i < m->n_services; i++) {
		const struct nc_service *s = &m->services[i];
		for (size_t j = 0; j < s->n_networks; j++) {
			const struct nc_attach *a = &s->networks[j];
			char an[32], bn[32];
			nc_ld_attach_ifname(s, j, an, sizeof(an));
			for (size_t k = 0; k < j; k++) {
				const struct nc_attach *b = &s->networks[k];
				nc_ld_attach_ifname(s, k, bn, sizeof(bn));
				if (strcmp(an, bn))
					continue;
				if (a->interface_name && b->interface_name)
					return nc_ld_fail(ld, a->interface_name_mark,
							  "service `%s`: interface name `%s` is used for networks `%s` and `%s`",
							  s->name, an, b->network, a->network);
				/* One of the two is named by its position. */
				return nc_ld_fail(ld, a->interface_name ? a->interface_name_mark : a->mark,
						  "service `%s`: interface name `%s` of network `%s` is also the name network `%s` gets by its position; set `interface_name` on `%s`",
						  s->name, an, a->network, b->network,
						  a->interface_name ? b->network : a->network);
			}
		}
	}
	return 0;
}

/* The host name defaults to the service name, and sethostname(2) takes a
 * host name of at most 64 bytes: said here, not when the container starts. */
static int check_default_hostnames(struct nc_loader *ld)
{
	const struct nc_model *m = ld->m;

	for (size_t i = 0; i < m->n_services; i++) {
		const struct nc_service *s = &m->services[i];
		if (!s->hostname && strlen(s->name) > 64)
			return nc_ld_fail(ld, s->mark,
					  "service name `%.40s...` is %zu characters long: the container's host name is the "
					  "service name unless `hostname` is set, and a host name has at most 64; "
					  "shorten the name or set `hostname`",
					  s->name, strlen(s->name));
	}
	return 0;
}

/* container_name, as in Docker, names one container only. */
static int check_container_names(struct nc_loader *ld)
{
	const struct nc_model *m = ld->m;

	for (size_t i = 0; i < m->n_services; i++) {
		const char *n = m->services[i].container_name;
		for (size_t k = 0; n && k < m->n_services; k++)
			if (k != i && (!strcmp(n, m->services[k].name) ||
				       (k < i && m->services[k].container_name &&
					!strcmp(n, m->services[k].container_name))))
				return nc_ld_fail(ld, m->services[i].mark,
						  "service `%s`: container_name `%s` is taken by service `%s`",
						  m->services[i].name, n, m->services[k].name);
	}
	return 0;
}

/* Compose refuses a limit given twice with two values: mem_limit and
 * deploy.resources.limits.memory, cpus and ...limits.cpus, pids_limit and
 * ...limits.pids (the same value twice is fine). */
static int check_limit_pairs(struct nc_loader *ld)
{
	for (size_t i = 0; i < ld->m->n_services; i++) {
		const struct nc_service *s = &ld->m->services[i];
		const char *what = NULL;
		struct nc_mark a = { 0 }, b = { 0 };

		if (s->mem_limit != NC_UNSET && s->limits.memory != NC_UNSET && s->mem_limit != s->limits.memory) {
			what = "memory";
			a = s->mem_limit_mark;
			b = s->limits.memory_mark;
		} else if (s->cpus > 0 && s->limits.cpus > 0 && s->cpus != s->limits.cpus) {
			what = "cpus";
			a = s->cpus_mark;
			b = s->limits.cpus_mark;
		} else if (s->pids_limit != NC_UNSET && s->limits.pids != NC_UNSET &&
			   s->pids_limit != s->limits.pids) {
			what = "pids";
			a = s->pids_limit_mark;
			b = s->limits.pids_mark;
		}
		if (!what)
			continue;
		const char *key = !strcmp(what, "memory") ? "mem_limit" : !strcmp(what, "cpus") ? "cpus" : "pids_limit";
		return nc_ld_fail(ld, b,
				  "service `%s`: `deploy.resources.limits.%s` and `%s` (line %u) have different values: give one of them, or the same value in both",
				  s->name, what, key, a.line);
	}
	return 0;
}

int nc_validate_model(struct nc_loader *ld)
{
	int r;

	if ((r = add_default_network(ld)) < 0 || (r = check_attachment_networks(ld)) < 0 ||
	    (r = check_subnets(ld)) < 0 || (r = check_addresses(ld)) < 0 ||
	    (r = check_interface_names(ld)) < 0 || (r = check_container_names(ld)) < 0 ||
	    (r = check_default_hostnames(ld)) < 0 || (r = check_limit_pairs(ld)) < 0 ||
	    (r = nc_validate_refs(ld)) < 0)
		return r;
	return 0;
}
