/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The addresses an existing interface holds: an `external` network is a
 * bridge someone else made, and its subnet and gateway are read off it. */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "netd/netd-internal.h"

struct addr_list {
	int index;
	struct nc_prefix *v;
	size_t n, cap;
	bool oom;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_list *l = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	struct nc_prefix p = { .ip.family = ifa->ifa_family, .len = ifa->ifa_prefixlen };
	bool have = false;

	if ((int)ifa->ifa_index != l->index || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
	{
		uint16_t t = mnl_attr_get_type(a);
		/* IFA_LOCAL is the address on point-to-point links; else IFA_ADDRESS. */
		if ((t == IFA_LOCAL || (t == IFA_ADDRESS && !have)) &&
		    mnl_attr_get_payload_len(a) == nc_ip_bytes(ifa->ifa_family)) {
			memcpy(p.ip.a, mnl_attr_get_payload(a), nc_ip_bytes(ifa->ifa_family));
			have = true;
		}
	}
	if (!have)
		return 0;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		struct nc_prefix *v = realloc(l->v, ncap * sizeof(*v));
		if (!v) {
			l->oom = true;
			return 0;
		}
		l->v = v;
		l->cap = ncap;
	}
	l->v[l->n++] = p;
	return 0;
}

int netd_link_addrs(struct netd *nd, const char *name, struct nc_prefix **out, size_t *n,
		    nc_err *err)
{
	struct addr_list l = { 0 };
	int r = netd_ifindex(&nd->nl, name, &l.index, err);

	if (r < 0)
		return r;
	nc_nl_msg(&nd->nl, RTM_GETADDR, NLM_F_DUMP, sizeof(struct ifaddrmsg),
		  "list addresses of `%s`", name);
	r = nc_nl_dump(&nd->nl, addr_cb, &l, err);
	if (r == 0 && l.oom)
		r = nc_err_errno(err, ENOMEM, "list addresses of `%s`", name);
	if (r < 0) {
		free(l.v);
		return r;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}
