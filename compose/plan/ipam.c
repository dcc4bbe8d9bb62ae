/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/plan/ipam.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/hash.h"

/* Automatic IPv4 subnets come from Docker's first default pool, so they
 * look familiar, cut to the smallest of /24, /20, /16 that holds the
 * network's attachments with room to spare. */
#define AUTO4_POOL "172.16.0.0/12"

static bool overlaps_any(const struct nc_prefix *cand, const struct nc_prefix *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (nc_prefix_overlaps(cand, &list[i]))
			return true;
	return false;
}

static bool overlaps_plan(const struct nc_plan *p, const struct nc_plan_network *self,
			  const struct nc_prefix *cand)
{
	for (size_t i = 0; i < p->n_networks; i++) {
		const struct nc_plan_network *o = &p->networks[i];
		if (o == self)
			continue;
		if (o->subnet4.ip.family && nc_prefix_overlaps(cand, &o->subnet4))
			return true;
		if (o->subnet6.ip.family && nc_prefix_overlaps(cand, &o->subnet6))
			return true;
	}
	return false;
}

static size_t attachments_of(const struct nc_plan *p, const char *network)
{
	size_t n = 0;
	for (size_t i = 0; i < p->model->n_services; i++) {
		const struct nc_service *s = &p->model->services[i];
		for (size_t j = 0; j < s->n_networks; j++)
			if (!strcmp(s->networks[j].network, network))
				n++;
	}
	return n;
}

static int auto_subnet4(struct nc_plan *p, struct nc_plan_network *pn,
			const struct nc_plan_host *host, nc_err *err)
{
	struct nc_prefix pool;
	size_t need = attachments_of(p, pn->name) + 2;
	uint8_t len = need < 200 ? 24 : need < 3500 ? 20 : 16;

	nc_prefix_parse(AUTO4_POOL, false, &pool);
	uint64_t count = (uint64_t)1 << (len - pool.len);
	uint64_t start = nc_hash_strings("subnet4", p->project, pn->name, NULL) % count;
	for (uint64_t k = 0; k < count; k++) {
		struct nc_prefix cand = { .len = len };
		nc_prefix_nth(&pool, ((start + k) % count) << (32 - len), &cand.ip);
		if (overlaps_plan(p, pn, &cand))
			continue;
		if (host && overlaps_any(&cand, host->taken, host->n_taken))
			continue;
		pn->subnet4 = cand;
		pn->auto_subnet4 = true;
		return 0;
	}
	return nc_model_error(p->model, pn->model->mark, err,
			      "no free IPv4 subnet left in %s for network `%s`; give it an ipam subnet",
			      AUTO4_POOL, pn->name);
}

/* A unique local /64: fd + 40 bits of the project + 16 bits of the network
 * (RFC 4193's layout, with a hash standing in for the random global ID). */
static void auto_subnet6(struct nc_plan *p, struct nc_plan_network *pn)
{
	uint64_t gid = nc_hash_strings("ula", p->project, NULL);
	uint64_t sid = nc_hash_strings("ula-subnet", p->project, pn->name, NULL);
	struct nc_prefix s = { .ip.family = AF_INET6, .len = 64 };

	s.ip.a[0] = 0xfd;
	for (int i = 0; i < 5; i++)
		s.ip.a[1 + i] = (uint8_t)(gid >> (8 * i));
	s.ip.a[6] = (uint8_t)(sid >> 8);
	s.ip.a[7] = (uint8_t)sid;
	pn->subnet6 = s;
}

static void take_ipam(struct nc_plan_network *pn)
{
	const struct nc_network *n = pn->model;

	for (size_t i = 0; i < n->n_ipam; i++) {
		const struct nc_ipam_config *c = &n->ipam[i];
		int fam = c->subnet.ip.family;
		if (fam == AF_INET && !pn->subnet4.ip.family) {
			pn->subnet4 = c->subnet;
			pn->range4 = c->ip_range.ip.family ? c->ip_range : c->subnet;
			pn->gateway4 = c->gateway;
		} else if (fam == AF_INET6 && !pn->subnet6.ip.family) {
			pn->subnet6 = c->subnet;
			pn->range6 = c->ip_range.ip.family ? c->ip_range : c->subnet;
			pn->gateway6 = c->gateway;
		}
	}
}

