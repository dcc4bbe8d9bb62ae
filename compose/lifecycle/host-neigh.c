/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/host-neigh.h"

#include <limits.h>
#include <sys/socket.h>

#include "compose/plan/plan-neigh.h"

bool nc_neigh_targets(const struct netd_neigh_limits *cur, size_t need, uint32_t out[3])
{
	uint64_t total = (uint64_t)cur->entries + need;

	if (!need || total <= cur->thresh[1])
		return false;
	uint64_t r = (total + 1023) / 1024 * 1024;
	for (int i = 0; i < 3; i++) {
		uint64_t want = r << (i == 0 ? 0 : i == 1 ? 1 : 2);
		if (want > INT_MAX) /* the sysctls are ints */
			want = INT_MAX;
		out[i] = cur->thresh[i] > want ? cur->thresh[i] : (uint32_t)want;
	}
	return true;
}

static void fit_family(int family, size_t need, struct netd *nd, const char *sysctl_root,
		       struct nc_report *rep)
{
	const char *v = family == AF_INET ? "4" : "6";
	const char *name = family == AF_INET ? "IPv4 (ARP)" : "IPv6 (neighbour discovery)";
	struct netd_neigh_limits cur;
	uint32_t want[3];
	nc_err e;

	if (netd_neigh_limits(nd, family, &cur, &e) < 0) {
		nc_report_warn(rep, "cannot check the host's %s neighbour table for this lab's %zu entries: %s",
			       name, need, e.msg);
		return;
	}
	nc_report_verbose(rep, "%s neighbour table: %u entries now, the lab adds about %zu; gc_thresh1/2/3 %u/%u/%u",
			  name, cur.entries, need, cur.thresh[0], cur.thresh[1], cur.thresh[2]);
	if (!nc_neigh_targets(&cur, need, want))
		return;
	if (netd_neigh_set_limits(sysctl_root, family, want, &e) < 0) {
		nc_report_warn(rep,
			       "this lab makes about %zu %s neighbour entries, beyond what the host's table keeps (gc_thresh2 %u, gc_thresh3 %u, shared by every namespace), and ncompose cannot raise it from here (%s): pings between its containers may fail with \"No buffer space available\"; in the host's initial network namespace run: sysctl -w net.ipv%s.neigh.default.gc_thresh1=%u net.ipv%s.neigh.default.gc_thresh2=%u net.ipv%s.neigh.default.gc_thresh3=%u",
			       need, name, cur.thresh[1], cur.thresh[2], e.msg, v, want[0], v, want[1], v,
			       want[2]);
		return;
	}
	nc_report_warn(rep,
		       "raised the host's %s neighbour table limits for this lab's %zu entries (net.ipv%s.neigh.default.gc_thresh1/2/3; host-wide, left raised after down)",
		       name, need, v);
	nc_report_verbose(rep, "net.ipv%s.neigh.default.gc_thresh1/2/3: %u/%u/%u -> %u/%u/%u", v,
			  cur.thresh[0], cur.thresh[1], cur.thresh[2], want[0], want[1], want[2]);
}

void nc_neigh_fit(const struct nc_plan *p, struct netd *nd, const char *sysctl_root,
		  struct nc_report *rep)
{
	size_t v4, v6;

	nc_plan_neigh_need(p, &v4, &v6);
	if (v4)
		fit_family(AF_INET, v4, nd, sysctl_root, rep);
	if (v6)
		fit_family(AF_INET6, v6, nd, sysctl_root, rep);
}
