/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration inside one network namespace: links, addresses, routes,
 * one request at a time or pipelined between netd_ns_batch() and
 * netd_ns_commit(). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netd/netd-internal.h"
#include "netd/nsswitch.h"

static int open_socket(void *data, nc_err *err)
{
	return nc_nl_open(data, err);
}

int netd_ns_open(struct netd *nd, int nsfd, struct netd_ns **out, nc_err *err)
{
	struct netd_ns *ns = calloc(1, sizeof(*ns));
	int r;

	(void)nd; /* the socket must be born inside; the session's is not */
	if (!ns)
		return nc_err_errno(err, ENOMEM, "open network namespace session");
	ns->nsfd = fcntl(nsfd, F_DUPFD_CLOEXEC, 3);
	if (ns->nsfd < 0) {
		r = nc_err_errno(err, errno, "duplicate network namespace fd %d", nsfd);
		free(ns);
		return r;
	}
	if ((r = netd_in_netns(nsfd, open_socket, &ns->nl, err)) < 0) {
		close(ns->nsfd);
		free(ns);
		return r;
	}
	*out = ns;
	return 0;
}

void netd_ns_close(struct netd_ns *ns)
{
	if (!ns)
		return;
	nc_nl_close(&ns->nl);
	close(ns->nsfd);
	free(ns);
}

void netd_ns_batch(struct netd_ns *ns)
{
	ns->batching = true;
}

int netd_ns_commit(struct netd_ns *ns, nc_err *err)
{
	ns->batching = false;
	return nc_nl_flush(&ns->nl, NULL, err);
}

/* A request is queued: send it now unless a batch collects them. */
static int done(struct netd_ns *ns, nc_err *err)
{
	return ns->batching ? 0 : nc_nl_flush(&ns->nl, NULL, err);
}

static int ns_ifindex(struct netd_ns *ns, const char *name, int *index, nc_err *err)
{
	int r;

	for (unsigned i = 0; i < NETD_NS_INDEXES; i++)
		if (ns->idx[i].index && !strcmp(ns->idx[i].name, name)) {
			*index = ns->idx[i].index;
			return 0;
		}
	if ((r = netd_check_ifname(name, "look up interface", err)) < 0)
		return r;
	if ((r = netd_ifindex(&ns->nl, name, index, err)) < 0)
		return r;
	unsigned slot = ns->idx_next++ % NETD_NS_INDEXES;
	snprintf(ns->idx[slot].name, sizeof(ns->idx[slot].name), "%s", name);
	ns->idx[slot].index = *index;
	return 0;
}

int netd_ns_link_up(struct netd_ns *ns, const char *ifname, nc_err *err)
{
	int r;

	if ((r = netd_check_ifname(ifname, "bring link up", err)) < 0)
		return r;
	netd_msg_up(&ns->nl, ifname);
	return done(ns, err);
}

int netd_ns_link_set_up(struct netd_ns *ns, const char *ifname, bool up, nc_err *err)
{
	int r;

	if ((r = netd_check_ifname(ifname, up ? "bring link up" : "bring link down", err)) < 0)
		return r;
	netd_msg_set_up(&ns->nl, ifname, up);
	return done(ns, err);
}

int netd_ns_link_set_mtu(struct netd_ns *ns, const char *ifname, uint32_t mtu, nc_err *err)
{
	int r;

	if ((r = netd_check_ifname(ifname, "set MTU", err)) < 0)
		return r;
	netd_msg_mtu(&ns->nl, ifname, mtu);
	return done(ns, err);
}

int netd_ns_link_set_alias(struct netd_ns *ns, const char *ifname, const char *alias, nc_err *err)
{
	int r;

	if ((r = netd_check_ifname(ifname, "label link", err)) < 0)
		return r;
	netd_msg_alias(&ns->nl, ifname, alias);
	return done(ns, err);
}

int netd_ns_addr_add(struct netd_ns *ns, const char *ifname, const struct nc_prefix *addr,
		     nc_err *err)
{
	int index, r;

	if ((r = ns_ifindex(ns, ifname, &index, err)) < 0)
		return r;
	netd_msg_addr(&ns->nl, index, ifname, addr);
	return done(ns, err);
}

int netd_ns_route_restore(struct netd_ns *ns, const struct nc_prefix *dst,
			  const struct nc_ip *gateway, const char *dev, nc_err *err)
{
	static const int fine[] = { EEXIST, ENETDOWN, ENETUNREACH, 0 };
	int oif = 0, r;

	if ((r = nc_nl_flush(&ns->nl, NULL, err)) < 0)
		return r;
	if (dev && (r = ns_ifindex(ns, dev, &oif, err)) < 0)
		return r == -ENODEV ? 0 : r;
	netd_msg_route(&ns->nl, dst, gateway, oif, dev);
	return nc_nl_flush(&ns->nl, fine, err);
}

int netd_ns_route_add(struct netd_ns *ns, const struct nc_prefix *dst, const struct nc_ip *gateway,
		      const char *dev, nc_err *err)
{
	int oif = 0, r;

	if (dev && (r = ns_ifindex(ns, dev, &oif, err)) < 0)
		return r;
	netd_msg_route(&ns->nl, dst, gateway, oif, dev);
	return done(ns, err);
}
