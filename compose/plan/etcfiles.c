/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/plan/etcfiles.h"

#include <string.h>

/* The other's interface on a network or link the two share, with an
 * address. */
static const struct nc_plan_iface *shared_iface(const struct nc_plan_container *self,
						const struct nc_plan_container *other)
{
	for (size_t i = 0; i < other->n_ifaces; i++) {
		const struct nc_plan_iface *o = &other->ifaces[i];
		if (!o->addr4.ip.family && !o->addr6.ip.family)
			continue;
		for (size_t j = 0; j < self->n_ifaces; j++)
			if (!strcmp(o->segment, self->ifaces[j].segment))
				return o;
	}
	return NULL;
}

static const struct nc_plan_iface *first_addressed(const struct nc_plan_container *c)
{
	for (size_t i = 0; i < c->n_ifaces; i++)
		if (c->ifaces[i].addr4.ip.family || c->ifaces[i].addr6.ip.family)
			return &c->ifaces[i];
	return NULL;
}

static void host_line(struct nc_strbuf *out, const struct nc_prefix *addr,
		      const struct nc_plan_container *c, const struct nc_plan_iface *via)
{
	char ip[NC_IP_STRLEN];

	nc_strbuf_printf(out, "%s\t%s", nc_ip_str(&addr->ip, ip), c->name);
	if (strcmp(c->hostname, c->name))
		nc_strbuf_printf(out, " %s", c->hostname);
	const char *cn = c->svc ? c->svc->container_name : NULL;
	if (cn && strcmp(cn, c->name) && strcmp(cn, c->hostname))
		nc_strbuf_printf(out, " %s", cn);
	if (via && via->attach)
		for (size_t k = 0; k < via->attach->n_aliases; k++)
			nc_strbuf_printf(out, " %s", via->attach->aliases[k]);
	nc_strbuf_putc(out, '\n');
}

void nc_etc_hosts(const struct nc_plan *p, const struct nc_plan_container *self,
		  struct nc_strbuf *out)
{
	nc_strbuf_append(out, "127.0.0.1\tlocalhost\n"
			      "::1\tlocalhost ip6-localhost ip6-loopback\n");
	for (size_t i = 0; i < p->n_containers; i++) {
		const struct nc_plan_container *c = &p->containers[i];
		const struct nc_plan_iface *pi = c == self ? NULL : shared_iface(self, c);
		/* Aliases belong to one network (Compose): only shown on it. */
		const struct nc_plan_iface *alias_src = pi;
		if (!pi)
			pi = first_addressed(c);
		if (!pi)
			continue;
		if (pi->addr4.ip.family)
			host_line(out, &pi->addr4, c, alias_src);
		if (pi->addr6.ip.family)
			host_line(out, &pi->addr6, c, alias_src);
	}
	/* Legacy links' aliases: the linked service under another name, in
	 * this container's file only (Docker's links were one-way). */
	for (size_t k = 0; self->svc && k < self->svc->n_svc_links; k++) {
		const struct nc_svc_link *l = &self->svc->svc_links[k];
		if (!l->alias)
			continue;
		for (size_t i = 0; i < p->n_containers; i++) {
			const struct nc_plan_container *c = &p->containers[i];
			if (!c->svc || c == self || strcmp(c->svc->name, l->service))
				continue;
			const struct nc_plan_iface *pi = shared_iface(self, c);
			if (!pi)
				pi = first_addressed(c);
			char ip[NC_IP_STRLEN];
			if (pi && pi->addr4.ip.family)
				nc_strbuf_printf(out, "%s\t%s\n", nc_ip_str(&pi->addr4.ip, ip), l->alias);
			if (pi && pi->addr6.ip.family)
				nc_strbuf_printf(out, "%s\t%s\n", nc_ip_str(&pi->addr6.ip, ip), l->alias);
		}
	}
	/* extra_hosts, after the project's names (Docker appends them too);
	 * host-gateway is the host's address on the container's default
	 * route's network. */
	for (size_t i = 0; i < self->n_extra_hosts; i++) {
		const struct nc_host_entry *h = &self->extra_hosts[i];
		char ip[NC_IP_STRLEN];
		const struct nc_ip *addr = &h->ip;
		if (h->host_gateway) {
			addr = NULL;
			for (size_t k = 0; k < self->n_ifaces && !addr; k++) {
				const struct nc_plan_network *n = self->ifaces[k].net;
				if (n && n->gateway_on_host && n->gateway4.family)
					addr = &n->gateway4;
			}
			if (!addr)
				continue; /* no host on any of its networks */
		}
		nc_strbuf_printf(out, "%s\t%s\n", nc_ip_str(addr, ip), h->name);
	}
}

