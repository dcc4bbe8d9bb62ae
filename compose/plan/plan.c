/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/plan/plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/plan/ipam.h"
#include "compose/plan/plan-container.h"
#include "compose/plan/plan-links.h"

#define OOM(err) nc_err_errno(err, ENOMEM, "plan the lab")

static int plan_networks(struct nc_plan *p, nc_err *err)
{
	const struct nc_model *m = p->model;

	p->networks = nc_arena_calloc(&p->arena, m->n_networks ? m->n_networks : 1,
				      sizeof(*p->networks));
	if (!p->networks)
		return OOM(err);
	for (size_t i = 0; i < m->n_networks; i++) {
		const struct nc_network *n = &m->networks[i];
		struct nc_plan_network *pn = &p->networks[p->n_networks++];
		char label[NC_LABEL_MAX];

		pn->model = n;
		pn->name = n->name;
		/* A layer-2 segment is internal as well: the host is no
		 * member, has no gateway there and routes nothing out. */
		pn->internal = n->internal || n->layer2;
		pn->layer2 = n->layer2;
		pn->external = n->external;
		pn->mtu = n->mtu;
		if (n->bridge_name) {
			snprintf(pn->bridge, sizeof(pn->bridge), "%s", n->bridge_name);
		} else if (n->external) {
			/* Someone else's bridge, known by the network's name. */
			if (!nc_ifname_valid(n->name))
				return nc_model_error(m, n->mark, err,
						      "external network `%s`: not an interface name (at most 15 characters, no '/', ':' or spaces)",
						      n->name);
			snprintf(pn->bridge, sizeof(pn->bridge), "%s", n->name);
		} else {
			nc_name_bridge(p->project, n->name, pn->bridge);
		}
		nc_label_network(p->project, n->name, label, sizeof(label));
		if (!(pn->label = nc_arena_strdup(&p->arena, label)))
			return OOM(err);
		if (!pn->internal && !n->external)
			p->needs_forwarding = true;
	}
	/* Two networks must not end up on one bridge (a bridge_name that
	 * equals another network's generated name). */
	for (size_t i = 0; i < p->n_networks; i++)
		for (size_t j = i + 1; j < p->n_networks; j++)
			if (!strcmp(p->networks[i].bridge, p->networks[j].bridge))
				return nc_model_error(m, p->networks[j].model->mark, err,
						      "networks `%s` and `%s` would share bridge `%s`",
						      p->networks[i].name, p->networks[j].name,
						      p->networks[j].bridge);
	return 0;
}

const struct nc_plan_network *nc_plan_network_by_name(const struct nc_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_networks; i++)
		if (!strcmp(p->networks[i].name, name))
			return &p->networks[i];
	return NULL;
}

/* An external network is a bridge someone else made (the network's name is
 * the bridge's): its subnet and gateway are read off it. Without host
 * facts (`config`) it is planned without addresses. */
