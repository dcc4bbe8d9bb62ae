/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Room in the kernel's neighbour tables for a big lab. The ARP and IPv6
 * neighbour tables are the machine's, shared by every namespace, and their
 * limits (net.ipv{4,6}.neigh.default.gc_thresh1/2/3, 128/512/1024 by
 * default) are a few flat labs' worth: past gc_thresh3 the kernel refuses
 * new entries and pings fail with "No buffer space available". `up`
 * raises them to fit the lab (never lowers them), or, where it cannot
 * (ncompose runs outside the initial network namespace, which alone has
 * those sysctls), says exactly what to set.
 */
#ifndef NC_COMPOSE_HOST_NEIGH_H
#define NC_COMPOSE_HOST_NEIGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compose/lifecycle/report.h"
#include "compose/plan/plan.h"
#include "netd/netd.h"

/* The limits that leave room for `need` more entries beside those in the
 * table now: each of gc_thresh1/2/3 at least what it is, and at least
 * R, 2R and 4R for R = entries + need rounded up to 1024. False (and out
 * unchanged) when the lab already fits below gc_thresh2, where the kernel
 * starts evicting entries. Pure. */
bool nc_neigh_targets(const struct netd_neigh_limits *cur, size_t need, uint32_t out[3]);

/* Reads the tables' limits over `nd` and raises them under sysctl_root
 * ("/proc/sys") where the lab needs it, saying so in one line (the values
 * with --verbose). Never fails `up`: what it cannot read or write is a
 * warning that names the sysctls to set. */
void nc_neigh_fit(const struct nc_plan *p, struct netd *nd, const char *sysctl_root,
		  struct nc_report *rep);

#endif