int nc_ipam_plan_networks(struct nc_plan *p, const struct nc_plan_host *host, nc_err *err)
{
	/* Explicit subnets first, so automatic ones steer around all of them. */
	for (size_t i = 0; i < p->n_networks; i++)
		take_ipam(&p->networks[i]);

	for (size_t i = 0; i < p->n_networks; i++) {
		struct nc_plan_network *pn = &p->networks[i];
		if (pn->external)
			continue; /* read off the existing bridge (plan.c) */
		if (pn->layer2)
			continue; /* no subnet: members get no address */
		if (!pn->subnet4.ip.family) {
			int r = auto_subnet4(p, pn, host, err);
			if (r < 0)
				return r;
			pn->range4 = pn->subnet4;
		}
		if (pn->model->enable_ipv6 && !pn->subnet6.ip.family) {
			auto_subnet6(p, pn);
			pn->range6 = pn->subnet6;
		}
		/* An internal network has no gateway on the host: an
		 * explicit gateway there only reserves the address for the
		 * container that routes. */
		pn->gateway_on_host = !pn->internal;
		if (!pn->internal) {
			if (!pn->gateway4.family)
				nc_prefix_nth(&pn->subnet4, 1, &pn->gateway4);
			if (pn->subnet6.ip.family && !pn->gateway6.family)
				nc_prefix_nth(&pn->subnet6, 1, &pn->gateway6);
		}
	}
	return 0;
}

/* Reserved offsets of one network and family, sorted, for allocation. */
struct pool {
	const struct nc_prefix *subnet, *range;
	uint64_t *taken;
	size_t n, cap;
	uint64_t next; /* next offset in subnet to try */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int pool_take(struct pool *pl, uint64_t off)
{
	if (pl->n == pl->cap) {
		size_t ncap = pl->cap ? pl->cap * 2 : 16;
		uint64_t *t = realloc(pl->taken, ncap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		pl->taken = t;
		pl->cap = ncap;
	}
	pl->taken[pl->n++] = off;
	return 0;
}

static bool pool_is_taken(const struct pool *pl, uint64_t off)
{
	return pl->n && bsearch(&off, pl->taken, pl->n, sizeof(uint64_t), cmp_u64) != NULL;
}

static int pool_next(struct pool *pl, struct nc_ip *out)
{
	uint64_t size = nc_prefix_size(pl->subnet);
	uint64_t first = nc_prefix_index(pl->subnet, &pl->range->ip);
	uint64_t last = first + nc_prefix_size(pl->range) - 1;

	if (last < first) /* a range of 2^64 or more saturates */
		last = UINT64_MAX - 1;
	if (pl->next < first)
		pl->next = first;
	/* A range's own first and last addresses are skipped as well: people
	 * read 10.1.5.0/24 as "10.1.5.1 onwards", whatever the subnet. */
	bool trim = pl->range->len < nc_ip_bits(pl->range->ip.family) - 1 && pl->range->len > pl->subnet->len;
	for (; pl->next <= last && pl->next < size; pl->next++) {
		uint64_t off = pl->next;
		if (off == 0 || pool_is_taken(pl, off))
			continue;
		if (trim && pl->subnet->ip.family == AF_INET && (off == first || off == last))
			continue;
		if (pl->subnet->ip.family == AF_INET && off == size - 1 && pl->subnet->len < 31)
			continue; /* broadcast */
		pl->next++;
		return nc_prefix_nth(pl->subnet, off, out);
	}
	return -ENOSPC;
}

struct pools {
	struct pool *v4, *v6; /* per network index */
	size_t n;
};

static void pools_free(struct pools *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->v4)
			free(ps->v4[i].taken);
		if (ps->v6)
			free(ps->v6[i].taken);
	}
	free(ps->v4);
	free(ps->v6);
}