static int plan_external(struct nc_plan *p, const struct nc_plan_host *host, nc_err *err)
{
	for (size_t i = 0; i < p->n_networks; i++) {
		struct nc_plan_network *pn = &p->networks[i];
		const struct nc_plan_host_bridge *b = NULL;
		if (!pn->external || !host || !host->bridges)
			continue;
		for (size_t k = 0; k < host->n_bridges && !b; k++)
			if (!strcmp(host->bridges[k].name, pn->bridge))
				b = &host->bridges[k];
		if (!b || !b->exists)
			return nc_model_error(p->model, pn->model->mark, err,
					      "network `%s` is external, but this host has no interface `%s`; create the bridge first or drop `external: true`",
					      pn->name, pn->bridge);
		if (b->addr4.ip.family) {
			pn->subnet4 = nc_prefix_network(&b->addr4);
			pn->range4 = pn->subnet4;
			pn->gateway4 = b->addr4.ip;
		}
		if (b->addr6.ip.family) {
			pn->subnet6 = nc_prefix_network(&b->addr6);
			pn->range6 = pn->subnet6;
			pn->gateway6 = b->addr6.ip;
		}
		pn->gateway_on_host = true;
		/* Static addresses on it, checked against what the bridge holds. */
		for (size_t c = 0; c < p->model->n_services; c++) {
			const struct nc_service *s = &p->model->services[c];
			for (size_t k = 0; k < s->n_networks; k++) {
				const struct nc_attach *a = &s->networks[k];
				const struct nc_ip *ips[2] = { &a->ipv4_address, &a->ipv6_address };
				const struct nc_prefix *subs[2] = { &pn->subnet4, &pn->subnet6 };
				const struct nc_mark marks[2] = { a->ipv4_mark, a->ipv6_mark };
				if (strcmp(a->network, pn->name))
					continue;
				for (int f = 0; f < 2; f++) {
					char ip[NC_IP_STRLEN], sn[NC_PREFIX_STRLEN];
					if (!ips[f]->family)
						continue;
					if (!subs[f]->ip.family || !nc_prefix_contains(subs[f], ips[f]))
						return nc_model_error(p->model, marks[f], err,
								      "service `%s`: %s is not on external network `%s` (its bridge holds %s)",
								      s->name, nc_ip_str(ips[f], ip), pn->name,
								      subs[f]->ip.family ? nc_prefix_str(subs[f], sn) : "no such address family");
					if (nc_ip_equal(ips[f], f ? &pn->gateway6 : &pn->gateway4))
						return nc_model_error(p->model, marks[f], err,
								      "service `%s`: %s is the bridge's own address on external network `%s`",
								      s->name, nc_ip_str(ips[f], ip), pn->name);
				}
			}
		}
	}
	return 0;
}

int nc_plan_build(const struct nc_model *m, const char *project, const struct nc_plan_host *host,
		  struct nc_plan **out, nc_err *err)
{
	struct nc_plan *p = calloc(1, sizeof(*p));
	char prefix[NC_LABEL_MAX];
	int r;

	if (!p)
		return OOM(err);
	p->model = m;
	if (!(p->project = nc_arena_strdup(&p->arena, project)))
		goto oom;
	nc_name_table(project, p->table, sizeof(p->table));
	nc_label_prefix(project, prefix, sizeof(prefix));
	if (!(p->label_prefix = nc_arena_strdup(&p->arena, prefix)))
		goto oom;

	if ((r = plan_networks(p, err)) < 0 || (r = plan_external(p, host, err)) < 0)
		goto fail;
	if ((r = nc_ipam_plan_networks(p, host, err)) < 0)
		goto fail;

	p->containers = nc_arena_calloc(&p->arena, m->n_services ? m->n_services : 1,
					sizeof(*p->containers));
	if (!p->containers)
		goto oom;
	for (size_t i = 0; i < m->n_services; i++) {
		if ((r = nc_plan_container_build(p, &m->services[i], host,
						 &p->containers[p->n_containers], err)) < 0)
			goto fail;
		p->n_containers++;
	}
	if ((r = nc_plan_links(p, err)) < 0 || (r = nc_ipam_plan_addresses(p, err)) < 0)
		goto fail;
	for (size_t i = 0; i < p->n_containers; i++)
		if ((r = nc_plan_container_routes(p, &p->containers[i], err)) < 0)
			goto fail;
	if ((r = nc_plan_ports(p, err)) < 0)
		goto fail;

	*out = p;
	return 0;
oom:
	r = OOM(err);
fail:
	nc_plan_free(p);
	return r;
}

void nc_plan_free(struct nc_plan *p)
{
	if (!p)
		return;
	nc_arena_free(&p->arena);
	free(p);
}

const struct nc_plan_container *nc_plan_container(const struct nc_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_containers; i++)
		if (!strcmp(p->containers[i].name, name))
			return &p->containers[i];
	return NULL;
}
