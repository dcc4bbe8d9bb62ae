/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rtnetlink messages netd builds, read back attribute by attribute,
 * and the engine's receive side fed with answers crafted here: sequence
 * matching, errors with their extended ACK, the first failure of a batch
 * named by its own label. No socket, no privilege.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netd/msg.h"
#include "netd/nl.h"

static struct nc_prefix P(const char *s)
{
	struct nc_prefix p;
	assert_int_equal(nc_prefix_parse(s, false, &p), 0);
	return p;
}

static struct nc_ip I(const char *s)
{
	struct nc_ip ip;
	assert_int_equal(nc_ip_parse(s, &ip), 0);
	return ip;
}

/* Attributes of one level, by type (the last one wins). */
struct attrs {
	const struct nlattr *a[64];
};

static void parse_level(const void *start, size_t len, struct attrs *t)
{
	memset(t, 0, sizeof(*t));
	const struct nlattr *a = start;
	int left = (int)len;
	while (mnl_attr_ok(a, left)) {
		uint16_t type = mnl_attr_get_type(a);
		if (type < 64)
			t->a[type] = a;
		left -= (int)MNL_ALIGN(a->nla_len);
		a = mnl_attr_next(a);
	}
	assert_int_equal(left, 0); /* nothing left over, nothing cut short */
}

static void parse_msg(const struct nlmsghdr *nlh, size_t hdrlen, struct attrs *t)
{
	const char *payload = mnl_nlmsg_get_payload(nlh);
	size_t off = MNL_ALIGN(hdrlen);
	parse_level(payload + off, mnl_nlmsg_get_payload_len(nlh) - off, t);
}

static void parse_nest(const struct nlattr *nest, size_t skip, struct attrs *t)
{
	assert_non_null(nest);
	const char *p = mnl_attr_get_payload(nest);
	size_t off = MNL_ALIGN(skip);
	parse_level(p + off, mnl_attr_get_payload_len(nest) - off, t);
}

static void test_veth_message(void **state)
{
	(void)state;
	struct nc_nl nl = { .seq = 1 };
	const uint8_t mac[6] = { 0x02, 1, 2, 3, 4, 5 };
	struct netd_veth_spec v = { .host_name = "nc-lab-r1-0", .host_alias = "ncompose:lab/x",
				    .bridge = "nc-lab-lan", .group = 77, .peer_nsfd = 7,
				    .peer_name = "eth0", .peer_mac = mac, .mtu = 1400 };
	struct attrs top, info, data, peer;

	netd_msg_veth(&nl, &v, 42);
	assert_int_equal(nc_nl_queued(&nl), 1);
	const struct nlmsghdr *nlh = nc_nl_queued_msg(&nl, 0);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(nc_nl_queued_bytes(&nl), NLMSG_ALIGN(nlh->nlmsg_len));
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifm->ifi_flags & IFF_UP, IFF_UP);
	assert_int_equal(ifm->ifi_change & IFF_UP, IFF_UP);

	/* The host end: name, master, group, MTU in the same request. */
	parse_msg(nlh, sizeof(*ifm), &top);
	assert_string_equal(mnl_attr_get_str(top.a[IFLA_IFNAME]), "nc-lab-r1-0");
	assert_int_equal(mnl_attr_get_u32(top.a[IFLA_MASTER]), 42);
	assert_int_equal(mnl_attr_get_u32(top.a[IFLA_GROUP]), 77);
	assert_int_equal(mnl_attr_get_u32(top.a[IFLA_MTU]), 1400);
	assert_null(top.a[IFLA_NET_NS_FD]); /* the host end stays here */
	/* The alias cannot ride along (the kernel ignores it at creation). */
	assert_null(top.a[IFLA_IFALIAS]);

	parse_nest(top.a[IFLA_LINKINFO], 0, &info);
	assert_string_equal(mnl_attr_get_str(info.a[IFLA_INFO_KIND]), "veth");
	parse_nest(info.a[IFLA_INFO_DATA], 0, &data);
	/* The peer nest starts with its own ifinfomsg. */
	parse_nest(data.a[VETH_INFO_PEER], sizeof(struct ifinfomsg), &peer);
	assert_string_equal(mnl_attr_get_str(peer.a[IFLA_IFNAME]), "eth0");
	assert_int_equal(mnl_attr_get_u32(peer.a[IFLA_NET_NS_FD]), 7);
	assert_int_equal(mnl_attr_get_payload_len(peer.a[IFLA_ADDRESS]), 6);
	assert_memory_equal(mnl_attr_get_payload(peer.a[IFLA_ADDRESS]), mac, 6);
	assert_int_equal(mnl_attr_get_u32(peer.a[IFLA_MTU]), 1400);

	/* The label names the object for the error. */
	assert_string_equal(nl.req[0].what, "create veth `nc-lab-r1-0` (peer `eth0` in netns fd 7)");
	nc_nl_close(&nl);
}

