/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rtnetlink messages netd sends, built into a session's queue and not
 * sent: the callers decide what goes in one batch. Kept apart from the
 * sending so unit tests can build them without a socket and read them back.
 * Each message is labelled with the object it acts on.
 */
#ifndef NC_NETD_MSG_H
#define NC_NETD_MSG_H

#include "common/inet.h"
#include "netd/netd.h"
#include "netd/nl.h"

/* 0, or -EINVAL with a message when `name` cannot be an interface name
 * (empty, over 15 characters, "." or "..", or holding '/', ':' or
 * whitespace, which the kernel refuses: dev_valid_name()). */
int netd_check_ifname(const char *name, const char *what, nc_err *err);

/* RTM_GETLINK of one link by name, without statistics. */
void netd_msg_getlink(struct nc_nl *nl, const char *name);

/* RTM_NEWLINK on an existing link, found by name (index 0). */
void netd_msg_up(struct nc_nl *nl, const char *name);
void netd_msg_mtu(struct nc_nl *nl, const char *name, uint32_t mtu);
void netd_msg_alias(struct nc_nl *nl, const char *name, const char *alias);
/* Administrative state only (ifi_change = IFF_UP): nothing else of the
 * link changes. */
void netd_msg_set_up(struct nc_nl *nl, const char *name, bool up);

/* RTM_DELQDISC of the root qdisc of link `index` (back to the default). */
void netd_msg_delqdisc_root(struct nc_nl *nl, int index, const char *name);

/* RTM_GETQDISC dump (every qdisc of the namespace). */
void netd_msg_dumpqdiscs(struct nc_nl *nl);

/* Reads an RTM_NEWLINK answer into *st (flags, operstate, name); false
 * when it is another message. */
bool netd_parse_link(const struct nlmsghdr *nlh, int *index, struct netd_link_state *st);

/* Reads an RTM_NEWQDISC answer: its link, whether it is the root qdisc,
 * its kind and, for netem and tbf, the shaping it applies. False when it
 * is another message. */
bool netd_parse_qdisc(const struct nlmsghdr *nlh, int *index, bool *root, char *kind,
		      size_t kind_size, struct netd_shape *shape);

/* RTM_NEWLINK creating a bridge: name, group, MTU and IFF_UP in one
 * request, so a taken name (EEXIST) changes nothing. */
void netd_msg_bridge(struct nc_nl *nl, const struct netd_bridge_spec *spec);

/* RTM_NEWLINK creating a veth pair: the host end with group, MTU, master
 * (index, 0 = none) and IFF_UP; the peer born in spec->peer_nsfd with its
 * name, MAC and MTU (VETH_INFO_PEER + IFLA_NET_NS_FD). */
void netd_msg_veth(struct nc_nl *nl, const struct netd_veth_spec *spec, int master);

/* RTM_NEWLINK creating a veth pair whose two ends are born in two other
 * namespaces. */
void netd_msg_p2p(struct nc_nl *nl, const struct netd_p2p_spec *spec);

/* RTM_DELLINK by name; and of every link of a group (index 0 + IFLA_GROUP:
 * the kernel unregisters them all in one batch, one RCU grace period for
 * the lot instead of one per link). */
void netd_msg_dellink(struct nc_nl *nl, const char *name);
void netd_msg_delgroup(struct nc_nl *nl, uint32_t group);

/* RTM_GETLINK dump of every link, without statistics. */
void netd_msg_dumplinks(struct nc_nl *nl);

/* RTM_NEWADDR of addr/len on link `index` (`dev` names it in the label).
 * IPv6 with IFA_F_NODAD; IPv4 with the broadcast address, as `ip addr add
 * ... brd +` gives it. */
void netd_msg_addr(struct nc_nl *nl, int index, const char *dev, const struct nc_prefix *addr);

/* RTM_NEWROUTE to dst (len 0: default) via gw (family 0: on-link) out of
 * `oif` (0: the kernel picks by the gateway). */
void netd_msg_route(struct nc_nl *nl, const struct nc_prefix *dst, const struct nc_ip *gw, int oif,
		    const char *dev);

#endif
