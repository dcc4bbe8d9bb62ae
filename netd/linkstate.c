/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A running lab's links, changed and read while it runs: administrative
 * state (what `ip link set ... up|down` does), the state the kernel
 * reports back (carrier, operstate), and the shaping of the root qdisc
 * (what `tc qdisc show` prints), and its removal.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "netd/netd-internal.h"

/* <linux/if.h> has it, but it cannot be included with glibc's <net/if.h>. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

void netd_msg_delqdisc_root(struct nc_nl *nl, int index, const char *name)
{
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_DELQDISC, 0, sizeof(struct tcmsg),
					 "remove the shaping of `%s`", name);
	struct tcmsg *tc = mnl_nlmsg_get_payload(nlh);
	tc->tcm_family = AF_UNSPEC;
	tc->tcm_ifindex = index;
	tc->tcm_parent = TC_H_ROOT;
}

void netd_msg_dumpqdiscs(struct nc_nl *nl)
{
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_GETQDISC, NLM_F_DUMP, sizeof(struct tcmsg),
					 "list queueing disciplines");
	((struct tcmsg *)mnl_nlmsg_get_payload(nlh))->tcm_family = AF_UNSPEC;
}

bool netd_parse_link(const struct nlmsghdr *nlh, int *index, struct netd_link_state *st)
{
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return false;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	memset(st, 0, sizeof(*st));
	*index = ifi->ifi_index;
	st->up = ifi->ifi_flags & IFF_UP;
	st->carrier = ifi->ifi_flags & IFF_LOWER_UP;
	mnl_attr_for_each(a, nlh, sizeof(*ifi))
	{
		if (mnl_attr_get_type(a) == IFLA_OPERSTATE && mnl_attr_get_payload_len(a) >= 1)
			st->operstate = mnl_attr_get_u8(a);
		else if (mnl_attr_get_type(a) == IFLA_QDISC)
			snprintf(st->qdisc, sizeof(st->qdisc), "%.*s", (int)mnl_attr_get_payload_len(a),
				 (const char *)mnl_attr_get_payload(a));
	}
	/* The attribute carries its NUL; %.*s stops there. */
	return true;
}

/* netem's options: its struct, then attributes (the layout put_netem
 * sends and the kernel dumps). */
static void read_netem(const struct nlattr *opt, struct netd_shape *s)
{
	struct tc_netem_qopt q;
	size_t len = mnl_attr_get_payload_len(opt);
	const char *p = mnl_attr_get_payload(opt);

	if (len < sizeof(q))
		return;
	memcpy(&q, p, sizeof(q));
	/* Ticks are 64 ns; the 64-bit attributes below are exact. */
	s->delay_us = (uint32_t)(((uint64_t)q.latency << 6) / 1000);
	s->jitter_us = (uint32_t)(((uint64_t)q.jitter << 6) / 1000);
	s->loss_pct = (double)q.loss / (double)UINT32_MAX * 100.0;
	size_t off = MNL_ALIGN(sizeof(q));
	if (len <= off)
		return;
	const struct nlattr *a = (const struct nlattr *)(p + off);
	int left = (int)(len - off);
	for (; mnl_attr_ok(a, left); left -= (int)MNL_ALIGN(a->nla_len), a = mnl_attr_next(a)) {
		size_t alen = mnl_attr_get_payload_len(a);
		switch (mnl_attr_get_type(a)) {
		case TCA_NETEM_LATENCY64:
			if (alen >= 8)
				s->delay_us = (uint32_t)(mnl_attr_get_u64(a) / 1000);
			break;
		case TCA_NETEM_JITTER64:
			if (alen >= 8)
				s->jitter_us = (uint32_t)(mnl_attr_get_u64(a) / 1000);
			break;
		case TCA_NETEM_RATE:
			if (alen >= sizeof(struct tc_netem_rate) && !s->rate_bps) {
				const struct tc_netem_rate *r = mnl_attr_get_payload(a);
				s->rate_bps = (uint64_t)r->rate * 8;
			}
			break;
		case TCA_NETEM_RATE64:
			if (alen >= 8)
				s->rate_bps = mnl_attr_get_u64(a) * 8;
			break;
		}
	}
}

static void read_tbf(const struct nlattr *opt, struct netd_shape *s)
{
	const struct nlattr *a;
	uint64_t rate64 = 0;

	mnl_attr_for_each_nested(a, opt)
	{
		if (mnl_attr_get_type(a) == TCA_TBF_PARMS &&
		    mnl_attr_get_payload_len(a) >= sizeof(struct tc_tbf_qopt)) {
			const struct tc_tbf_qopt *q = mnl_attr_get_payload(a);
			s->rate_bps = (uint64_t)q->rate.rate * 8;
		} else if (mnl_attr_get_type(a) == TCA_TBF_RATE64 && mnl_attr_get_payload_len(a) >= 8) {
			rate64 = mnl_attr_get_u64(a);
		}
	}
	if (rate64)
		s->rate_bps = rate64 * 8;
}

