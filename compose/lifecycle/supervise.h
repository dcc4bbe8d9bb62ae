/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-project supervisor: the process that starts every container, so
 * it is the parent of each init. It starts them in dependency order (a
 * service waits until what it depends on is started, healthy or completed,
 * as its `depends_on` says), runs healthchecks inside them, restarts them
 * by their `restart` policy with back-off (in the same network namespace,
 * so links survive), records how each ended, and answers the CLI on the
 * control socket (compose/lifecycle/control.h): stop, start, restart, status, down.
 * No process per container beyond the container's own.
 *
 * `up -d` runs it detached once the project is up; `up` without -d runs it
 * in the foreground, printing the containers' output, until Ctrl-C.
 */
#ifndef NC_COMPOSE_SUPERVISE_H
#define NC_COMPOSE_SUPERVISE_H

#include <stdbool.h>

#include "compose/lifecycle/fault.h"
#include "compose/lifecycle/paths.h"
#include "compose/plan/plan.h"
#include "compose/lifecycle/report.h"
#include "compose/lifecycle/state.h"
#include "runtime/runtime.h"

struct nc_supervise_opts {
	bool attached;        /* foreground: print output; Ctrl-C returns */
	unsigned grace_ms;    /* for `down`: 0 = each service's stop_grace_period */
	/* Services `up` was asked for (with what they depend on); NULL = all. */
	const char *const *services;
	/* Called once every wanted container runs (and is healthy where it has
	 * a healthcheck, or has completed where one is a one-shot). */
	void (*on_ready)(void *ctx);
	void *ready_ctx;
	struct nc_fault *fault; /* test hook: counts container starts too; may be NULL */
};

enum nc_supervise_end {
	NC_SUPERVISE_DOWN,        /* `down` asked: containers are stopped */
	NC_SUPERVISE_INTERRUPTED, /* Ctrl-C, SIGTERM or SIGHUP (attached) */
	NC_SUPERVISE_ALL_EXITED,  /* attached: every container has ended */
	NC_SUPERVISE_FAILED,      /* the bring-up failed (err says why); containers stopped */
};

/* control_fd: the control socket, already listening (nc_control_listen),
 * or -1 to open it here. Taken: nc_supervise closes it. The cgroups are
 * those under paths->cgroup_root. */
int nc_supervise(const struct nc_plan *p, const struct nc_paths *paths, struct nc_state *st,
		 struct nc_report *rep, const struct nc_supervise_opts *o, int control_fd,
		 enum nc_supervise_end *end, nc_err *err);

/* The supervisor's own cgroup, beside the services' (a name no service can
 * have: service names start with a letter or digit). `down` finds a hung
 * supervisor there. */
#define NC_SUPERVISOR_CGROUP "_supervisor"

/* Moves the calling process into that cgroup, so a hung supervisor is
 * found and killed by `down` like any container. Best effort: a host
 * without cgroups only loses that. */
void nc_supervisor_enter_cgroup(const struct nc_plan *p, const struct nc_paths *paths);

#endif