/* Nothing in its hosts file that depends on the container itself rather
 * than on its set of segments. */
bool nc_etc_hosts_shareable(const struct nc_plan_container *c)
{
	if (c->n_extra_hosts)
		return false;
	for (size_t k = 0; c->svc && k < c->svc->n_svc_links; k++)
		if (c->svc->svc_links[k].alias)
			return false;
	const struct nc_plan_iface *own = first_addressed(c);
	return !own || !own->attach || !own->attach->n_aliases;
}

static bool on_segment(const struct nc_plan_container *c, const char *segment)
{
	for (size_t i = 0; i < c->n_ifaces; i++)
		if (!strcmp(c->ifaces[i].segment, segment))
			return true;
	return false;
}

bool nc_etc_hosts_same(const struct nc_plan_container *a, const struct nc_plan_container *b)
{
	if (a == b)
		return true;
	if (!nc_etc_hosts_shareable(a) || !nc_etc_hosts_shareable(b))
		return false;
	for (size_t i = 0; i < a->n_ifaces; i++)
		if (!on_segment(b, a->ifaces[i].segment))
			return false;
	for (size_t i = 0; i < b->n_ifaces; i++)
		if (!on_segment(a, b->ifaces[i].segment))
			return false;
	return true;
}

void nc_etc_hostname(const struct nc_plan_container *self, struct nc_strbuf *out)
{
	nc_strbuf_printf(out, "%s\n", self->hostname);
}

static bool loopback_nameserver(const char *line, size_t len)
{
	const char *kw = "nameserver";
	size_t kl = strlen(kw);

	if (len <= kl || strncmp(line, kw, kl) != 0 || (line[kl] != ' ' && line[kl] != '\t'))
		return false;
	const char *a = line + kl;
	while (a < line + len && (*a == ' ' || *a == '\t'))
		a++;
	size_t rest = (size_t)(line + len - a);
	return (rest >= 4 && !strncmp(a, "127.", 4)) ||
	       (rest >= 3 && !strncmp(a, "::1", 3) && (rest == 3 || a[3] == ' ' || a[3] == '\t'));
}

void nc_etc_resolv(const char *host_resolv, struct nc_strbuf *out)
{
	const char *s = host_resolv ? host_resolv : "";

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		if (!loopback_nameserver(s, len)) {
			nc_strbuf_appendn(out, s, len);
			nc_strbuf_putc(out, '\n');
		}
		s += len + (nl ? 1 : 0);
	}
}

static bool line_is(const char *s, size_t len, const char *kw)
{
	size_t k = strlen(kw);
	return len > k && !strncmp(s, kw, k) && (s[k] == ' ' || s[k] == '\t');
}

/* The host's file (loopback nameservers dropped, they mean nothing in
 * the container's network namespace) with what the service sets in place
 * of the host's lines: `dns` its nameservers, `dns_search` its search
 * (and domain) line, `dns_opt` its options. */
void nc_etc_resolv_for(const struct nc_plan_container *c, const char *host_resolv,
		       struct nc_strbuf *out)
{
	for (size_t i = 0; i < c->n_dns; i++) {
		char ip[NC_IP_STRLEN];
		nc_strbuf_printf(out, "nameserver %s\n", nc_ip_str(&c->dns[i], ip));
	}
	for (const char *s = host_resolv ? host_resolv : ""; *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		bool drop = (c->n_dns && line_is(s, len, "nameserver")) || loopback_nameserver(s, len) ||
			    (c->n_dns_search && (line_is(s, len, "search") || line_is(s, len, "domain"))) ||
			    (c->n_dns_opt && line_is(s, len, "options"));
		if (!drop) {
			nc_strbuf_appendn(out, s, len);
			nc_strbuf_putc(out, '\n');
		}
		s += len + (nl ? 1 : 0);
	}
	if (c->n_dns_search) {
		nc_strbuf_append(out, "search");
		for (size_t i = 0; i < c->n_dns_search; i++)
			nc_strbuf_printf(out, " %s", c->dns_search[i]);
		nc_strbuf_putc(out, '\n');
	}
	if (c->n_dns_opt) {
		nc_strbuf_append(out, "options");
		for (size_t i = 0; i < c->n_dns_opt; i++)
			nc_strbuf_printf(out, " %s", c->dns_opt[i]);
		nc_strbuf_putc(out, '\n');
	}
}
