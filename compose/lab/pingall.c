/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lab/pingall.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool iface_addr(const struct nc_info_iface *f, int family, struct nc_ip *ip)
{
	struct nc_prefix p;
	const char *a = family == AF_INET ? f->addr4 : f->addr6;

	if (!a || !strcmp(a, "-") || nc_prefix_parse(a, true, &p) < 0)
		return false;
	*ip = p.ip;
	return true;
}

static bool has_family(const struct nc_container_info *c, int family)
{
	struct nc_ip ip;
	for (size_t i = 0; i < c->n_ifaces; i++)
		if (iface_addr(&c->ifaces[i], family, &ip))
			return true;
	return false;
}

/* B's address for A: on a shared network first, else B's first one. */
static bool target(const struct nc_container_info *a, const struct nc_container_info *b, int family,
		   struct nc_ip *ip, bool *shared)
{
	for (size_t i = 0; i < b->n_ifaces; i++)
		for (size_t j = 0; j < a->n_ifaces; j++)
			if (!strcmp(b->ifaces[i].network, a->ifaces[j].network) &&
			    iface_addr(&b->ifaces[i], family, ip) &&
			    iface_addr(&a->ifaces[j], family, &(struct nc_ip){ 0 })) {
				*shared = true;
				return true;
			}
	*shared = false;
	for (size_t i = 0; i < b->n_ifaces; i++)
		if (iface_addr(&b->ifaces[i], family, ip))
			return true;
	return false;
}

int nc_pingall_pairs(const struct nc_container_info *c, size_t n, struct nc_ping_pair **pairs,
		     size_t *n_pairs, nc_err *err)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct nc_ping_pair *v = calloc(n * n * 2 + 1, sizeof(*v));
	size_t k = 0;

	if (!v)
		return nc_err_errno(err, ENOMEM, "pingall");
	for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < n; b++) {
			if (a == b)
				continue;
			for (size_t f = 0; f < 2; f++) {
				struct nc_ping_pair *p = &v[k];
				if (!has_family(&c[a], families[f]))
					continue;
				if (!target(&c[a], &c[b], families[f], &p->dst, &p->shared))
					continue;
				p->from = a;
				p->to = b;
				p->family = families[f];
				k++;
			}
		}
	*pairs = v;
	*n_pairs = k;
	return 0;
}