static size_t net_index(const struct nc_plan *p, const struct nc_plan_network *pn)
{
	return (size_t)(pn - p->networks);
}

static int reserve(struct pool *pl, const struct nc_ip *ip)
{
	if (!pl->subnet || !pl->subnet->ip.family || !ip->family ||
	    !nc_prefix_contains(pl->subnet, ip))
		return 0;
	return pool_take(pl, nc_prefix_index(pl->subnet, ip));
}

int nc_ipam_plan_addresses(struct nc_plan *p, nc_err *err)
{
	_cleanup_(pools_free) struct pools ps = { 0 };
	int r;

	ps.n = p->n_networks;
	ps.v4 = calloc(ps.n ? ps.n : 1, sizeof(*ps.v4));
	ps.v6 = calloc(ps.n ? ps.n : 1, sizeof(*ps.v6));
	if (!ps.v4 || !ps.v6)
		return nc_err_errno(err, ENOMEM, "plan addresses");

	for (size_t i = 0; i < p->n_networks; i++) {
		struct nc_plan_network *pn = &p->networks[i];
		ps.v4[i].subnet = &pn->subnet4;
		ps.v4[i].range = &pn->range4;
		ps.v6[i].subnet = &pn->subnet6;
		ps.v6[i].range = &pn->range6;
		if ((r = reserve(&ps.v4[i], &pn->gateway4)) < 0 ||
		    (r = reserve(&ps.v6[i], &pn->gateway6)) < 0)
			return nc_err_errno(err, -r, "plan addresses");
	}

	/* Static addresses first: the parser already refused duplicates and
	 * addresses outside their subnet. */
	for (size_t c = 0; c < p->n_containers; c++) {
		struct nc_plan_container *pc = &p->containers[c];
		for (size_t k = 0; k < pc->n_ifaces; k++) {
			struct nc_plan_iface *pi = &pc->ifaces[k];
			if (!pi->net)
				continue; /* link ends carry their own addresses */
			size_t ni = net_index(p, pi->net);
			if ((r = reserve(&ps.v4[ni], &pi->attach->ipv4_address)) < 0 ||
			    (r = reserve(&ps.v6[ni], &pi->attach->ipv6_address)) < 0)
				return nc_err_errno(err, -r, "plan addresses");
		}
	}
	/* qsort and bsearch want a valid pointer even for zero elements. */
	for (size_t i = 0; i < ps.n; i++) {
		if (ps.v4[i].n)
			qsort(ps.v4[i].taken, ps.v4[i].n, sizeof(uint64_t), cmp_u64);
		if (ps.v6[i].n)
			qsort(ps.v6[i].taken, ps.v6[i].n, sizeof(uint64_t), cmp_u64);
	}

	for (size_t c = 0; c < p->n_containers; c++) {
		struct nc_plan_container *pc = &p->containers[c];
		for (size_t k = 0; k < pc->n_ifaces; k++) {
			struct nc_plan_iface *pi = &pc->ifaces[k];
			const struct nc_plan_network *pn = pi->net;
			if (!pn)
				continue;
			size_t ni = net_index(p, pn);

			if (pn->subnet4.ip.family) {
				pi->addr4.len = pn->subnet4.len;
				if (pi->attach->ipv4_address.family)
					pi->addr4.ip = pi->attach->ipv4_address;
				else if (pool_next(&ps.v4[ni], &pi->addr4.ip) < 0)
					return nc_model_error(p->model, pi->attach->mark, err,
							      "network `%s` (%s) has no free IPv4 address left for `%s`",
							      pn->name, "subnet full", pc->name);
			}
			if (pn->subnet6.ip.family) {
				pi->addr6.len = pn->subnet6.len;
				if (pi->attach->ipv6_address.family)
					pi->addr6.ip = pi->attach->ipv6_address;
				else if (pool_next(&ps.v6[ni], &pi->addr6.ip) < 0)
					return nc_model_error(p->model, pi->attach->mark, err,
							      "network `%s` has no free IPv6 address left for `%s`",
							      pn->name, pc->name);
			}
		}
	}
	return 0;
}