static void test_veth_without_options(void **state)
{
	(void)state;
	struct nc_nl nl = { .seq = 1 };
	struct netd_veth_spec v = { .host_name = "h0", .peer_nsfd = 3, .peer_name = "eth0" };
	struct attrs top, info, data, peer;

	netd_msg_veth(&nl, &v, 0);
	parse_msg(nc_nl_queued_msg(&nl, 0), sizeof(struct ifinfomsg), &top);
	assert_null(top.a[IFLA_MASTER]);
	assert_null(top.a[IFLA_GROUP]);
	assert_null(top.a[IFLA_MTU]);
	parse_nest(top.a[IFLA_LINKINFO], 0, &info);
	parse_nest(info.a[IFLA_INFO_DATA], 0, &data);
	parse_nest(data.a[VETH_INFO_PEER], sizeof(struct ifinfomsg), &peer);
	assert_null(peer.a[IFLA_ADDRESS]); /* the kernel picks a random MAC */
	assert_null(peer.a[IFLA_MTU]);
	nc_nl_close(&nl);
}

static void test_p2p_message(void **state)
{
	(void)state;
	struct nc_nl nl = { .seq = 1 };
	struct netd_p2p_spec s = { .a = { 5, "r1-eth1", NULL }, .b = { 6, "r2-eth1", NULL },
				   .mtu = 9000 };
	struct attrs top, info, data, peer;

	netd_msg_p2p(&nl, &s);
	parse_msg(nc_nl_queued_msg(&nl, 0), sizeof(struct ifinfomsg), &top);
	assert_string_equal(mnl_attr_get_str(top.a[IFLA_IFNAME]), "r1-eth1");
	assert_int_equal(mnl_attr_get_u32(top.a[IFLA_NET_NS_FD]), 5);
	parse_nest(top.a[IFLA_LINKINFO], 0, &info);
	parse_nest(info.a[IFLA_INFO_DATA], 0, &data);
	parse_nest(data.a[VETH_INFO_PEER], sizeof(struct ifinfomsg), &peer);
	assert_string_equal(mnl_attr_get_str(peer.a[IFLA_IFNAME]), "r2-eth1");
	assert_int_equal(mnl_attr_get_u32(peer.a[IFLA_NET_NS_FD]), 6);
	assert_int_equal(mnl_attr_get_u32(peer.a[IFLA_MTU]), 9000);
	nc_nl_close(&nl);
}

