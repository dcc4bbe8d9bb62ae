/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the host already routes: for the preflight that keeps a lab's
 * subnets off the host's networks. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "netd/netd-internal.h"

struct route_list {
	struct netd_host_route *v;
	size_t n, cap;
	bool oom;
	struct nc_nl *nl;
};

static bool skip_prefix(const struct nc_prefix *p)
{
	static const uint8_t ll[2] = { 0xfe, 0x80 };
	if (p->ip.family == AF_INET6) {
		if (p->ip.a[0] == 0xff) /* multicast */
			return true;
		if (!memcmp(p->ip.a, ll, 2) && (p->ip.a[1] & 0xc0) == 0x80) /* fe80::/10 */
			return true;
	}
	return false;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_list *l = data;
	const struct rtmsg *rt = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	struct netd_host_route r = { 0 };

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;

	/* Main table, unicast, not the default route: a lab may overlap
	 * only what the default route covers. */
	if (rt->rtm_dst_len == 0 || rt->rtm_type != RTN_UNICAST)
		return 0;
	r.dst.ip.family = rt->rtm_family;
	r.dst.len = rt->rtm_dst_len;
	uint32_t table = rt->rtm_table;
	mnl_attr_for_each(a, nlh, sizeof(*rt))
	{
		switch (mnl_attr_get_type(a)) {
		case RTA_DST:
			if (mnl_attr_get_payload_len(a) == nc_ip_bytes(rt->rtm_family))
				memcpy(r.dst.ip.a, mnl_attr_get_payload(a), nc_ip_bytes(rt->rtm_family));
			break;
		case RTA_OIF:
			r.oif = (int)mnl_attr_get_u32(a);
			break;
		case RTA_TABLE:
			table = mnl_attr_get_u32(a);
			break;
		}
	}
	if (table != RT_TABLE_MAIN || skip_prefix(&r.dst))
		return 0;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 32;
		struct netd_host_route *v = realloc(l->v, ncap * sizeof(*v));
		if (!v) {
			l->oom = true;
			return 0;
		}
		l->v = v;
		l->cap = ncap;
	}
	l->v[l->n++] = r;
	return 0;
}

static int ifname_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_list *l = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifm))
	{
		if (mnl_attr_get_type(a) != IFLA_IFNAME)
			continue;
		for (size_t i = 0; i < l->n; i++)
			if (l->v[i].oif == ifm->ifi_index)
				snprintf(l->v[i].dev, sizeof(l->v[i].dev), "%s", mnl_attr_get_str(a));
	}
	return 0;
}

static int collect(struct netd *nd, struct route_list *l, nc_err *err)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int r = 0;

	for (size_t i = 0; i < 2 && r == 0; i++) {
		struct nlmsghdr *nlh = nc_nl_msg(&nd->nl, RTM_GETROUTE, NLM_F_DUMP, sizeof(struct rtmsg),
						 "list host routes");
		((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_family = (uint8_t)families[i];
		r = nc_nl_dump(&nd->nl, route_cb, l, err);
	}
	if (r == 0 && l->n) {
		netd_msg_dumplinks(&nd->nl);
		r = nc_nl_dump(&nd->nl, ifname_cb, l, err);
	}
	return r;
}

int netd_host_routes(struct netd *nd, struct netd_host_route **out, size_t *n, nc_err *err)
{
	struct route_list l = { .nl = &nd->nl };
	int r;

	/* An interrupted dump (a route changed meanwhile): walk again. */
	for (int tries = 0;; tries++) {
		l.n = 0;
		r = collect(nd, &l, err);
		if (r != -EAGAIN || tries == 3)
			break;
	}
	if (r == 0 && l.oom)
		r = nc_err_errno(err, ENOMEM, "list host routes");
	if (r < 0) {
		free(l.v);
		return r;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}
