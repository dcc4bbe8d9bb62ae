/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "Converged": the routing daemons of a lab have finished their work.
 *
 * A routing node is a running service in which FRR (zebra or watchfrr) or
 * BIRD runs, found by its processes, so `router:` services and imported
 * labs that start FRR from a startup script count alike. A routing node is
 * settled when, read with the daemons' own tools inside it:
 *   FRR   every daemon watchfrr manages is Up (an ospfd still starting
 *         answers "not running", which would show nothing in progress),
 *         no OSPF interface is Waiting, no OSPF neighbour is in Init,
 *         ExStart, Exchange, Loading or Attempt, and every BGP peer of
 *         every address family is Established;
 *   BIRD  no protocol is in `start` or `flush`, no OSPF neighbour is on
 *         its way to Full.
 * The lab is converged when every routing node is settled in the same
 * round AND no node's kernel routing table (IPv4 and IPv6, read from
 * /proc/PID/net) nor the set of routing nodes changed for the settle
 * window. Every probe has a timeout; the wait has a deadline.
 */
#ifndef NC_COMPOSE_CONVERGE_H
#define NC_COMPOSE_CONVERGE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "compose/file/model.h"
#include "compose/lifecycle/paths.h"

/* The default settle window (model.h says why eight seconds), and the
 * longest a single probe may take. */
#define NC_CONVERGE_SETTLE_MS NC_ROUTER_SETTLE_MS
#define NC_CONVERGE_PROBE_MS 5000u
/* A lab where no routing daemon runs (yet) is done once no node's table
 * changed for this long: an imported lab's startup scripts add addresses,
 * then start FRR, after `up` returned. */
#define NC_CONVERGE_QUIET_MS 2000u

struct nc_converge_opts {
	unsigned timeout_s;  /* give up after this long (0: one look) */
	unsigned settle_ms;  /* 0: NC_CONVERGE_SETTLE_MS */
	/* Routing nodes' own settle windows, by service name (`router:
	 * {settle: ...}`); the window of a round is the longest of its
	 * routing nodes', settle_ms for a node not listed. */
	const char *const *settle_names;
	const unsigned *settle_node_ms;
	size_t n_settle;
	/* No routing node can come (no router: service, no daemon's
	 * configuration in any container): a round without routing nodes
	 * is converged at once, not after NC_CONVERGE_QUIET_MS. */
	bool no_routers;
};

struct nc_converge_result {
	bool converged;
	double elapsed_s;
	size_t n_nodes;      /* routing nodes seen in the last round */
	unsigned settle_ms;  /* the window of the last round */
	/* When not converged: the node, and what it waited for last
	 * ("OSPF neighbour 10.0.0.2 is ExStart", "its routes still change"). */
	char node[128];
	char waiting[256];
};

/* Waits until the running project `project` converged or the timeout
 * passed. 0 with r filled either way; < 0 when it could not look. */
int nc_converge_wait(const struct nc_paths *paths, const char *project,
		     const struct nc_converge_opts *o, struct nc_converge_result *r, nc_err *err);

/* Pure judges of the daemons' answers (converge-parse.c): each returns
 * true when that answer shows something still in progress, and says what
 * in `why`. Text that is not the expected JSON (the daemon does not run,
 * the protocol is not configured) shows nothing in progress. */
/* `vtysh -c 'show watchfrr'`: a daemon watchfrr manages that is not Up
 * (ospfd still starting while zebra answers: its `show ip ospf` says
 * "ospfd is not running", which is no JSON and would look settled). */
bool nc_converge_watchfrr(const char *text, char *why, size_t size);
bool nc_converge_ospf_interfaces(const char *json, char *why, size_t size);
bool nc_converge_ospf_neighbours(const char *json, char *why, size_t size);
bool nc_converge_bgp_summary(const char *json, char *why, size_t size);
bool nc_converge_bird_protocols(const char *text, char *why, size_t size);
bool nc_converge_bird_ospf(const char *text, char *why, size_t size);

#endif