static void test_bridge_and_link_messages(void **state)
{
	(void)state;
	struct nc_nl nl = { .seq = 10 };
	struct netd_bridge_spec br = { .name = "nc-lab-lan", .group = 9, .mtu = 9000 };
	struct attrs t, info;

	netd_msg_bridge(&nl, &br);
	netd_msg_alias(&nl, "nc-lab-lan", "ncompose:lab/network/lan");
	netd_msg_up(&nl, "eth0");
	netd_msg_mtu(&nl, "eth0", 1280);
	netd_msg_delgroup(&nl, 9);
	netd_msg_dellink(&nl, "nc-old");
	netd_msg_dumplinks(&nl);
	assert_int_equal(nc_nl_queued(&nl), 7);
	/* Consecutive sequence numbers: answers are matched by them. */
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(nc_nl_queued_msg(&nl, i)->nlmsg_seq, 10 + i);

	const struct nlmsghdr *nlh = nc_nl_queued_msg(&nl, 0);
	assert_int_equal(((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_flags, IFF_UP);
	parse_msg(nlh, sizeof(struct ifinfomsg), &t);
	assert_int_equal(mnl_attr_get_u32(t.a[IFLA_GROUP]), 9);
	assert_int_equal(mnl_attr_get_u32(t.a[IFLA_MTU]), 9000);
	parse_nest(t.a[IFLA_LINKINFO], 0, &info);
	assert_string_equal(mnl_attr_get_str(info.a[IFLA_INFO_KIND]), "bridge");

	/* A bridge without IPv6 is created down: up, it would get an IPv6
	 * link-local address before disable_ipv6 could be written. */
	struct nc_nl nl6 = { .seq = 1 };
	struct netd_bridge_spec br6 = { .name = "nc-lab-back", .no_ipv6 = true };
	netd_msg_bridge(&nl6, &br6);
	const struct ifinfomsg *ifi6 = mnl_nlmsg_get_payload(nc_nl_queued_msg(&nl6, 0));
	assert_int_equal(ifi6->ifi_flags, 0);
	assert_int_equal(ifi6->ifi_change, IFF_UP);
	nc_nl_close(&nl6);

	/* Changes find the link by name: index 0, no CREATE. */
	nlh = nc_nl_queued_msg(&nl, 1);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index, 0);
	parse_msg(nlh, sizeof(struct ifinfomsg), &t);
	assert_string_equal(mnl_attr_get_str(t.a[IFLA_IFALIAS]), "ncompose:lab/network/lan");

	parse_msg(nc_nl_queued_msg(&nl, 3), sizeof(struct ifinfomsg), &t);
	assert_int_equal(mnl_attr_get_u32(t.a[IFLA_MTU]), 1280);

	/* The bulk delete: index 0 and the group. */
	nlh = nc_nl_queued_msg(&nl, 4);
	assert_int_equal(nlh->nlmsg_type, RTM_DELLINK);
	parse_msg(nlh, sizeof(struct ifinfomsg), &t);
	assert_int_equal(mnl_attr_get_u32(t.a[IFLA_GROUP]), 9);
	assert_null(t.a[IFLA_IFNAME]);

	/* A dump carries no ACK request: it ends with NLMSG_DONE. */
	nlh = nc_nl_queued_msg(&nl, 6);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_true(nl.req[6].dump);
	nc_nl_close(&nl);
}

static void test_address_messages(void **state)
{
	(void)state;
	struct nc_nl nl = { .seq = 1 };
	struct nc_prefix v6 = P("fd00:1::10/64"), v4 = P("10.0.1.10/24"), p2p = P("10.0.12.1/31");
	struct attrs t;

	netd_msg_addr(&nl, 4, "eth0", &v6);
	netd_msg_addr(&nl, 4, "eth0", &v4);
	netd_msg_addr(&nl, 5, "eth1", &p2p);

	const struct nlmsghdr *nlh = nc_nl_queued_msg(&nl, 0);
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET6);
	assert_int_equal(ifa->ifa_prefixlen, 64);
	assert_int_equal(ifa->ifa_index, 4);
	assert_int_equal(ifa->ifa_flags, IFA_F_NODAD); /* never tentative */
	parse_msg(nlh, sizeof(*ifa), &t);
	assert_int_equal(mnl_attr_get_u32(t.a[IFA_FLAGS]), IFA_F_NODAD);
	assert_memory_equal(mnl_attr_get_payload(t.a[IFA_LOCAL]), v6.ip.a, 16);
	assert_null(t.a[IFA_BROADCAST]);
	assert_string_equal(nl.req[0].what, "add address fd00:1::10/64 to `eth0`");

	nlh = nc_nl_queued_msg(&nl, 1);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_flags, 0);
	parse_msg(nlh, sizeof(*ifa), &t);
	const uint8_t brd[4] = { 10, 0, 1, 255 };
	assert_int_equal(mnl_attr_get_payload_len(t.a[IFA_BROADCAST]), 4);
	assert_memory_equal(mnl_attr_get_payload(t.a[IFA_BROADCAST]), brd, 4);
	assert_memory_equal(mnl_attr_get_payload(t.a[IFA_ADDRESS]), v4.ip.a, 4);

	/* A /31 has no broadcast (RFC 3021). */
	parse_msg(nc_nl_queued_msg(&nl, 2), sizeof(*ifa), &t);
	assert_null(t.a[IFA_BROADCAST]);
	nc_nl_close(&nl);
}

