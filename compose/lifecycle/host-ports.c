/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/host-ports.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static bool all_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

static bool v4_mapped(const struct nc_ip *ip)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	return ip->family == AF_INET6 && !memcmp(ip->a, prefix, sizeof(prefix));
}

/* What `s` receives in `family`: false when nothing; else *any, or the one
 * address *one. */
static bool receives(const struct netd_host_socket *s, int family, bool *any, struct nc_ip *one)
{
	static const uint8_t loop6[16] = { [15] = 1 };

	*one = (struct nc_ip){ .family = (uint8_t)family };
	/* The host's own connections to [::1] are never DNATed (the packet
	 * could not leave lo), so a socket on [::1] keeps its traffic. */
	if (family == AF_INET6 && s->addr.family == AF_INET6 && !memcmp(s->addr.a, loop6, 16))
		return false;
	if (s->addr.family == family && !(family == AF_INET6 && v4_mapped(&s->addr))) {
		*any = all_zero(s->addr.a, nc_ip_bytes(family));
		memcpy(one->a, s->addr.a, nc_ip_bytes(family));
		return true;
	}
	if (family != AF_INET || s->addr.family != AF_INET6)
		return false;
	if (all_zero(s->addr.a, 16)) { /* [::] */
		*any = true;
		return !s->v6only;
	}
	if (!v4_mapped(&s->addr))
		return false;
	*any = false;
	memcpy(one->a, s->addr.a + 12, 4);
	return true;
}

bool nc_port_meets_socket(const struct nc_plan_port *pp, const struct netd_host_socket *s)
{
	struct nc_ip one;
	bool any;

	if (s->proto != pp->proto || s->port != pp->host_port ||
	    !receives(s, pp->addr.family, &any, &one))
		return false;
	/* The DNAT takes every local address of the family when the port is
	 * published without one (127.0.0.1 included, for the host's own
	 * connections). */
	if (any || !pp->host_ip.family)
		return true;
	return nc_ip_equal(&pp->host_ip, &one);
}

ssize_t nc_port_first_held(const struct nc_plan *p, const struct netd_host_socket *socks,
			   size_t n, size_t *sock)
{
	for (size_t i = 0; i < p->n_ports; i++)
		for (size_t k = 0; k < n; k++)
			if (nc_port_meets_socket(&p->ports[i], &socks[k])) {
				*sock = k;
				return (ssize_t)i;
			}
	return -1;
}

static const char *sock_str(const struct netd_host_socket *s, char *buf, size_t size)
{
	char a[NC_IP_STRLEN];
	nc_ip_str(&s->addr, a);
	if (s->addr.family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", a, s->port);
	else
		snprintf(buf, size, "%s:%u", a, s->port);
	return buf;
}

int nc_host_ports_check(const struct nc_plan *p, struct netd *nd, const char *proc_root,
			bool *held, nc_err *err)
{
	struct netd_host_socket *socks = NULL;
	size_t n = 0, k = 0;
	int r;

	*held = false;
	if (!p->n_ports)
		return 0;
	if ((r = netd_host_sockets(nd, &socks, &n, err)) < 0)
		return r;
	ssize_t i = nc_port_first_held(p, socks, n, &k);
	if (i >= 0) {
		const struct nc_plan_port *pp = &p->ports[i];
		const struct netd_host_socket *s = &socks[k];
		const char *proto = pp->proto == IPPROTO_UDP ? "udp" : "tcp";
		char where[NC_IP_STRLEN + 16], who[64] = "a process", comm[32];
		int pid;

		if (netd_socket_owner(proc_root, s->inode, &pid, comm, sizeof(comm)))
			snprintf(who, sizeof(who), "process %d (%s)", pid, comm);
		else
			snprintf(who, sizeof(who), "a process (uid %u, not found in %s)", s->uid,
				 proc_root);
		*held = true;
		r = nc_model_error(p->model, pp->model->mark, err,
				   "port %u/%s is in use on this host: %s %s %s; stop it, or publish another host port",
				   pp->host_port, proto, who,
				   pp->proto == IPPROTO_UDP ? "has a socket bound to" : "listens on",
				   sock_str(s, where, sizeof(where)));
	}
	free(socks);
	return r;
}
