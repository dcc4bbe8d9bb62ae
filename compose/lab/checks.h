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
 *  expect: fail       (tcp, udp) the connection must not work: refused, no
 *                     route or no answer within the timeout.
 *
 * Routers rate-limit "time exceeded" (net.ipv4.icmp_ratelimit: one a
 * second per destination after a burst of six), so a path whose hops did
 * not all answer is probed again for the missing hops, with backoff, before
 * it is judged; probes of checks that share source and target are shared.
 */
#ifndef NC_COMPOSE_CHECKS_H
#define NC_COMPOSE_CHECKS_H

#include <stdbool.h>
#include <stdint.h>

#include "compose/lifecycle/paths.h"
#include "compose/plan/plan.h"

struct nc_check_result {
	const struct nc_check *check;
	bool passed;
	bool error;       /* the check could not run (a service is down, no address) */
	char name[160];   /* "alice reaches bob", for reports */
	char target[64];  /* the address tried */
	char detail[256]; /* why it passed or failed */
	unsigned rtt_us;
	uint64_t elapsed_us; /* from the start until the verdict (with a wait: until it passed) */
	unsigned rounds;     /* how many times it was run */
};

/* Why a service cannot be probed ("is not running (exited 1)"), or false
 * when it runs. */
typedef bool (*nc_checks_down_fn)(void *ctx, const char *service, char *why, size_t size);

struct nc_checks_opts {
	unsigned timeout_ms;      /* each probe's wait */
	unsigned wait_s;          /* 0: one round; else run failing checks again until then */
	unsigned path_tries;      /* via/hops: tries for hops that did not answer (0 = default 5) */
	const char *const *sets;  /* NULL-terminated set names to run; NULL: every check */
	nc_checks_down_fn down;   /* may be NULL */
	void *down_ctx;
};

/* The default number of path tries; NCOMPOSE_CHECK_PATH_TRIES overrides it
 * (1 = a single shot, to show what rate limits do to it). */
unsigned nc_checks_path_tries(void);

/* Runs the selected checks of p->model (through a netd session of its
 * own); *out: one result per selected check, in the file's order, *n_out of
 * them, freed by the caller. */
int nc_checks_run(const struct nc_plan *p, const struct nc_paths *paths,
		  const struct nc_checks_opts *o, struct nc_check_result **out, size_t *n_out,
		  nc_err *err);

/* True when `set` names a set of the model's checks. */
bool nc_checks_has_set(const struct nc_model *m, const char *set);

#endif
