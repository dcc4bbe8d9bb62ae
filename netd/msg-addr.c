/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RTM_NEWADDR and RTM_NEWROUTE messages. */
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "netd/msg.h"

void netd_msg_addr(struct nc_nl *nl, int index, const char *dev, const struct nc_prefix *addr)
{
	char a[NC_PREFIX_STRLEN];
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL,
					 sizeof(struct ifaddrmsg), "add address %s to `%s`",
					 nc_prefix_str(addr, a), dev);
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	size_t len = nc_ip_bytes(addr->ip.family);

	ifa->ifa_family = addr->ip.family;
	ifa->ifa_prefixlen = addr->len;
	ifa->ifa_index = (uint32_t)index;
	mnl_attr_put(nlh, IFA_LOCAL, len, addr->ip.a);
	mnl_attr_put(nlh, IFA_ADDRESS, len, addr->ip.a);
	if (addr->ip.family == AF_INET6) {
		/* Usable at once: an address left tentative in duplicate
		 * address detection fails a container's first bind() with
		 * EADDRNOTAVAIL. The 8-bit ifa_flags carries it for old
		 * kernels, IFA_FLAGS (3.14+) for new ones. */
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	} else if (addr->len < 31) {
		/* The all-ones broadcast, as `ip addr add ... brd +` sets it;
		 * /31 and /32 have none (RFC 3021). */
		struct nc_prefix net = nc_prefix_network(addr);
		uint8_t b[4];
		memcpy(b, net.ip.a, 4);
		for (unsigned bit = addr->len; bit < 32; bit++)
			b[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		mnl_attr_put(nlh, IFA_BROADCAST, 4, b);
	}
}

void netd_msg_route(struct nc_nl *nl, const struct nc_prefix *dst, const struct nc_ip *gw, int oif,
		    const char *dev)
{
	char d[NC_PREFIX_STRLEN], g[NC_IP_STRLEN];
	int family = dst->ip.family ? dst->ip.family : gw->family;
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL,
					 sizeof(struct rtmsg), "add route to %s via %s%s%s%s",
					 dst->len ? nc_prefix_str(dst, d) : "default",
					 gw->family ? nc_ip_str(gw, g) : "link",
					 dev ? " dev `" : "", dev ? dev : "", dev ? "`" : "");
	struct rtmsg *rt = mnl_nlmsg_get_payload(nlh);

	rt->rtm_family = (uint8_t)family;
	rt->rtm_dst_len = dst->len;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_STATIC;
	/* A gateway makes it a universe route; without one the destination
	 * is on the link. */
	rt->rtm_scope = gw->family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rt->rtm_type = RTN_UNICAST;
	/* As given: IPv4 refuses host bits with a reason in the extack,
	 * which says more than a silent fix would. */
	if (dst->len)
		mnl_attr_put(nlh, RTA_DST, nc_ip_bytes(family), dst->ip.a);
	if (gw->family)
		mnl_attr_put(nlh, RTA_GATEWAY, nc_ip_bytes(family), gw->a);
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
}
