/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ports: what the host publishes, and where it goes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/hash.h"
#include "compose/plan/plan-links.h"

#define OOM(err) nc_err_errno(err, ENOMEM, "plan the lab")

/* The container's address the host can DNAT to: on a network whose bridge
 * the host is on (not internal, not a link). */
static const struct nc_ip *target(const struct nc_plan_container *pc, int family)
{
	for (size_t i = 0; i < pc->n_ifaces; i++) {
		const struct nc_plan_iface *pi = &pc->ifaces[i];
		const struct nc_prefix *a = family == AF_INET ? &pi->addr4 : &pi->addr6;
		if (pi->net && !pi->net->internal && a->ip.family)
			return &a->ip;
	}
	return NULL;
}

/* Two publications clash when they share protocol, port and family (the
 * IPv4 and IPv6 halves of one port are separate DNAT maps) and either
 * listens on every address or both on the same one. */
static bool clash(const struct nc_plan_port *x, const struct nc_plan_port *y)
{
	if (x->proto != y->proto || x->host_port != y->host_port || x->addr.family != y->addr.family)
		return false;
	if (!x->host_ip.family || !y->host_ip.family)
		return true;
	return nc_ip_equal(&x->host_ip, &y->host_ip);
}

static size_t count_ports(const struct nc_model *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n_services; i++)
		for (size_t k = 0; k < m->services[i].n_ports; k++) {
			const struct nc_port *pt = &m->services[i].ports[k];
			n += 2u * ((size_t)(pt->target_end - pt->target) + 1);
		}
	return n;
}

/* No host port given: a deterministic one from the dynamic range (the same
 * file gets the same ports), skipping those already taken in the file. */
static uint16_t pick_port(const struct nc_plan *p, const char *service, const struct nc_port *pt,
			  uint16_t target_port)
{
	char t[16];
	snprintf(t, sizeof(t), "%u/%d", target_port, pt->proto);
	uint64_t h = nc_hash_strings("port", p->project, service, t, NULL);
	for (unsigned k = 0; k < 16384; k++) {
		uint16_t cand = (uint16_t)(49152 + (h + k) % 16384);
		bool taken = false;
		for (size_t i = 0; i < p->n_ports && !taken; i++)
			taken = p->ports[i].proto == pt->proto && p->ports[i].host_port == cand;
		if (!taken)
			return cand;
	}
	return 0;
}

static int add(struct nc_plan *p, const struct nc_plan_port *np, nc_err *err)
{
	for (size_t i = 0; i < p->n_ports; i++)
		if (clash(&p->ports[i], np)) {
			char h[NC_IP_STRLEN];
			return nc_model_error(p->model, np->model->mark, err,
					      "port %s/%u on %s is published twice (also by `%s`)",
					      np->proto == 17 ? "udp" : "tcp", np->host_port,
					      np->host_ip.family ? nc_ip_str(&np->host_ip, h) : "every address",
					      p->containers[p->ports[i].container].name);
		}
	p->ports[p->n_ports++] = *np;
	return 0;
}

int nc_plan_ports(struct nc_plan *p, nc_err *err)
{
	p->ports = nc_arena_calloc(&p->arena, count_ports(p->model) + 1, sizeof(*p->ports));
	if (!p->ports)
		return OOM(err);
	for (size_t c = 0; c < p->n_containers; c++) {
		const struct nc_plan_container *pc = &p->containers[c];
		const struct nc_service *s = pc->svc;
		for (size_t k = 0; k < s->n_ports; k++) {
			const struct nc_port *pt = &s->ports[k];
			static const uint8_t loop6[16] = { [15] = 1 };
			unsigned span = (unsigned)(pt->target_end - pt->target);
			int r;

			if (pt->host_ip.family == AF_INET6 && !memcmp(pt->host_ip.a, loop6, 16))
				return nc_model_error(p->model, pt->mark, err,
						      "service `%s`: a port cannot be published on ::1: the kernel does not route from IPv6 loopback to another interface (IPv6 has no route_localnet); publish on 127.0.0.1 or on every address",
						      s->name);
			if (pt->published && (unsigned)(pt->published_end - pt->published) != span)
				return nc_model_error(p->model, pt->mark, err,
						      "service `%s`: the published range and the container's range differ in length",
						      s->name);
			bool any = false;
			for (int f = 0; f < 2; f++) {
				int family = f ? AF_INET6 : AF_INET;
				const struct nc_ip *to = target(pc, family);
				if (!to || (pt->host_ip.family && pt->host_ip.family != family))
					continue;
				any = true;
				for (unsigned i = 0; i <= span; i++) {
					struct nc_plan_port np = {
						.model = pt, .container = c, .proto = (uint8_t)pt->proto,
						.host_ip = pt->host_ip, .addr = *to,
						.port = (uint16_t)(pt->target + i),
					};
					np.host_port = pt->published ? (uint16_t)(pt->published + i)
								     : pick_port(p, s->name, pt, np.port);
					if ((r = add(p, &np, err)) < 0)
						return r;
				}
			}
			if (!any)
				return nc_model_error(p->model, pt->mark, err,
						      "service `%s` publishes a port but has no %saddress on a network the host is on (internal networks and links are not)",
						      s->name, pt->host_ip.family == AF_INET6 ? "IPv6 "
								: pt->host_ip.family == AF_INET ? "IPv4 " : "");
		}
	}
	return 0;
}
