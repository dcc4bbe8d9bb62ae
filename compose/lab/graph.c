/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lab/graph.h"

#include <string.h>

static const char *addr_or(const struct nc_prefix *p, char *buf, const char *none)
{
	return p->ip.family ? nc_prefix_str(p, buf) : none;
}

static void network_line(const struct nc_plan_network *n, struct nc_strbuf *o)
{
	char s[NC_PREFIX_STRLEN], s6[NC_PREFIX_STRLEN], g[NC_IP_STRLEN];

	nc_strbuf_printf(o, "network %s  %s", n->name, addr_or(&n->subnet4, s, ""));
	if (n->subnet6.ip.family)
		nc_strbuf_printf(o, " %s", nc_prefix_str(&n->subnet6, s6));
	nc_strbuf_printf(o, "  bridge %s", n->bridge);
	if (n->layer2)
		nc_strbuf_append(o, "  layer 2 only: no IP management");
	else if (n->internal)
		nc_strbuf_append(o, "  internal: no way out");
	else if (n->gateway4.family)
		nc_strbuf_printf(o, "  gateway %s on the host, NAT out", nc_ip_str(&n->gateway4, g));
	nc_strbuf_putc(o, '\n');
}

/* How many networks and links a container joins: two or more make it a
 * router in the drawings. */
static size_t segments(const struct nc_plan_container *pc)
{
	size_t n = 0;
	for (size_t f = 0; f < pc->n_ifaces; f++) {
		bool seen = false;
		for (size_t g = 0; g < f; g++)
			seen |= pc->ifaces[g].segment && pc->ifaces[f].segment &&
				!strcmp(pc->ifaces[g].segment, pc->ifaces[f].segment);
		n += !seen;
	}
	return n;
}

static void routers_ascii(const struct nc_plan *p, const char *tee, struct nc_strbuf *o)
{
	for (size_t c = 0; c < p->n_containers; c++) {
		const struct nc_plan_container *pc = &p->containers[c];
		if (segments(pc) < 2)
			continue;
		nc_strbuf_printf(o, "%srouter %s:", tee, pc->name);
		for (size_t f = 0; f < pc->n_ifaces; f++)
			nc_strbuf_printf(o, "%s%s", f ? " <-> " : " ",
					 pc->ifaces[f].segment ? pc->ifaces[f].segment : "?");
		nc_strbuf_putc(o, '\n');
	}
}

void nc_graph_ascii(const struct nc_plan *p, bool unicode, struct nc_strbuf *o)
{
	const char *tee = unicode ? "├── " : "|-- ", *elbow = unicode ? "└── " : "`-- ";
	const char *pipe = unicode ? "│   " : "|   ";
	size_t w = 0;

	for (size_t i = 0; i < p->n_containers; i++)
		if (strlen(p->containers[i].name) > w)
			w = strlen(p->containers[i].name);
	nc_strbuf_printf(o, "%s\n", p->project);
	/* The routers first: what joins the networks listed below. */
	routers_ascii(p, tee, o);
	for (size_t i = 0; i < p->n_networks; i++) {
		const struct nc_plan_network *n = &p->networks[i];
		bool last_net = i + 1 == p->n_networks && !p->n_links;
		nc_strbuf_append(o, last_net ? elbow : tee);
		network_line(n, o);
		/* The containers on it, in file order. */
		size_t total = 0, k = 0;
		for (size_t c = 0; c < p->n_containers; c++)
			for (size_t f = 0; f < p->containers[c].n_ifaces; f++)
				total += p->containers[c].ifaces[f].net == n;
		for (size_t c = 0; c < p->n_containers; c++) {
			const struct nc_plan_container *pc = &p->containers[c];
			for (size_t f = 0; f < pc->n_ifaces; f++) {
				const struct nc_plan_iface *pi = &pc->ifaces[f];
				char a4[NC_PREFIX_STRLEN], a6[NC_PREFIX_STRLEN];
				if (pi->net != n)
					continue;
				k++;
				nc_strbuf_printf(o, "%s%s%-*s %-6s %s%s%s\n", last_net ? "    " : pipe,
						 k == total ? elbow : tee, (int)w, pc->name, pi->ifname,
						 addr_or(&pi->addr4, a4, ""), pi->addr6.ip.family ? " " : "",
						 addr_or(&pi->addr6, a6, ""));
			}
		}
	}
	for (size_t i = 0; i < p->n_links; i++) {
		const struct nc_plan_link *l = &p->links[i];
		const struct nc_plan_iface *a = &p->containers[l->container[0]].ifaces[l->iface[0]];
		const struct nc_plan_iface *b = &p->containers[l->container[1]].ifaces[l->iface[1]];
		char a4[NC_PREFIX_STRLEN], b4[NC_PREFIX_STRLEN];
		nc_strbuf_printf(o, "%slink %s:%s %s <-> %s:%s %s\n", i + 1 == p->n_links ? elbow : tee,
				 p->containers[l->container[0]].name, a->ifname, addr_or(&a->addr4, a4, ""),
				 p->containers[l->container[1]].name, b->ifname, addr_or(&b->addr4, b4, ""));
	}
	/* Containers with no network at all would be invisible otherwise. */
	for (size_t c = 0; c < p->n_containers; c++)
		if (!p->containers[c].n_ifaces)
			nc_strbuf_printf(o, "%scontainer %s (no network)\n", elbow, p->containers[c].name);
}