static void test_route_messages(void **state)
{
	(void)state;
	struct nc_nl nl = { .seq = 1 };
	struct nc_prefix dflt = { .ip.family = AF_INET }, net6 = P("fd00:2::/64");
	struct nc_ip gw = I("10.0.1.1"), none = { 0 };
	struct attrs t;

	netd_msg_route(&nl, &dflt, &gw, 0, NULL);
	netd_msg_route(&nl, &net6, &none, 3, "eth1");

	const struct nlmsghdr *nlh = nc_nl_queued_msg(&nl, 0);
	const struct rtmsg *rt = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rt->rtm_family, AF_INET);
	assert_int_equal(rt->rtm_dst_len, 0);
	assert_int_equal(rt->rtm_scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(rt->rtm_table, RT_TABLE_MAIN);
	parse_msg(nlh, sizeof(*rt), &t);
	assert_null(t.a[RTA_DST]);
	assert_null(t.a[RTA_OIF]);
	assert_memory_equal(mnl_attr_get_payload(t.a[RTA_GATEWAY]), gw.a, 4);
	assert_string_equal(nl.req[0].what, "add route to default via 10.0.1.1");

	nlh = nc_nl_queued_msg(&nl, 1);
	rt = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rt->rtm_family, AF_INET6);
	assert_int_equal(rt->rtm_dst_len, 64);
	assert_int_equal(rt->rtm_scope, RT_SCOPE_LINK); /* no gateway: on the link */
	parse_msg(nlh, sizeof(*rt), &t);
	assert_null(t.a[RTA_GATEWAY]);
	assert_int_equal(mnl_attr_get_u32(t.a[RTA_OIF]), 3);
	assert_memory_equal(mnl_attr_get_payload(t.a[RTA_DST]), net6.ip.a, 16);
	assert_string_equal(nl.req[1].what, "add route to fd00:2::/64 via link dev `eth1`");
	nc_nl_close(&nl);
}

/* An NLMSG_ERROR as the kernel writes it, capped or echoing the request. */
static size_t put_error(char *buf, uint32_t portid, uint32_t seq, int error, const char *extack,
			const struct nlmsghdr *echo)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_pid = portid;
	nlh->nlmsg_seq = seq;
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	if (echo) {
		e->msg = *echo;
		size_t n = echo->nlmsg_len - sizeof(*echo);
		memcpy(mnl_nlmsg_get_payload_tail(nlh), mnl_nlmsg_get_payload(echo), n);
		nlh->nlmsg_len += MNL_ALIGN(n);
	} else {
		e->msg.nlmsg_len = sizeof(struct nlmsghdr);
		e->msg.nlmsg_seq = seq;
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	}
	if (extack) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, extack);
	}
	return nlh->nlmsg_len;
}

static void test_extack_capped_and_echoed(void **state)
{
	(void)state;
	_Alignas(4) char buf[1024], out[NC_NL_EXTACK_MAX];
	struct nc_nl nl = { .seq = 1 };

	put_error(buf, 0, 1, -EEXIST, "File exists in bridge", NULL);
	nc_nl_extack((struct nlmsghdr *)buf, out, sizeof(out));
	assert_string_equal(out, "File exists in bridge");

	/* Without NETLINK_CAP_ACK the request comes back first. */
	netd_msg_alias(&nl, "eth0", "a label of some length");
	put_error(buf, 0, 1, -EINVAL, "Attribute failed policy validation",
		  nc_nl_queued_msg(&nl, 0));
	nc_nl_extack((struct nlmsghdr *)buf, out, sizeof(out));
	assert_string_equal(out, "Attribute failed policy validation");

	put_error(buf, 0, 1, -EPERM, NULL, NULL);
	nc_nl_extack((struct nlmsghdr *)buf, out, sizeof(out));
	assert_string_equal(out, "");
	nc_nl_close(&nl);
}

