/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `down`: remove everything of a project; idempotent, and works from the
 * labels when the state directory is gone. */
#ifndef NC_COMPOSE_DOWN_H
#define NC_COMPOSE_DOWN_H

#include "common/error.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/report.h"

#include "compose/lifecycle/state.h"

/* grace_ms: how long each container gets between its stop signal and
 * SIGKILL; 0 = each service's stop_grace_period. */
int nc_down(const char *project, const struct nc_paths *paths, struct nc_report *rep,
	    unsigned grace_ms, nc_err *err);

/* The same with the project's state already open and locked by the caller
 * (a failed bring-up rolling back); the state directory is removed when
 * everything went. */
int nc_down_locked(const char *project, const struct nc_paths *paths, struct nc_state *st,
		   struct nc_report *rep, unsigned grace_ms, nc_err *err);

#endif
