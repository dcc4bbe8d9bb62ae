/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ports: what the host publishes, and where it goes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
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

#define DYN_FIRST 49152u
#define DYN_COUNT 16384u

/*
 * The host ports taken so far, so that neither the clash check nor the
 * choice of a dynamic port scans every publication (`ports: ["3-29031"]`
 * made both quadratic): for each protocol, family and port, the last
 * publication on it and, through `next`, the earlier ones.
 */
struct port_index {
	uint32_t *head;  /* [proto 0/1][family 0/1][port]: index + 1; 0: none */
	uint32_t *next;  /* per publication: the previous one on its key, + 1 */
	uint8_t used[2][65536 / 8]; /* [proto][port]: taken by either family */
};

static size_t key_of(uint8_t proto, int family, uint16_t port)
{
	return ((size_t)(proto == NC_PROTO_UDP) * 2 + (family == AF_INET6)) * 65536 + port;
}

static bool port_used(const struct port_index *ix, uint8_t proto, uint16_t port)
{
	return ix->used[proto == NC_PROTO_UDP][port / 8] & (1u << (port % 8));
}

/* No host port given: a deterministic one from the dynamic range (the same
 * file gets the same ports), skipping those already taken in the file;
 * both families of one container port get the same one. */
static int pick_port(const struct nc_plan *p, const struct port_index *ix, const char *service,
		     const struct nc_port *pt, uint16_t target_port, uint16_t *out, nc_err *err)
{
	char t[16];
	snprintf(t, sizeof(t), "%u/%d", target_port, pt->proto);
	uint64_t h = nc_hash_strings("port", p->project, service, t, NULL);
	for (unsigned k = 0; k < DYN_COUNT; k++) {
		uint16_t cand = (uint16_t)(DYN_FIRST + (h + k) % DYN_COUNT);
		if (!port_used(ix, (uint8_t)pt->proto, cand)) {
			*out = cand;
			return 0;
		}
	}
	return nc_model_error(p->model, pt->mark, err,
			      "service `%s`: no free host port left for %s/%u: the %u ports of the dynamic range "
			      "%u-%u are all taken; publish fewer ports or give host ports (`HOST:CONTAINER`)",
			      service, pt->proto == NC_PROTO_UDP ? "udp" : "tcp", target_port, DYN_COUNT, DYN_FIRST,
			      DYN_FIRST + DYN_COUNT - 1);
}

static int add(struct nc_plan *p, struct port_index *ix, const struct nc_plan_port *np, nc_err *err)
{
	size_t key = key_of(np->proto, np->addr.family, np->host_port);
	for (uint32_t i = ix->head[key]; i; i = ix->next[i - 1])
		if (clash(&p->ports[i - 1], np)) {
			char h[NC_IP_STRLEN];
			return nc_model_error(p->model, np->model->mark, err,
					      "port %s/%u on %s is published twice (also by `%s`)",
					      np->proto == 17 ? "udp" : "tcp", np->host_port,
					      np->host_ip.family ? nc_ip_str(&np->host_ip, h) : "every address",
					      p->containers[p->ports[i - 1].container].name);
		}
	ix->next[p->n_ports] = ix->head[key];
	ix->head[key] = (uint32_t)(p->n_ports + 1);
	ix->used[np->proto == NC_PROTO_UDP][np->host_port / 8] |= (uint8_t)(1u << (np->host_port % 8));
	p->ports[p->n_ports++] = *np;
	return 0;
}

static void port_index_free(struct port_index **ix)
{
	if (*ix) {
		free((*ix)->head);
		free((*ix)->next);
		free(*ix);
	}
}

int nc_plan_ports(struct nc_plan *p, nc_err *err)
{
	size_t total = count_ports(p->model);
	p->ports = nc_arena_calloc(&p->arena, total + 1, sizeof(*p->ports));
	if (!p->ports)
		return OOM(err);
	if (!total)
		return 0;
	_cleanup_(port_index_free) struct port_index *ix = calloc(1, sizeof(*ix));
	if (!ix || !(ix->head = calloc(4 * 65536, sizeof(*ix->head))) || !(ix->next = calloc(total, sizeof(*ix->next))))
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
			/* One container port with a host range (`8000-8010:80`):
			 * as Docker, the first port of the range that is free,
			 * here not published already by this file. */
			uint16_t first = pt->published;
			if (pt->published && span == 0 && pt->published_end > pt->published) {
				unsigned h = pt->published;
				while (h <= pt->published_end && port_used(ix, (uint8_t)pt->proto, (uint16_t)h))
					h++;
				if (h > pt->published_end)
					return nc_model_error(p->model, pt->mark, err,
							      "service `%s`: every port of the host range %u-%u is already published in this file",
							      s->name, pt->published, pt->published_end);
				first = (uint16_t)h;
			} else if (pt->published && (unsigned)(pt->published_end - pt->published) != span)
				return nc_model_error(p->model, pt->mark, err,
						      "service `%s`: the published range and the container's range differ in length",
						      s->name);
			bool any = false;
			for (unsigned i = 0; i <= span; i++) {
				uint16_t cport = (uint16_t)(pt->target + i), hport = (uint16_t)(first + i);
				if (!pt->published && (r = pick_port(p, ix, s->name, pt, cport, &hport, err)) < 0)
					return r;
				for (int f = 0; f < 2; f++) {
					int family = f ? AF_INET6 : AF_INET;
					const struct nc_ip *to = target(pc, family);
					if (!to || (pt->host_ip.family && pt->host_ip.family != family))
						continue;
					any = true;
					struct nc_plan_port np = {
						.model = pt, .container = c, .proto = (uint8_t)pt->proto,
						.host_ip = pt->host_ip, .addr = *to, .port = cport, .host_port = hport,
					};
					if ((r = add(p, ix, &np, err)) < 0)
						return r;
				}
				if (!any)
					break;
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