/* Three pipelined requests answered out of order, with noise: each answer
 * lands on its own request, and the error names the request that failed. */
static void test_batch_answers_matched_by_sequence(void **state)
{
	(void)state;
	_Alignas(4) char buf[4096];
	struct nc_nl nl = { .seq = 100, .portid = 4242 };
	struct nc_prefix a = P("10.0.0.2/24"), b = P("10.0.0.3/24"), c = P("10.0.0.4/24");
	nc_err err;
	size_t len = 0;

	netd_msg_addr(&nl, 2, "eth0", &a);
	netd_msg_addr(&nl, 2, "eth0", &b);
	netd_msg_addr(&nl, 2, "eth0", &c);
	len += put_error(buf + len, 4242, 101, -EEXIST, "Address already assigned", NULL);
	len += put_error(buf + len, 4242, 99, -ENODEV, "stale", NULL);  /* an old exchange */
	len += put_error(buf + len, 777, 102, -EPERM, "not ours", NULL); /* another socket */
	len += put_error(buf + len, 4242, 100, 0, NULL, NULL);
	assert_int_equal(nc_nl_consume(&nl, buf, len), 2);
	/* Not all answered yet. */
	assert_int_equal(nc_nl_outcome(&nl, NULL, &err), -EEXIST);
	len = put_error(buf, 4242, 102, 0, NULL, NULL);
	len += put_error(buf + len, 4242, 102, -EPERM, NULL, NULL); /* a duplicate: ignored */
	assert_int_equal(nc_nl_consume(&nl, buf, len), 1);

	assert_int_equal(nl.req[0].error, 0);
	assert_int_equal(nl.req[1].error, EEXIST);
	assert_int_equal(nl.req[2].error, 0);
	assert_int_equal(nc_nl_outcome(&nl, NULL, &err), -EEXIST);
	assert_int_equal(err.errnum, EEXIST);
	assert_non_null(strstr(err.msg, "add address 10.0.0.3/24 to `eth0`"));
	assert_non_null(strstr(err.msg, "Address already assigned"));
	/* Listed as harmless: success. */
	static const int harmless[] = { EEXIST, 0 };
	assert_int_equal(nc_nl_outcome(&nl, harmless, &err), 0);
	nc_nl_close(&nl);
}

static void test_batch_reports_how_many_failed(void **state)
{
	(void)state;
	_Alignas(4) char buf[4096];
	struct nc_nl nl = { .seq = 1 };
	nc_err err;
	size_t len = 0;

	for (int i = 0; i < 3; i++)
		netd_msg_up(&nl, i == 0 ? "eth0" : i == 1 ? "eth1" : "eth2");
	len += put_error(buf + len, 0, 3, -ENODEV, NULL, NULL);
	len += put_error(buf + len, 0, 2, -ENODEV, NULL, NULL);
	len += put_error(buf + len, 0, 1, 0, NULL, NULL);
	assert_int_equal(nc_nl_consume(&nl, buf, len), 3);
	assert_int_equal(nc_nl_outcome(&nl, NULL, &err), -ENODEV);
	assert_non_null(strstr(err.msg, "bring `eth1` up"));
	assert_non_null(strstr(err.msg, "and 1 more request of the batch"));
	nc_nl_close(&nl);
}

static int count_links(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		(*(int *)data)++;
	return 0;
}

/* A dump: data for the callback, then NLMSG_DONE (which may carry an
 * error of its own). */
