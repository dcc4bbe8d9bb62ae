/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/plan/plan-emit.h"

#include <stdio.h>

static void prefix_or_none(struct nc_strbuf *o, const char *key, const struct nc_prefix *p)
{
	char b[NC_PREFIX_STRLEN];
	if (p->ip.family)
		nc_strbuf_printf(o, ", %s: %s", key, nc_prefix_str(p, b));
}

static void ip_or_none(struct nc_strbuf *o, const char *key, const struct nc_ip *ip)
{
	char b[NC_IP_STRLEN];
	if (ip->family)
		nc_strbuf_printf(o, ", %s: %s", key, nc_ip_str(ip, b));
}

void nc_plan_emit_yaml(const struct nc_plan *p, struct nc_strbuf *o)
{
	nc_strbuf_printf(o, "x-ncompose-plan:\n  project: %s\n  nftables_table: inet %s\n", p->project,
			 p->table);
	nc_strbuf_append(o, "  networks:\n");
	for (size_t i = 0; i < p->n_networks; i++) {
		const struct nc_plan_network *n = &p->networks[i];
		nc_strbuf_printf(o, "    %s: {bridge: %s, internal: %s%s", n->name, n->bridge,
				 n->internal ? "true" : "false", n->layer2 ? ", layer2: true" : "");
		prefix_or_none(o, "subnet", &n->subnet4);
		ip_or_none(o, "gateway", &n->gateway4);
		prefix_or_none(o, "subnet6", &n->subnet6);
		ip_or_none(o, "gateway6", &n->gateway6);
		nc_strbuf_append(o, "}\n");
	}
	nc_strbuf_append(o, "  services:\n");
	for (size_t i = 0; i < p->n_containers; i++) {
		const struct nc_plan_container *c = &p->containers[i];
		nc_strbuf_printf(o, "    %s:\n      netns: %s\n      cgroup: %s\n      hostname: %s\n",
				 c->name, c->netns, c->cgroup, c->hostname);
		nc_strbuf_append(o, "      interfaces:\n");
		if (!c->n_ifaces)
			nc_strbuf_append(o, "        []\n");
		for (size_t k = 0; k < c->n_ifaces; k++) {
			const struct nc_plan_iface *f = &c->ifaces[k];
			nc_strbuf_printf(o,
					 "        - {name: %s, network: %s, host: %s, mac: \"%02x:%02x:%02x:%02x:%02x:%02x\"",
					 f->ifname, f->segment, f->net ? f->host_ifname : "-", f->mac[0], f->mac[1],
					 f->mac[2], f->mac[3], f->mac[4], f->mac[5]);
			prefix_or_none(o, "ipv4", &f->addr4);
			prefix_or_none(o, "ipv6", &f->addr6);
			nc_strbuf_append(o, "}\n");
		}
		nc_strbuf_append(o, "      routes:\n");
		if (!c->n_routes)
			nc_strbuf_append(o, "        []\n");
		for (size_t k = 0; k < c->n_routes; k++) {
			const struct nc_plan_route *r = &c->routes[k];
			char d[NC_PREFIX_STRLEN], v[NC_IP_STRLEN];
			nc_strbuf_printf(o, "        - {to: %s, via: %s}\n",
					 r->dst.len ? nc_prefix_str(&r->dst, d) : "default",
					 nc_ip_str(&r->via, v));
		}
	}
	if (p->n_links) {
		nc_strbuf_append(o, "  links:\n");
		for (size_t i = 0; i < p->n_links; i++)
			nc_strbuf_printf(o, "    - \"%s\"\n", p->links[i].name);
	}
	if (p->n_ports) {
		nc_strbuf_append(o, "  ports:\n");
		for (size_t i = 0; i < p->n_ports; i++) {
			const struct nc_plan_port *pp = &p->ports[i];
			char h[NC_IP_STRLEN + 2] = "*", a[NC_IP_STRLEN], ip[NC_IP_STRLEN];
			if (pp->host_ip.family == AF_INET6)
				snprintf(h, sizeof(h), "[%s]", nc_ip_str(&pp->host_ip, ip));
			else if (pp->host_ip.family)
				nc_ip_str(&pp->host_ip, h);
			bool v6 = pp->addr.family == AF_INET6;
			nc_strbuf_printf(o, "    - {service: %s, protocol: %s, host: \"%s:%u\", to: \"%s%s%s:%u\"}\n",
					 p->containers[pp->container].name, pp->proto == 17 ? "udp" : "tcp",
					 h, pp->host_port, v6 ? "[" : "", nc_ip_str(&pp->addr, a), v6 ? "]" : "",
					 pp->port);
		}
	}
}