/* DOT identifiers are quoted; our names hold no quote or backslash (the
 * parser's name rules), so they go in as they are. */
void nc_graph_dot(const struct nc_plan *p, struct nc_strbuf *o)
{
	char s[NC_PREFIX_STRLEN], g[NC_IP_STRLEN];

	nc_strbuf_printf(o, "graph \"%s\" {\n", p->project);
	nc_strbuf_append(o, "\tgraph [rankdir=LR, fontname=\"Helvetica\", labelloc=t, label=\"");
	nc_strbuf_printf(o, "%s\"];\n", p->project);
	nc_strbuf_append(o, "\tnode [fontname=\"Helvetica\", fontsize=11];\n"
			    "\tedge [fontname=\"Helvetica\", fontsize=9];\n");
	bool host = false;
	for (size_t i = 0; i < p->n_networks; i++) {
		const struct nc_plan_network *n = &p->networks[i];
		nc_strbuf_printf(o, "\t\"net:%s\" [shape=box, style=\"rounded,filled\", fillcolor=\"%s\", label=\"%s\\n%s",
				 n->name, n->internal ? "#fde68a" : "#bfdbfe", n->name,
				 addr_or(&n->subnet4, s, ""));
		if (n->subnet6.ip.family)
			nc_strbuf_printf(o, "\\n%s", nc_prefix_str(&n->subnet6, s));
		nc_strbuf_printf(o, "\\nbridge %s%s\"];\n", n->bridge, n->internal ? "\\ninternal" : "");
		host |= n->gateway_on_host && n->gateway4.family;
	}
	if (host) {
		nc_strbuf_append(o, "\t\"host\" [shape=house, style=filled, fillcolor=\"#e5e7eb\", label=\"host\\nNAT\"];\n");
		for (size_t i = 0; i < p->n_networks; i++) {
			const struct nc_plan_network *n = &p->networks[i];
			if (n->gateway_on_host && n->gateway4.family)
				nc_strbuf_printf(o, "\t\"host\" -- \"net:%s\" [style=dashed, label=\"%s\"];\n",
						 n->name, nc_ip_str(&n->gateway4, g));
		}
	}
	for (size_t c = 0; c < p->n_containers; c++) {
		const struct nc_plan_container *pc = &p->containers[c];
		bool router = segments(pc) > 1;
		if (router)
			nc_strbuf_printf(o, "\t\"svc:%s\" [shape=ellipse, style=filled, fillcolor=\"#fecaca\", label=\"%s\\nrouter\"];\n",
					 pc->name, pc->name);
		else
			nc_strbuf_printf(o, "\t\"svc:%s\" [shape=box, style=filled, fillcolor=\"#d1fae5\", label=\"%s\"];\n",
					 pc->name, pc->name);
		bool first = true;
		for (size_t f = 0; f < pc->n_ifaces; f++) {
			const struct nc_plan_iface *pi = &pc->ifaces[f];
			if (!pi->net)
				continue; /* link ends: drawn with their link below */
			/* Edge direction sets the rank (left to right): a host hangs
			 * after its network; a router sits after its first network
			 * and before the others, so it is drawn between them. */
			if (!router || first)
				nc_strbuf_printf(o, "\t\"net:%s\" -- \"svc:%s\" [label=\"%s\\n%s", pi->net->name,
						 pc->name, pi->ifname, addr_or(&pi->addr4, s, ""));
			else
				nc_strbuf_printf(o, "\t\"svc:%s\" -- \"net:%s\" [label=\"%s\\n%s", pc->name,
						 pi->net->name, pi->ifname, addr_or(&pi->addr4, s, ""));
			first = false;
			if (pi->addr6.ip.family)
				nc_strbuf_printf(o, "\\n%s", nc_prefix_str(&pi->addr6, s));
			nc_strbuf_append(o, "\"];\n");
		}
	}
	for (size_t i = 0; i < p->n_links; i++) {
		const struct nc_plan_link *l = &p->links[i];
		const struct nc_plan_iface *a = &p->containers[l->container[0]].ifaces[l->iface[0]];
		const struct nc_plan_iface *b = &p->containers[l->container[1]].ifaces[l->iface[1]];
		char a4[NC_PREFIX_STRLEN], b4[NC_PREFIX_STRLEN];
		nc_strbuf_printf(o, "\t\"svc:%s\" -- \"svc:%s\" [penwidth=2, taillabel=\"%s\\n%s\", headlabel=\"%s\\n%s\"];\n",
				 p->containers[l->container[0]].name, p->containers[l->container[1]].name,
				 a->ifname, addr_or(&a->addr4, a4, ""), b->ifname, addr_or(&b->addr4, b4, ""));
	}
	nc_strbuf_append(o, "}\n");
}