static void test_dump_answers(void **state)
{
	(void)state;
	_Alignas(4) char buf[4096];
	struct nc_nl nl = { .seq = 5 };
	nc_err err;
	int links = 0;

	netd_msg_dumplinks(&nl);
	size_t len = 0;
	for (int i = 0; i < 2; i++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + len);
		nlh->nlmsg_type = RTM_NEWLINK;
		nlh->nlmsg_flags = NLM_F_MULTI | (i ? NLM_F_DUMP_INTR : 0);
		nlh->nlmsg_seq = 5;
		mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
		len += nlh->nlmsg_len;
	}
	nl.cb = count_links;
	nl.cb_data = &links;
	assert_int_equal(nc_nl_consume(&nl, buf, len), 0);
	assert_int_equal(links, 2);
	assert_true(nl.interrupted);

	struct nlmsghdr *done = mnl_nlmsg_put_header(buf);
	done->nlmsg_type = NLMSG_DONE;
	done->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	done->nlmsg_seq = 5;
	int *e = mnl_nlmsg_put_extra_header(done, sizeof(int));
	*e = -EMSGSIZE;
	mnl_attr_put_strz(done, NLMSGERR_ATTR_MSG, "dump too big");
	assert_int_equal(nc_nl_consume(&nl, buf, done->nlmsg_len), 1);
	assert_int_equal(nc_nl_outcome(&nl, NULL, &err), -EMSGSIZE);
	assert_non_null(strstr(err.msg, "list interfaces"));
	assert_non_null(strstr(err.msg, "dump too big"));
	nc_nl_close(&nl);
}

/* Without a socket nothing is sent, and the queue says so. */
static void test_flush_without_socket(void **state)
{
	(void)state;
	struct nc_nl nl = { .seq = 1 };
	nc_err err;

	assert_int_equal(nc_nl_flush(&nl, NULL, &err), 0); /* nothing queued */
	netd_msg_up(&nl, "eth0");
	assert_int_equal(nc_nl_flush(&nl, NULL, &err), -ENOTCONN);
	assert_non_null(strstr(err.msg, "bring `eth0` up"));
	assert_int_equal(nc_nl_queued(&nl), 0);
	nc_nl_close(&nl);
}

static void test_interface_names(void **state)
{
	(void)state;
	nc_err err;

	assert_int_equal(netd_check_ifname("eth0", "x", &err), 0);
	assert_int_equal(netd_check_ifname("r0-eth1.100", "x", &err), 0);
	assert_int_equal(netd_check_ifname("123456789012345", "x", &err), 0);
	assert_int_equal(netd_check_ifname("1234567890123456", "create veth", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "create veth: interface name `1234567890123456` is longer"));
	assert_int_equal(netd_check_ifname("", "x", &err), -EINVAL);
	assert_int_equal(netd_check_ifname(NULL, "x", &err), -EINVAL);
	assert_int_equal(netd_check_ifname("..", "x", &err), -EINVAL);
	assert_int_equal(netd_check_ifname("a/b", "x", &err), -EINVAL);
	assert_int_equal(netd_check_ifname("a:b", "x", &err), -EINVAL);
	assert_int_equal(netd_check_ifname("a b", "x", &err), -EINVAL);
}

/* Live link control: down is IFF_UP cleared with nothing else changed;
 * the root qdisc removed by parent; answers read back. */