bool netd_parse_qdisc(const struct nlmsghdr *nlh, int *index, bool *root, char *kind,
		      size_t kind_size, struct netd_shape *shape)
{
	const struct nlattr *a, *opt = NULL;

	if (nlh->nlmsg_type != RTM_NEWQDISC || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct tcmsg)))
		return false;
	const struct tcmsg *tc = mnl_nlmsg_get_payload(nlh);
	*index = tc->tcm_ifindex;
	*root = tc->tcm_parent == TC_H_ROOT;
	kind[0] = '\0';
	memset(shape, 0, sizeof(*shape));
	mnl_attr_for_each(a, nlh, sizeof(*tc))
	{
		if (mnl_attr_get_type(a) == TCA_KIND)
			snprintf(kind, kind_size, "%.*s", (int)mnl_attr_get_payload_len(a),
				 (const char *)mnl_attr_get_payload(a));
		else if (mnl_attr_get_type(a) == TCA_OPTIONS)
			opt = a;
	}
	if (opt && !strcmp(kind, "netem"))
		read_netem(opt, shape);
	else if (opt && !strcmp(kind, "tbf"))
		read_tbf(opt, shape);
	return true;
}

const char *netd_operstate_name(uint8_t operstate)
{
	/* IF_OPER_* of <linux/if.h>, in their order. */
	static const char *const names[] = { "UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
					     "TESTING", "DORMANT", "UP" };
	return operstate < NC_ELEMENTSOF(names) ? names[operstate] : "UNKNOWN";
}

/* ---- over a session -------------------------------------------------- */

struct link_answer {
	int index;
	struct netd_link_state *st;
	bool seen;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_answer *l = data;
	if (netd_parse_link(nlh, &l->index, l->st))
		l->seen = true;
	return 0;
}

struct qdisc_answer {
	int index;
	struct netd_shape *shape;
};

static int qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	struct qdisc_answer *q = data;
	struct netd_shape s;
	char kind[16];
	int index;
	bool root;

	if (netd_parse_qdisc(nlh, &index, &root, kind, sizeof(kind), &s) && root &&
	    index == q->index)
		*q->shape = s;
	return 0;
}

static int link_state(struct nc_nl *nl, const char *ifname, struct netd_link_state *out,
		      nc_err *err)
{
	struct link_answer l = { .st = out };
	int r;

	if ((r = netd_check_ifname(ifname, "read link state", err)) < 0)
		return r;
	netd_msg_getlink(nl, ifname);
	if ((r = nc_nl_flush_cb(nl, NULL, link_cb, &l, err)) < 0)
		return r;
	if (!l.seen)
		return nc_err_msg(err, ENODEV, "read state of `%s`: no answer", ifname);
	/* The link's answer names its root qdisc; its parameters take a dump
	 * (the kernel has no "get" of one qdisc by link). */
	if (strcmp(out->qdisc, "netem") && strcmp(out->qdisc, "tbf"))
		return 0;
	struct qdisc_answer q = { .index = l.index, .shape = &out->shape };
	for (int tries = 0;; tries++) {
		netd_msg_dumpqdiscs(nl);
		r = nc_nl_dump(nl, qdisc_cb, &q, err);
		if (r != -EAGAIN || tries == 3)
			break;
	}
	return r < 0 ? nc_err_prefix(err, "read shaping of `%s`", ifname) : 0;
}

static int unshape(struct nc_nl *nl, const char *ifname, nc_err *err)
{
	/* ENOENT: no qdisc of ours at the root (the default one has handle 0
	 * and cannot be deleted): nothing to remove. */
	static const int none[] = { ENOENT, 0 };
	int index, r;

	if ((r = netd_check_ifname(ifname, "remove shaping", err)) < 0 ||
	    (r = netd_ifindex(nl, ifname, &index, err)) < 0)
		return r;
	netd_msg_delqdisc_root(nl, index, ifname);
	return nc_nl_flush(nl, none, err);
}

int netd_link_set_up(struct netd *nd, const char *ifname, bool up, nc_err *err)
{
	int r;

	if ((r = netd_check_ifname(ifname, up ? "bring link up" : "bring link down", err)) < 0)
		return r;
	netd_msg_set_up(&nd->nl, ifname, up);
	return nc_nl_flush(&nd->nl, NULL, err);
}

int netd_link_state(struct netd *nd, const char *ifname, struct netd_link_state *out,
		    nc_err *err)
{
	return link_state(&nd->nl, ifname, out, err);
}

int netd_ns_link_state(struct netd_ns *ns, const char *ifname, struct netd_link_state *out,
		       nc_err *err)
{
	int r;

	/* A batch in progress goes first, so the answer is about its result. */
	if ((r = nc_nl_flush(&ns->nl, NULL, err)) < 0)
		return r;
	return link_state(&ns->nl, ifname, out, err);
}

int netd_unshape(struct netd *nd, const char *ifname, nc_err *err)
{
	return unshape(&nd->nl, ifname, err);
}

int netd_ns_unshape(struct netd_ns *ns, const char *ifname, nc_err *err)
{
	return unshape(&ns->nl, ifname, err);
}
