/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `pingall`: which container reaches which. For every ordered pair the
 * target is the other container's address on a network the two share (so
 * "shares a network but does not answer" is a failure) or, when they share
 * none, its first address (so routed reachability shows, without failing).
 * IPv4 and IPv6 each where both ends have that family.
 */
#ifndef NC_COMPOSE_PINGALL_H
#define NC_COMPOSE_PINGALL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/inet.h"
#include "compose/lifecycle/info.h"
#include "compose/lifecycle/paths.h"

struct nc_ping_pair {
	size_t from, to;  /* container indexes */
	int family;
	struct nc_ip dst;
	bool shared;      /* the two share a network: an answer is expected */
	/* results */
	bool answered;
	unsigned rtt_us;
};

/* Pure: the pairs to probe among n containers (in their given order). */
int nc_pingall_pairs(const struct nc_container_info *c, size_t n, struct nc_ping_pair **pairs,
		     size_t *n_pairs, nc_err *err);

/* pingall-probe.c: reads the record of each of the n services into ci[i]
 * (the caller frees each with nc_info_free, also on failure), chooses the
 * pairs as above and probes each from inside its source's namespace,
 * timeout_ms for all; answered and rtt_us are filled in. */
int nc_pingall_run(struct nc_state *st, const struct nc_paths *paths, const char *const *services,
		   size_t n, unsigned timeout_ms, struct nc_container_info *ci,
		   struct nc_ping_pair **pairs, size_t *n_pairs, nc_err *err);

#endif