static void test_live_link_messages(void **state)
{
	(void)state;
	struct nc_nl nl = { .seq = 1 };

	netd_msg_set_up(&nl, "eth1", false);
	netd_msg_set_up(&nl, "eth1", true);
	netd_msg_delqdisc_root(&nl, 7, "eth1");
	const struct nlmsghdr *nlh = nc_nl_queued_msg(&nl, 0);
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(ifi->ifi_flags, 0);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	ifi = mnl_nlmsg_get_payload(nc_nl_queued_msg(&nl, 1));
	assert_int_equal(ifi->ifi_flags, IFF_UP);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	nlh = nc_nl_queued_msg(&nl, 2);
	const struct tcmsg *tc = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_DELQDISC);
	assert_int_equal(tc->tcm_ifindex, 7);
	assert_int_equal(tc->tcm_parent, TC_H_ROOT);
	nc_nl_close(&nl);

	/* A link answer: up, no carrier (the veth's peer is down). */
	char buf[512] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *a = mnl_nlmsg_put_header(buf);
	a->nlmsg_type = RTM_NEWLINK;
	struct ifinfomsg *ai = mnl_nlmsg_put_extra_header(a, sizeof(*ai));
	ai->ifi_index = 5;
	ai->ifi_flags = IFF_UP;
	mnl_attr_put_u8(a, IFLA_OPERSTATE, 3);
	mnl_attr_put_strz(a, IFLA_QDISC, "netem");
	struct netd_link_state st;
	int index;
	assert_true(netd_parse_link(a, &index, &st));
	assert_int_equal(index, 5);
	assert_true(st.up);
	assert_false(st.carrier);
	assert_string_equal(netd_operstate_name(st.operstate), "LOWERLAYERDOWN");
	assert_string_equal(st.qdisc, "netem");

	/* A netem answer: its struct, then 64-bit delay and jitter. */
	memset(buf, 0, sizeof(buf));
	a = mnl_nlmsg_put_header(buf);
	a->nlmsg_type = RTM_NEWQDISC;
	struct tcmsg *at = mnl_nlmsg_put_extra_header(a, sizeof(*at));
	at->tcm_ifindex = 5;
	at->tcm_parent = TC_H_ROOT;
	mnl_attr_put_strz(a, TCA_KIND, "netem");
	struct nlattr *opt = mnl_attr_nest_start(a, TCA_OPTIONS);
	struct tc_netem_qopt q = { .latency = 1, .loss = UINT32_MAX / 100 };
	memcpy(mnl_nlmsg_get_payload_tail(a), &q, sizeof(q));
	a->nlmsg_len += MNL_ALIGN(sizeof(q));
	mnl_attr_put_u64(a, TCA_NETEM_LATENCY64, 100000000ULL);
	mnl_attr_put_u64(a, TCA_NETEM_JITTER64, 5000000ULL);
	mnl_attr_nest_end(a, opt);
	struct netd_shape sh;
	char kind[16];
	bool root;
	assert_true(netd_parse_qdisc(a, &index, &root, kind, sizeof(kind), &sh));
	assert_true(root);
	assert_string_equal(kind, "netem");
	assert_int_equal(sh.delay_us, 100000);
	assert_int_equal(sh.jitter_us, 5000);
	assert_true(sh.loss_pct > 0.99 && sh.loss_pct < 1.01);
	assert_int_equal(sh.rate_bps, 0);

	/* A tbf answer: the rate in bytes per second. */
	memset(buf, 0, sizeof(buf));
	a = mnl_nlmsg_put_header(buf);
	a->nlmsg_type = RTM_NEWQDISC;
	at = mnl_nlmsg_put_extra_header(a, sizeof(*at));
	at->tcm_ifindex = 5;
	at->tcm_parent = TC_H_ROOT;
	mnl_attr_put_strz(a, TCA_KIND, "tbf");
	opt = mnl_attr_nest_start(a, TCA_OPTIONS);
	struct tc_tbf_qopt tq = { .rate = { .rate = 125000 } };
	mnl_attr_put(a, TCA_TBF_PARMS, sizeof(tq), &tq);
	mnl_attr_nest_end(a, opt);
	assert_true(netd_parse_qdisc(a, &index, &root, kind, sizeof(kind), &sh));
	assert_int_equal(sh.rate_bps, 1000000);
	assert_int_equal(sh.delay_us, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_veth_message),
		cmocka_unit_test(test_veth_without_options),
		cmocka_unit_test(test_p2p_message),
		cmocka_unit_test(test_bridge_and_link_messages),
		cmocka_unit_test(test_address_messages),
		cmocka_unit_test(test_route_messages),
		cmocka_unit_test(test_extack_capped_and_echoed),
		cmocka_unit_test(test_batch_answers_matched_by_sequence),
		cmocka_unit_test(test_batch_reports_how_many_failed),
		cmocka_unit_test(test_dump_answers),
		cmocka_unit_test(test_flush_without_socket),
		cmocka_unit_test(test_interface_names),
		cmocka_unit_test(test_live_link_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
