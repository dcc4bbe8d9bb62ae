/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/plan/plan-neigh.h"

static size_t segment(size_t n, bool gateway)
{
	return n * (n ? n - 1 : 0) + (gateway ? 2 * n : 0);
}

void nc_plan_neigh_need(const struct nc_plan *p, size_t *v4, size_t *v6)
{
	*v4 = *v6 = 0;
	for (size_t i = 0; i < p->n_networks; i++) {
		const struct nc_plan_network *pn = &p->networks[i];
		size_t n4 = 0, n6 = 0;
		for (size_t c = 0; c < p->n_containers; c++)
			for (size_t k = 0; k < p->containers[c].n_ifaces; k++) {
				const struct nc_plan_iface *pi = &p->containers[c].ifaces[k];
				if (pi->net != pn)
					continue;
				n4 += pi->addr4.ip.family != 0;
				n6 += pi->addr6.ip.family != 0;
			}
		*v4 += segment(n4, pn->gateway_on_host && pn->gateway4.family);
		*v6 += segment(n6, pn->gateway_on_host && pn->gateway6.family);
	}
	for (size_t i = 0; i < p->n_links; i++) {
		const struct nc_plan_link *pl = &p->links[i];
		const struct nc_plan_iface *a = &p->containers[pl->container[0]].ifaces[pl->iface[0]];
		const struct nc_plan_iface *b = &p->containers[pl->container[1]].ifaces[pl->iface[1]];
		*v4 += segment((a->addr4.ip.family != 0) + (b->addr4.ip.family != 0), false);
		*v6 += segment((a->addr6.ip.family != 0) + (b->addr6.ip.family != 0), false);
	}
}
