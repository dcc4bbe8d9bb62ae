/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Link shaping with queueing disciplines over rtnetlink (what `tc qdisc`
 * does): tbf for a rate alone, netem when delay, jitter or loss is asked
 * (netem limits the rate too). One root qdisc per egress interface.
 */
#include <errno.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "netd/netd-internal.h"
#include "netd/nsswitch.h"

/* Packets netem may hold: at 10 Gbit/s and 100 ms of delay that is far
 * more than 1000, but labs shape slow links; tc's default is 1000 too. */
#define NETEM_LIMIT 10000

static struct nlmsghdr *qdisc_msg(struct nc_nl *nl, int ifindex, const char *kind)
{
	struct nlmsghdr *nlh = nc_nl_msg(nl, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE,
					 sizeof(struct tcmsg), "add qdisc `%s` to interface %d", kind,
					 ifindex);
	struct tcmsg *tc = mnl_nlmsg_get_payload(nlh);
	tc->tcm_family = AF_UNSPEC;
	tc->tcm_ifindex = ifindex;
	/* No handle, as `tc qdisc replace ... root` sends it: with one, a
	 * root qdisc of another kind under that handle is "changed" and the
	 * kernel refuses ("Invalid qdisc name", tc_modify_qdisc); without
	 * one, CREATE|REPLACE grafts a new qdisc in its place. */
	tc->tcm_handle = 0;
	tc->tcm_parent = TC_H_ROOT;
	mnl_attr_put_strz(nlh, TCA_KIND, kind);
	return nlh;
}

static void put_tbf(struct nlmsghdr *nlh, uint64_t rate_bps)
{
	uint64_t bytes = rate_bps / 8;
	/* Burst: 10 ms worth of the rate, at least two full frames, so a
	 * single packet always fits; queue: 50 ms worth beyond the burst. */
	uint64_t burst = bytes / 100 < 3028 ? 3028 : bytes / 100;
	struct tc_tbf_qopt q = { 0 };

	q.rate.rate = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
	/* Ethernet-aware rate: the kernel then needs no rate table. */
	q.rate.linklayer = TC_LINKLAYER_ETHERNET;
	q.limit = (uint32_t)(burst + bytes / 20);
	struct nlattr *opt = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_TBF_PARMS, sizeof(q), &q);
	mnl_attr_put_u32(nlh, TCA_TBF_BURST, (uint32_t)burst);
	if (bytes > UINT32_MAX)
		mnl_attr_put_u64(nlh, TCA_TBF_RATE64, bytes);
	mnl_attr_nest_end(nlh, opt);
}

static void put_netem(struct nlmsghdr *nlh, const struct netd_shape *s)
{
	struct tc_netem_qopt q = { 0 };
	uint64_t delay_ns = (uint64_t)s->delay_us * 1000, jitter_ns = (uint64_t)s->jitter_us * 1000;

	/* The struct carries psched ticks (ns >> 6); kernels since 4.15 take
	 * the 64-bit nanosecond attributes below instead. */
	q.latency = (uint32_t)(delay_ns >> 6);
	q.jitter = (uint32_t)(jitter_ns >> 6);
	q.limit = NETEM_LIMIT;
	q.loss = (uint32_t)(s->loss_pct / 100.0 * (double)UINT32_MAX);
	/* netem's options are its struct followed by attributes, not a nest
	 * of attributes (sch_netem.c parse_attr). */
	struct nlattr *opt = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	memcpy(mnl_nlmsg_get_payload_tail(nlh), &q, sizeof(q));
	nlh->nlmsg_len += MNL_ALIGN(sizeof(q));
	mnl_attr_put_u64(nlh, TCA_NETEM_LATENCY64, delay_ns);
	mnl_attr_put_u64(nlh, TCA_NETEM_JITTER64, jitter_ns);
	if (s->rate_bps) {
		struct tc_netem_rate r = { 0 };
		uint64_t bytes = s->rate_bps / 8;
		r.rate = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
		mnl_attr_put(nlh, TCA_NETEM_RATE, sizeof(r), &r);
		if (bytes > UINT32_MAX)
			mnl_attr_put_u64(nlh, TCA_NETEM_RATE64, bytes);
	}
	mnl_attr_nest_end(nlh, opt);
}

bool netd_shape_needs_netem(const struct netd_shape *s)
{
	return s->delay_us || s->jitter_us || s->loss_pct > 0;
}

static int shape(struct nc_nl *nl, const char *ifname, const struct netd_shape *s, nc_err *err)
{
	int index, r;

	if (!s->rate_bps && !netd_shape_needs_netem(s))
		return 0;
	if ((r = netd_ifindex(nl, ifname, &index, err)) < 0)
		return r;
	const char *kind = netd_shape_needs_netem(s) ? "netem" : "tbf";
	struct nlmsghdr *nlh = qdisc_msg(nl, index, kind);
	if (netd_shape_needs_netem(s))
		put_netem(nlh, s);
	else
		put_tbf(nlh, s->rate_bps);
	if ((r = nc_nl_flush(nl, NULL, err)) < 0)
		return nc_err_prefix(err, "shape `%s`", ifname);
	return 0;
}

int netd_ns_shape(struct netd_ns *ns, const char *ifname, const struct netd_shape *s, nc_err *err)
{
	return shape(&ns->nl, ifname, s, err);
}

int netd_shape(struct netd *nd, const char *ifname, const struct netd_shape *s, nc_err *err)
{
	return shape(&nd->nl, ifname, s, err);
}

struct probe {
	const char *kind;
	bool ok;
	char *why;
	size_t why_size;
};

static int try_qdisc(void *data, nc_err *err)
{
	struct probe *p = data;
	struct nc_nl nl;
	nc_err e;
	int r;

	if ((r = nc_nl_open(&nl, err)) < 0)
		return r;
	struct netd_shape s = { .delay_us = 1000, .rate_bps = 1000000 };
	/* `lo` is index 1 in a namespace of its own: it is registered first
	 * (loopback_net_init) and indexes are counted per namespace. */
	struct nlmsghdr *nlh = qdisc_msg(&nl, 1, p->kind);
	if (!strcmp(p->kind, "netem"))
		put_netem(nlh, &s);
	else
		put_tbf(nlh, s.rate_bps);
	p->ok = nc_nl_flush(&nl, NULL, &e) == 0;
	if (!p->ok)
		snprintf(p->why, p->why_size, "%s", e.msg);
	nc_nl_close(&nl);
	return 0;
}

int netd_qdisc_probe(struct netd *nd, const char *kind, bool *ok, char *why, size_t why_size,
		     nc_err *err)
{
	struct probe p = { .kind = kind, .why = why, .why_size = why_size };

	(void)nd;
	/* On `lo` of a namespace that exists only for this call: nothing of
	 * the host is touched, and the module is loaded on demand if the
	 * kernel can. */
	why[0] = '\0';
	int r = netd_in_new_netns(try_qdisc, &p, err);
	if (r < 0)
		return r;
	*ok = p.ok;
	return 0;
}
