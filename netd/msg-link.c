/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RTM_{NEW,DEL,GET}LINK messages. */
#include <ctype.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <string.h>

#include "netd/msg.h"

int netd_check_ifname(const char *name, const char *what, nc_err *err)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0)
		return nc_err_msg(err, EINVAL, "%s: empty interface name", what);
	if (n >= IF_NAMESIZE)
		return nc_err_msg(err, EINVAL, "%s: interface name `%s` is longer than %d characters",
				  what, name, IF_NAMESIZE - 1);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return nc_err_msg(err, EINVAL, "%s: invalid interface name `%s`", what, name);
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return nc_err_msg(err, EINVAL,
					  "%s: interface name `%s` holds '/', ':' or a space", what,
					  name);
	return 0;
}

static struct ifinfomsg *ifinfo(struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload(nlh);
}

void netd_msg_getlink(struct nc_nl *nl, const char *name)
{
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_GETLINK, 0, sizeof(struct ifinfomsg),
					 "look up interface `%s`", name);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	/* Without this the kernel sends every statistic of the link. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
}

void netd_msg_up(struct nc_nl *nl, const char *name)
{
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_NEWLINK, 0, sizeof(struct ifinfomsg),
					 "bring `%s` up", name);
	ifinfo(nlh)->ifi_flags = IFF_UP;
	ifinfo(nlh)->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
}

void netd_msg_set_up(struct nc_nl *nl, const char *name, bool up)
{
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_NEWLINK, 0, sizeof(struct ifinfomsg),
					 "bring `%s` %s", name, up ? "up" : "down");
	ifinfo(nlh)->ifi_flags = up ? IFF_UP : 0;
	ifinfo(nlh)->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
}

void netd_msg_mtu(struct nc_nl *nl, const char *name, uint32_t mtu)
{
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_NEWLINK, 0, sizeof(struct ifinfomsg),
					 "set MTU of `%s` to %u", name, mtu);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
}

void netd_msg_alias(struct nc_nl *nl, const char *name, const char *alias)
{
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_NEWLINK, 0, sizeof(struct ifinfomsg),
					 "label `%s` as `%s`", name, alias);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
}

void netd_msg_bridge(struct nc_nl *nl, const struct netd_bridge_spec *spec)
{
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
					 sizeof(struct ifinfomsg), "create bridge `%s`", spec->name);
	/* Flags given at creation are applied by rtnl_configure_link(). A
	 * bridge without IPv6 is brought up later: up, it would get an IPv6
	 * link-local address at once. */
	ifinfo(nlh)->ifi_flags = spec->no_ipv6 ? 0 : IFF_UP;
	ifinfo(nlh)->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, spec->name);
	if (spec->group)
		mnl_attr_put_u32(nlh, IFLA_GROUP, spec->group);
	if (spec->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, spec->mtu);
	struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, li);
}

/* Opens IFLA_LINKINFO { kind veth, data { VETH_INFO_PEER { ifinfomsg,
 * attributes... } } }: the peer's nest starts with its own ifinfomsg, not
 * with an attribute (veth_newlink() parses it with nlmsg_parse-like
 * offsets). Returns the three nests to close, innermost last. */
static void veth_peer_start(struct nlmsghdr *nlh, struct nlattr *nest[3])
{
	nest[0] = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	nest[1] = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	nest[2] = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	struct ifinfomsg *pm = mnl_nlmsg_get_payload_tail(nlh);
	memset(pm, 0, sizeof(*pm));
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*pm));
}

static void veth_peer_end(struct nlmsghdr *nlh, struct nlattr *nest[3])
{
	mnl_attr_nest_end(nlh, nest[2]);
	mnl_attr_nest_end(nlh, nest[1]);
	mnl_attr_nest_end(nlh, nest[0]);
}

void netd_msg_veth(struct nc_nl *nl, const struct netd_veth_spec *spec, int master)
{
	struct nlattr *nest[3];
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
					 sizeof(struct ifinfomsg),
					 "create veth `%s` (peer `%s` in netns fd %d)", spec->host_name,
					 spec->peer_name, spec->peer_nsfd);

	/* Up at once: the carrier follows when the peer comes up inside. */
	ifinfo(nlh)->ifi_flags = IFF_UP;
	ifinfo(nlh)->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, spec->host_name);
	if (master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	if (spec->group)
		mnl_attr_put_u32(nlh, IFLA_GROUP, spec->group);
	if (spec->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, spec->mtu);
	veth_peer_start(nlh, nest);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, spec->peer_name);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)spec->peer_nsfd);
	if (spec->peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, spec->peer_mac);
	if (spec->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, spec->mtu);
	veth_peer_end(nlh, nest);
}

void netd_msg_p2p(struct nc_nl *nl, const struct netd_p2p_spec *spec)
{
	struct nlattr *nest[3];
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
					 sizeof(struct ifinfomsg),
					 "create link `%s` (netns fd %d) <-> `%s` (netns fd %d)",
					 spec->a.name, spec->a.nsfd, spec->b.name, spec->b.nsfd);

	/* IFLA_NET_NS_FD at the top level makes rtnl_newlink() create the
	 * first end in namespace a; the peer's own goes to namespace b. */
	mnl_attr_put_strz(nlh, IFLA_IFNAME, spec->a.name);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)spec->a.nsfd);
	if (spec->a.mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, spec->a.mac);
	if (spec->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, spec->mtu);
	veth_peer_start(nlh, nest);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, spec->b.name);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)spec->b.nsfd);
	if (spec->b.mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, spec->b.mac);
	if (spec->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, spec->mtu);
	veth_peer_end(nlh, nest);
}

void netd_msg_dellink(struct nc_nl *nl, const char *name)
{
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_DELLINK, 0, sizeof(struct ifinfomsg),
					 "delete interface `%s`", name);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
}

void netd_msg_delgroup(struct nc_nl *nl, uint32_t group)
{
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_DELLINK, 0, sizeof(struct ifinfomsg),
					 "delete link group %u", group);
	mnl_attr_put_u32(nlh, IFLA_GROUP, group);
}

void netd_msg_dumplinks(struct nc_nl *nl)
{
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_GETLINK, NLM_F_DUMP, sizeof(struct ifinfomsg),
					 "list interfaces");
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
}
