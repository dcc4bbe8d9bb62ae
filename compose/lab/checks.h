/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `ncompose test`: the file's `checks:` against the running lab.
 *
 *  reach / not_reach  ICMP echo from the source (a service's namespace, or
 *                     the host), to an address, a service (its first
 *                     address) or service:iface. not_reach tells "no route"
 *                     (the source has none, or a router said unreachable)
 *                     from "no answer".
 *  via                the path crosses that service: TTL-limited probes
 *                     (as traceroute) and one of the routers that answered
 *                     "time exceeded" is one of its addresses.
 *  hops               the number of hops to the target as traceroute counts
 *                     them: the smallest TTL that gets an answer (1 = on the
 *                     same network).
 *  tcp                a TCP connection to target:port opens.
 *  udp                a datagram to target:port gets a datagram back (a port
 *                     that answers nothing cannot be told from a dropped one).
 */
#ifndef NC_COMPOSE_CHECKS_H
#define NC_COMPOSE_CHECKS_H

#include <stdbool.h>

#include "compose/lifecycle/paths.h"
#include "compose/plan/plan.h"

struct nc_check_result {
	const struct nc_check *check;
	bool passed;
	char name[160];   /* "alice reaches bob", for reports */
	char target[64];  /* the address tried */
	char detail[256]; /* why it passed or failed */
	unsigned rtt_us;
};

/* Runs every check of p->model (through a netd session of its own);
 * *out: one result per check, in the file's order, freed by the caller. */
int nc_checks_run(const struct nc_plan *p, const struct nc_paths *paths, unsigned timeout_ms,
		  struct nc_check_result **out, nc_err *err);

#endif
