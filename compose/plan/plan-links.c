/* SPDX-License-Identifier: GPL-2.0-or-later */
/* links: point-to-point veths between two containers. Each end becomes an
 * interface of its container, after its network attachments. */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "compose/plan/plan-container.h"
#include "compose/plan/plan-links.h"

#define OOM(err) nc_err_errno(err, ENOMEM, "plan the lab")

static size_t container_index(const struct nc_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_containers; i++)
		if (!strcmp(p->containers[i].name, name))
			return i;
	return SIZE_MAX;
}

int nc_plan_links(struct nc_plan *p, nc_err *err)
{
	const struct nc_model *m = p->model;

	p->links = nc_arena_calloc(&p->arena, m->n_links ? m->n_links : 1, sizeof(*p->links));
	if (!p->links)
		return OOM(err);
	for (size_t i = 0; i < m->n_links; i++) {
		const struct nc_link *l = &m->links[i];
		struct nc_plan_link *pl = &p->links[p->n_links++];

		pl->model = l;
		pl->mtu = l->mtu;
		pl->name = nc_arena_printf(&p->arena, "%s:%s--%s:%s", l->ends[0].service,
					   l->ends[0].ifname, l->ends[1].service, l->ends[1].ifname);
		if (!pl->name)
			return OOM(err);
		for (size_t e = 0; e < 2; e++) {
			const struct nc_link_end *end = &l->ends[e];
			size_t ci = container_index(p, end->service);
			char label[NC_LABEL_MAX];
			if (ci == SIZE_MAX)
				return nc_model_error(m, end->mark, err, "link %zu: no service `%s`", i + 1,
						      end->service);
			struct nc_plan_container *pc = &p->containers[ci];
			struct nc_plan_iface *pi = &pc->ifaces[pc->n_ifaces];
			pl->container[e] = ci;
			pl->iface[e] = pc->n_ifaces++;
			pi->link = pl;
			pi->segment = pl->name;
			snprintf(pi->ifname, sizeof(pi->ifname), "%s", end->ifname);
			nc_label_iface(p->project, pc->name, pi->ifname, label, sizeof(label));
			if (!(pi->label = nc_arena_strdup(&p->arena, label)))
				return OOM(err);
			nc_mac_for(p->project, pc->name, pi->ifname, pi->mac);
			pi->addr4 = end->ipv4;
			pi->addr6 = end->ipv6;
			pi->mtu = l->mtu;
			nc_plan_shape(p, pc, pi, &l->shaping);
		}
		/* Both ends on one subnet: anything else cannot talk over it. */
		const struct nc_link_end *a = &l->ends[0], *b = &l->ends[1];
		if (a->ipv4.ip.family && b->ipv4.ip.family && !nc_prefix_contains(&a->ipv4, &b->ipv4.ip))
			return nc_model_error(m, b->ipv4_mark, err,
					      "link %zu: the two ends' IPv4 addresses are not on one subnet", i + 1);
		if (a->ipv6.ip.family && b->ipv6.ip.family && !nc_prefix_contains(&a->ipv6, &b->ipv6.ip))
			return nc_model_error(m, b->ipv6_mark, err,
					      "link %zu: the two ends' IPv6 addresses are not on one subnet", i + 1);
	}
	return 0;
}
