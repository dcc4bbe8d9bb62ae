/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `up`: build the plan for real. A table of steps walked forwards; when a
 * step fails, the steps done so far (and the failed one, which may have
 * done part of its work) are undone backwards, so a failed `up` leaves
 * nothing behind and says what failed.
 *
 * Order is "wire first, then run": bridges, namespaces, veths, links,
 * addresses, routes, sysctls, the firewall, cgroups and files are all in
 * place when nc_up returns; the supervisor (compose/lifecycle/supervise.h) then
 * starts the containers, in dependency order.
 */
#ifndef NC_COMPOSE_UP_H
#define NC_COMPOSE_UP_H

#include <stdbool.h>

#include "compose/lifecycle/fault.h"
#include "compose/lifecycle/paths.h"
#include "compose/plan/plan.h"
#include "compose/lifecycle/report.h"
#include "compose/lifecycle/state.h"

struct nc_up_opts {
	const struct nc_paths *paths;
	struct nc_report *rep;
	/* Asked between steps and between containers; true stops the
	 * bring-up and rolls it back (Ctrl-C). May be NULL. */
	bool (*cancelled)(void);
	/* Test hook (compose/lifecycle/fault.h), shared with the supervisor so the
	 * count runs on through the container starts. NULL: none. */
	struct nc_fault *fault;
};

enum nc_up_failure {
	NC_UP_OK,
	NC_UP_REFUSED, /* nothing was changed: the host or the project state says no (exit 2) */
	NC_UP_FAILED,  /* a step failed; what it did was rolled back (exit 1) */
};

/* Brings the project up, with its state directory open and locked by the
 * caller (who keeps it: the supervisor holds the lock for the project's
 * life). On failure err names the step and the cause, *how tells whether
 * anything was attempted, and what was done is rolled back (the state
 * directory is removed unless it held an earlier project's state). */
int nc_up(const struct nc_plan *p, struct nc_state *st, const struct nc_up_opts *o,
	  enum nc_up_failure *how, nc_err *err);

/* A second `up` (compose/lifecycle/reconcile.h): makes only the containers
 * marked in `only` (their namespaces, interfaces, links between two of
 * them, cgroups, files) and the networks marked in `new_net`, appends the
 * plan's configuration records to the journal (each object before it is
 * made, as nc_up), and applies the plan's firewall table in one
 * transaction. Undoes nothing: the caller removes what it asked for with
 * nc_up_remove. The state is locked by the caller (the supervisor). */
int nc_up_partial(const struct nc_plan *p, struct nc_state *st, const struct nc_up_opts *o,
		  const bool *only, const bool *new_net, nc_err *err);

/* Removes the marked containers' kernel objects (network namespace, with
 * it their interfaces; cgroup; writable layer; state directory) and the
 * marked networks' bridges. The containers must be stopped. Missing
 * objects are no error; goes on past failures, returns the first. */
int nc_up_remove(const struct nc_plan *p, struct nc_state *st, const struct nc_paths *paths,
		 struct nc_report *rep, const bool *containers, const bool *networks, nc_err *err);

#endif
